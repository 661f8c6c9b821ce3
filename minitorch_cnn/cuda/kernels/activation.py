"""Bias + ReLU in one pass (the conv epilogue) and the ReLU backward."""
from ._common import cp, per_channel

_BIAS_RELU = cp.ElementwiseKernel(
    "T x, T bias", "T y", "const T v = x + bias; y = v > (T)0 ? v : (T)0;", "minitorch_bias_relu",
)

_RELU_BACKWARD = cp.ElementwiseKernel(
    "T grad_y, T y", "T grad_x", "grad_x = y > (T)0 ? grad_y : (T)0;", "minitorch_relu_backward",
)


def bias_relu(x, bias, out=None):
    """relu(x + bias[c]) for x (N, C, *) and bias (C,); ``out=x`` works in place."""
    bias = per_channel(bias, x.ndim)
    return _BIAS_RELU(x, bias) if out is None else _BIAS_RELU(x, bias, out)


def relu_backward(grad_y, y):
    """dX = dY * (Y > 0), from the ReLU's output."""
    return _RELU_BACKWARD(grad_y, y)
