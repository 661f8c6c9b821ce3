"""Fused optimizer updates: one kernel per parameter does the whole SGD or Adam step in place
(the composed version launches 4 to 8 kernels per parameter). The math and its rounding order
are PyTorch's single-tensor ``torch.optim.SGD`` / ``Adam`` / ``AdamW`` (amsgrad is left to the
generic optimizer). Scalars are kernel arguments, so under CUDA-graph capture they are frozen
at their captured values.
"""
from ._common import cp

_SGD_MOMENTUM = cp.ElementwiseKernel(
    "T grad, float64 lr, float64 weight_decay, float64 momentum, float64 dampening, "
    "bool nesterov, bool maximize, bool first_step",
    "T param, T buf",
    """
    T d = maximize ? -grad : grad;
    if (weight_decay != 0) d = d + (T)weight_decay * param;
    buf = first_step ? d : buf * (T)momentum + (T)(1 - dampening) * d;
    d = nesterov ? d + (T)momentum * buf : buf;
    param = param - (T)lr * d;
    """,
    "minitorch_sgd_momentum",
)

_SGD = cp.ElementwiseKernel(
    "T grad, float64 lr, float64 weight_decay, bool maximize", "T param",
    """
    T d = maximize ? -grad : grad;
    if (weight_decay != 0) d = d + (T)weight_decay * param;
    param = param - (T)lr * d;
    """,
    "minitorch_sgd",
)

_ADAM = cp.ElementwiseKernel(
    "T grad, float64 lr, float64 beta1, float64 beta2, float64 eps, float64 weight_decay, "
    "float64 bias_correction1, float64 bias_correction2_sqrt, bool decoupled, bool maximize",
    "T param, T exp_avg, T exp_avg_sq",
    """
    T g = maximize ? -grad : grad;
    if (weight_decay != 0) {
        if (decoupled) param = param * (T)(1 - lr * weight_decay);  // AdamW
        else g = g + (T)weight_decay * param;                        // Adam's L2 term
    }
    exp_avg = exp_avg + (T)(1 - beta1) * (g - exp_avg);               // lerp
    exp_avg_sq = exp_avg_sq * (T)beta2 + (T)(1 - beta2) * (g * g);
    const T denom = sqrt(exp_avg_sq) / (T)bias_correction2_sqrt + (T)eps;
    param = param + (T)(-lr / bias_correction1) * (exp_avg / denom);
    """,
    "minitorch_adam",
)


def sgd_step(param, grad, momentum_buffer, lr, weight_decay=0.0, momentum=0.0, dampening=0.0,
             nesterov=False, maximize=False, first_step=False):
    """One SGD step in place on ``param`` (and ``momentum_buffer``, which may be None when momentum=0).

    ``first_step=True`` initialises the buffer to the gradient, as PyTorch does when it has none.
    """
    if momentum == 0:
        _SGD(grad, float(lr), float(weight_decay), bool(maximize), param)
    else:
        _SGD_MOMENTUM(grad, float(lr), float(weight_decay), float(momentum), float(dampening),
                      bool(nesterov), bool(maximize), bool(first_step), param, momentum_buffer)
    return param


def adam_step(param, grad, exp_avg, exp_avg_sq, step, lr, beta1=0.9, beta2=0.999, eps=1e-8,
              weight_decay=0.0, decoupled_weight_decay=False, maximize=False):
    """One Adam (or AdamW with ``decoupled_weight_decay=True``) step in place; ``step`` counts from 1."""
    bias_correction1 = 1 - beta1 ** step
    bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
    _ADAM(grad, float(lr), float(beta1), float(beta2), float(eps), float(weight_decay),
          float(bias_correction1), float(bias_correction2_sqrt), bool(decoupled_weight_decay), bool(maximize),
          param, exp_avg, exp_avg_sq)
    return param
