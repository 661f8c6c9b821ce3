"""Batch norm over (N, C, *) arrays, laid out like ``minitorch_cnn.ops.norm.BatchNorm``:
statistics by two reductions over every axis but C, the normalisation (and an optional ReLU)
as one elementwise pass, and the closed-form backward from ``x_hat``.

Math (M = values per channel; mean and var are the biased batch statistics)::

    x_hat = (x - mean) * invstd,   invstd = 1 / sqrt(var + eps),   y = weight * x_hat + bias
    dbias = sum(dy),  dweight = sum(dy * x_hat)
    dx = weight * invstd * (dy - dbias / M - x_hat * dweight / M)

Updating the running statistics stays with the caller, as in the generic op.
"""
from ._common import cp, per_channel

_SQUARED_DEVIATION_SUM = cp.ReductionKernel(
    "T x, T mean", "T total", "(x - mean) * (x - mean)", "a + b", "total = a", "0",
    "minitorch_bn_squared_deviation_sum",
)

_VAR_INVSTD = cp.ElementwiseKernel(
    "T squared_deviation_sum, float64 M, float64 eps", "T var, T invstd",
    "var = squared_deviation_sum / (T)M; invstd = (T)1 / sqrt(var + (T)eps);",
    "minitorch_bn_var_invstd",
)

_NORMALIZE = cp.ElementwiseKernel(
    "T x, T mean, T invstd, T weight, T bias, bool relu", "T y, T x_hat",
    """
    x_hat = (x - mean) * invstd;
    const T v = x_hat * weight + bias;
    y = (relu && !(v > (T)0)) ? (T)0 : v;
    """,
    "minitorch_bn_normalize",
)

_NORMALIZE_EVAL = cp.ElementwiseKernel(
    "T x, T mean, T invstd, T weight, T bias, bool relu", "T y",
    "const T v = (x - mean) * invstd * weight + bias; y = (relu && !(v > (T)0)) ? (T)0 : v;",
    "minitorch_bn_normalize_eval",
)

_SUM_PRODUCT = cp.ReductionKernel(
    "T a, T b", "T total", "a * b", "a + b", "total = a", "0", "minitorch_sum_product",
)

_GRAD_INPUT = cp.ElementwiseKernel(
    "T dy, T x_hat, T scale, T mean_dy, T mean_dy_xhat", "T dx",
    "dx = scale * (dy - mean_dy - x_hat * mean_dy_xhat);",
    "minitorch_bn_grad_input",
)

_RELU_MASK = cp.ElementwiseKernel("T dy, T y", "T masked", "masked = y > (T)0 ? dy : (T)0;", "minitorch_relu_mask")


def _reduce_axes(x):
    return (0,) + tuple(range(2, x.ndim))


def _ones_if_none(weight, C, dtype):
    return cp.ones(C, dtype=dtype) if weight is None else weight


def batch_norm_train_forward(x, weight, bias, eps, relu=False):
    """Training-mode batch norm of x (N, C, *) -> (y, x_hat, mean, var, invstd).

    ``weight``/``bias`` may be None; ``relu=True`` returns relu(y) from the same pass.
    """
    C, ndim = x.shape[1], x.ndim
    axes = _reduce_axes(x)
    mean = x.mean(axis=axes)
    var, invstd = _VAR_INVSTD(_SQUARED_DEVIATION_SUM(x, per_channel(mean, ndim), axis=axes), float(x.size // C),
                              float(eps))
    weight = _ones_if_none(weight, C, x.dtype)
    bias = cp.zeros(C, dtype=x.dtype) if bias is None else bias
    y, x_hat = _NORMALIZE(x, *(per_channel(v, ndim) for v in (mean, invstd, weight, bias)), bool(relu))
    return y, x_hat, mean, var, invstd


def batch_norm_eval_forward(x, mean, var, weight, bias, eps, relu=False):
    """Eval-mode batch norm: normalise with the given (running) mean and var."""
    C, ndim = x.shape[1], x.ndim
    invstd = 1 / cp.sqrt(var.astype(x.dtype, copy=False) + eps)
    weight = _ones_if_none(weight, C, x.dtype)
    bias = cp.zeros(C, dtype=x.dtype) if bias is None else bias
    return _NORMALIZE_EVAL(x, *(per_channel(v.astype(x.dtype, copy=False), ndim)
                                for v in (mean, invstd, weight, bias)), bool(relu))


def batch_norm_backward(grad_y, x_hat, invstd, weight, y=None):
    """Training-mode backward -> (dx, dweight, dbias); pass ``y`` when the forward fused a ReLU."""
    if y is not None:
        grad_y = _RELU_MASK(grad_y, y)  # the ReLU's backward: zero where the output was clamped
    C, ndim = x_hat.shape[1], x_hat.ndim
    M = x_hat.size // C
    axes = _reduce_axes(x_hat)
    sum_dy = grad_y.sum(axis=axes)
    sum_dy_xhat = _SUM_PRODUCT(grad_y, x_hat, axis=axes)
    scale = _ones_if_none(weight, C, x_hat.dtype) * invstd
    dx = _GRAD_INPUT(grad_y, x_hat, *(per_channel(v, ndim) for v in (scale, sum_dy / M, sum_dy_xhat / M)))
    return dx, sum_dy_xhat, sum_dy
