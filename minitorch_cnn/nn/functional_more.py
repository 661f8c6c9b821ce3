"""More of ``torch.nn.functional``, each written with differentiable tensor functions (so its
gradient is autograd's, checked by gradcheck): softplus and other smooth activations, PReLU,
layer norm, embedding lookup, vector normalisation and distances, 1-D convolution and pooling.
``nn.functional`` re-exports them all.
"""
from .. import functions as T
from .. import pointwise_functions as P
from .. import reduction_functions as R
from ..tensor import Tensor


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta; linear (x) where beta x > threshold, as PyTorch, for stability."""
    bx = T.mul(input, beta) if beta != 1 else input
    soft = P.log1p(T.exp(T.clamp(bx, max=threshold)))  # (clamped: exp cannot overflow where it is not used)
    if beta != 1:
        soft = T.div(soft, beta)
    return T.where(T.gt(bx, threshold), input, soft)


def softsign(input):
    """x / (1 + |x|)."""
    return T.div(input, T.add(T.abs(input), 1))


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), without overflow."""
    return T.neg(softplus(T.neg(input)))


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6: a piecewise-linear sigmoid."""
    return T.div(T.clamp(T.add(input, 3.0), 0.0, 6.0), 6.0)


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6 (MobileNetV3)."""
    return T.mul(input, hardsigmoid(input))


def mish(input, inplace=False):
    """x * tanh(softplus(x)) (Misra 2019)."""
    return T.mul(input, T.tanh(softplus(input)))


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1))."""
    negative = T.mul(P.expm1(T.div(T.clamp(input, max=0.0), alpha)), alpha)
    return T.add(T.clamp(input, min=0.0), negative)


def selu(input, inplace=False):
    """scale * (max(0, x) + min(0, alpha (exp(x) - 1))) with the self-normalising constants."""
    negative = T.mul(P.expm1(T.clamp(input, max=0.0)), _SELU_ALPHA)
    return T.mul(T.add(T.clamp(input, min=0.0), negative), _SELU_SCALE)


def prelu(input, weight):
    """x if x >= 0 else weight * x, with one learned slope (or one per channel, dim 1)."""
    if weight.numel() != 1 and (input.ndim < 2 or weight.numel() != input.shape[1]):
        raise RuntimeError(f"prelu: Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                           f"{weight.numel()} and channel size = {input.shape[1] if input.ndim > 1 else 1}.")
    slope = weight if weight.numel() == 1 else T.reshape(weight, (-1,) + (1,) * (input.ndim - 2))
    return T.where(T.ge(input, 0), input, T.mul(slope, input))


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value."""
    return T.where(T.gt(input, threshold), input, float(value))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last len(normalized_shape) dims: (x - mean) / sqrt(var + eps) (biased
    variance), then weight * . + bias."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [*, "
                           f"{', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    mean = T.mean(input, dims, keepdim=True)
    centered = T.sub(input, mean)
    var = T.mean(T.mul(centered, centered), dims, keepdim=True)
    out = T.mul(centered, P.rsqrt(T.add(var, eps)))
    if weight is not None:
        out = T.mul(out, weight)
    if bias is not None:
        out = T.add(out, bias)
    return out


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise (N, C, *) over groups of C / num_groups channels and the spatial dims, then per-channel
    weight * . + bias."""
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    grouped = T.reshape(input, (n, num_groups, -1))
    out = T.reshape(layer_norm(grouped, grouped.shape[-1], eps=eps), input.shape)
    per_channel = (1, c) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = T.mul(out, T.reshape(weight, per_channel))
    if bias is not None:
        out = T.add(out, T.reshape(bias, per_channel))
    return out


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """The rows ``weight[input]``: (*) int indices -> (*, embedding_dim); the row padding_idx gets no gradient."""
    if not isinstance(input, Tensor) or input._data.dtype.kind not in "iu":
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           "Long, Int")
    if max_norm is not None or scale_grad_by_freq:
        raise NotImplementedError("embedding(): max_norm and scale_grad_by_freq are not implemented in minitorch_cnn")
    rows = T.getitem(weight, input)
    if padding_idx is not None:
        keep = Tensor._from_op((input._data != (padding_idx % weight.shape[0]))[..., None], None)
        rows = T.where(keep, rows, rows.detach())  # the same values; no gradient reaches that row
    return rows


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """x / max(||x||_p over dim, eps): unit vectors along ``dim``."""
    norm = R.vector_norm(input, p, dim, keepdim=True)
    result = T.div(input, T.clamp(norm, min=eps))
    if out is not None:
        from ..arguments import copy_into

        return copy_into(out, result, "normalize")
    return result


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """<x1, x2> / (max(||x1||, eps) * max(||x2||, eps)) along ``dim`` (broadcast)."""
    dot = T.sum(T.mul(x1, x2), dim)
    n1 = T.clamp(R.vector_norm(x1, 2, dim), min=eps)
    n2 = T.clamp(R.vector_norm(x2, 2, dim), min=eps)
    return T.div(dot, T.mul(n1, n2))


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p along the last dim."""
    return R.vector_norm(T.add(T.sub(x1, x2), eps), p, -1, keepdim)
