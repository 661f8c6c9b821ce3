"""Reductions over one or several dims (``dims`` is a tuple of non-negative axes)."""
from ..autograd.function import Function
from ..backend import get_array_module


class _Reduction(Function):
    """A reduction over ``dims`` of an input of shape ``self.shape`` (set by forward);
    backward gets dY back to the input's rank with ``self.expand(g)``."""

    def __init__(self, dims, keepdim=False):
        self.dims, self.keepdim = dims, keepdim

    def expand(self, g):
        """dY with the reduced axes put back as size 1, so it broadcasts against the input."""
        return g.reshape([1 if i in self.dims else n for i, n in enumerate(self.shape)])


class Sum(_Reduction):
    def forward(self, x):
        self.shape = x.shape
        return x.sum(axis=self.dims, keepdims=self.keepdim)

    def backward(self, g):
        # dX = broadcast(dY) over the reduced dims
        return get_array_module(g).broadcast_to(self.expand(g), self.shape)


class Mean(_Reduction):
    def forward(self, x):
        self.shape = x.shape
        self.count = 1
        for d in self.dims:
            self.count *= x.shape[d]
        return x.mean(axis=self.dims, keepdims=self.keepdim)

    def backward(self, g):
        # dX = broadcast(dY) / count
        return get_array_module(g).broadcast_to(self.expand(g) / self.count, self.shape)


class Var(_Reduction):
    """Variance with ``correction`` (1: unbiased, PyTorch's default; 0: biased)."""

    def __init__(self, dims, correction=1, keepdim=False):
        super().__init__(dims, keepdim)
        self.correction = correction

    def forward(self, x):
        self.shape = x.shape
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
        g = self.expand(g)
        return g * centered * (2.0 / self.denominator) if self.denominator else g * centered * float("nan")


class Amax(_Reduction):
    """max over dims; the gradient is shared evenly among tied maxima (PyTorch's amax rule)."""

    minimum = False

    def forward(self, x):
        self.shape = x.shape
        out = x.min(axis=self.dims, keepdims=True) if self.minimum else x.max(axis=self.dims, keepdims=True)
        mask = x == out
        self.save_for_backward(mask)
        self.count = mask.sum(axis=self.dims, keepdims=True)
        return out if self.keepdim else out.squeeze(self.dims)

    def backward(self, g):
        # dX = dY * [x == max] / (number of maxima)
        (mask,) = self.saved_tensors
        return self.expand(g) * mask / self.count.astype(g.dtype)


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


class LogSumExp(_Reduction):
    def forward(self, x):
        self.shape = x.shape
        xp = get_array_module(x)
        m = x.max(axis=self.dims, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        out = xp.log(xp.exp(x - m).sum(axis=self.dims, keepdims=True)) + m
        self.save_for_backward(x, out)
        return out if self.keepdim else out.squeeze(self.dims)

    def backward(self, g):
        # dX = dY * exp(x - logsumexp(x))
        x, out = self.saved_tensors
        return self.expand(g) * get_array_module(x).exp(x - out)
