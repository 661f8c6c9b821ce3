"""Reductions over one or several dims (``dims`` is a tuple of non-negative axes)."""
from ..autograd.function import Function
from ..backend import get_array_module


def _expand_back(g, shape, dims, keepdim):
    """Re-insert reduced axes into ``g`` so it broadcasts against the input shape."""
    if not keepdim:
        for d in dims:
            g = get_array_module(g).expand_dims(g, d)
    return g


class Sum(Function):
    def __init__(self, dims, keepdim=False):
        self.dims, self.keepdim = dims, keepdim

    def forward(self, x):
        self.shape = x.shape
        return x.sum(axis=self.dims, keepdims=self.keepdim)

    def backward(self, g):
        # dX = broadcast(dY) over the reduced dims
        xp = get_array_module(g)
        return xp.broadcast_to(_expand_back(g, self.shape, self.dims, self.keepdim), self.shape)


class Mean(Function):
    def __init__(self, dims, keepdim=False):
        self.dims, self.keepdim = dims, keepdim

    def forward(self, x):
        self.shape = x.shape
        self.count = 1
        for d in self.dims:
            self.count *= x.shape[d]
        return x.mean(axis=self.dims, keepdims=self.keepdim)

    def backward(self, g):
        # dX = broadcast(dY) / count
        xp = get_array_module(g)
        return xp.broadcast_to(_expand_back(g, self.shape, self.dims, self.keepdim) / self.count, self.shape)


class Var(Function):
    """Variance with ``correction`` (1: unbiased, PyTorch's default; 0: biased)."""

    def __init__(self, dims, correction=1, keepdim=False):
        self.dims, self.correction, self.keepdim = dims, correction, keepdim

    def forward(self, x):
        count = 1
        for d in self.dims:
            count *= x.shape[d]
        self.denominator = max(count - self.correction, 0)
        centered = x - x.mean(axis=self.dims, keepdims=True)
        self.save_for_backward(centered)
        return (centered * centered).sum(axis=self.dims, keepdims=self.keepdim) / self.denominator

    def backward(self, g):
        # dX = dY * 2 (x - mean) / (count - correction)
        (centered,) = self.saved_tensors
        g = _expand_back(g, centered.shape, self.dims, self.keepdim)
        return g * centered * (2.0 / self.denominator) if self.denominator else g * centered * float("nan")


class Amax(Function):
    """max over dims; the gradient is shared evenly among tied maxima (PyTorch's amax rule)."""

    minimum = False

    def __init__(self, dims, keepdim=False):
        self.dims, self.keepdim = dims, keepdim

    def forward(self, x):
        out = x.min(axis=self.dims, keepdims=True) if self.minimum else x.max(axis=self.dims, keepdims=True)
        mask = x == out
        self.save_for_backward(mask)
        self.count = mask.sum(axis=self.dims, keepdims=True)
        return out if self.keepdim else out.squeeze(self.dims)

    def backward(self, g):
        # dX = dY * [x == max] / (number of maxima)
        (mask,) = self.saved_tensors
        g = _expand_back(g, mask.shape, self.dims, self.keepdim)
        return g * mask / self.count.astype(g.dtype)


class Amin(Amax):
    minimum = True


class MaxAlongDim(Function):
    """``max(x, dim)`` values; the gradient goes to the returned index only (PyTorch's max rule)."""

    minimum = False

    def __init__(self, dim, keepdim=False):
        self.dim, self.keepdim = dim, keepdim

    def forward(self, x):
        xp = get_array_module(x)
        idx = (x.argmin if self.minimum else x.argmax)(axis=self.dim)
        self.indices = xp.expand_dims(idx, self.dim)
        self.shape = x.shape
        values = xp.take_along_axis(x, self.indices, axis=self.dim)
        return values if self.keepdim else values.squeeze(self.dim)

    def backward(self, g):
        # dX = scatter dY to the argmax position along dim
        xp = get_array_module(g)
        if not self.keepdim:
            g = xp.expand_dims(g, self.dim)
        positions = xp.arange(self.shape[self.dim]).reshape((-1,) + (1,) * (len(self.shape) - self.dim - 1))
        return (positions == self.indices) * g


class MinAlongDim(MaxAlongDim):
    minimum = True


class LogSumExp(Function):
    def __init__(self, dims, keepdim=False):
        self.dims, self.keepdim = dims, keepdim

    def forward(self, x):
        xp = get_array_module(x)
        m = x.max(axis=self.dims, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        out = xp.log(xp.exp(x - m).sum(axis=self.dims, keepdims=True)) + m
        self.save_for_backward(x, out)
        return out if self.keepdim else out.squeeze(self.dims)

    def backward(self, g):
        # dX = dY * exp(x - logsumexp(x))
        x, out = self.saved_tensors
        g = _expand_back(g, x.shape, self.dims, self.keepdim)
        return g * get_array_module(x).exp(x - out)
