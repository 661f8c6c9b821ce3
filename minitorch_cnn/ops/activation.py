"""Activations and (log-)softmax."""
from ..autograd.function import Function
from ..backend import get_array_module


class ReLU(Function):
    def forward(self, x):
        out = get_array_module(x).maximum(x, 0)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        # dX = dY * [x > 0]
        (out,) = self.saved_tensors
        return g * (out > 0)


class Sigmoid(Function):
    def forward(self, x):
        xp = get_array_module(x)
        # stable for large |x|: exp of a non-positive number only
        e = xp.exp(-abs(x))
        out = xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        # dX = dY * s * (1 - s)
        (s,) = self.saved_tensors
        return g * s * (1 - s)


class Tanh(Function):
    def forward(self, x):
        out = get_array_module(x).tanh(x)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        # dX = dY * (1 - tanh^2)
        (t,) = self.saved_tensors
        return g * (1 - t * t)


class Softmax(Function):
    """softmax along ``dim``: exp(x - max) / sum exp(x - max)."""

    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        xp = get_array_module(x)
        e = xp.exp(x - x.max(axis=self.dim, keepdims=True))
        out = e / e.sum(axis=self.dim, keepdims=True)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        # dX = y * (dY - sum(dY * y))
        (y,) = self.saved_tensors
        return y * (g - (g * y).sum(axis=self.dim, keepdims=True))


class LogSoftmax(Function):
    """log_softmax along ``dim``: x - max - log(sum exp(x - max)), stable for huge logits."""

    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        xp = get_array_module(x)
        shifted = x - x.max(axis=self.dim, keepdims=True)
        out = shifted - xp.log(xp.exp(shifted).sum(axis=self.dim, keepdims=True))
        self.save_for_backward(out)
        return out

    def backward(self, g):
        # dX = dY - softmax(x) * sum(dY)
        (out,) = self.saved_tensors
        return g - get_array_module(out).exp(out) * g.sum(axis=self.dim, keepdims=True)
