"""Reductions over one or several dims (``dims`` is a tuple of non-negative axes)."""
import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from . import dual


class _Reduction(Function):
    """A reduction over ``dims`` of an input of shape ``self.shape`` (set by forward);
    backward gets dY back to the input's rank with ``self.expand(g)``."""

    def __init__(self, dims, keepdim=False):
        self.dims, self.keepdim = dims, keepdim

    def expand(self, g):
        """dY with the reduced axes put back as size 1, so it broadcasts against the input."""
        return dual.reshape(g, [1 if i in self.dims else n for i, n in enumerate(self.shape)])


class _NumberedReduction(_Reduction):
    def name(self):
        # PyTorch: SumBackward0 for a reduction over everything, SumBackward1 over given dims
        if self.node_name:  # a composite labelled by its caller (e.g. a vector norm)
            return self.node_name
        full = not self.keepdim and len(self.dims) == len(getattr(self, "shape", self.dims))
        return f"{type(self).__name__}Backward{0 if full else 1}"


class Sum(_NumberedReduction):
    differentiable_backward = True

    def forward(self, x):
        self.shape = x.shape
        return x.sum(axis=self.dims, keepdims=self.keepdim)

    def backward(self, g):
        # dX = broadcast(dY) over the reduced dims
        return dual.broadcast_to(self.expand(g), self.shape)


class Mean(_NumberedReduction):
    differentiable_backward = True

    def forward(self, x):
        self.shape = x.shape
        self.count = 1
        for d in self.dims:
            self.count *= x.shape[d]
        return x.mean(axis=self.dims, keepdims=self.keepdim)

    def backward(self, g):
        # dX = broadcast(dY) / count
        return dual.broadcast_to(self.expand(g) / self.count, self.shape)


class Var(_Reduction):
    """Variance with ``correction`` (1: unbiased, PyTorch's default; 0: biased)."""

    differentiable_backward = True

    def __init__(self, dims, correction=1, keepdim=False):
        super().__init__(dims, keepdim)
        self.correction = correction

    def forward(self, x):
        self.shape = x.shape
        count = 1
        for d in self.dims:
            count *= x.shape[d]
        self.denominator = max(count - self.correction, 0)
        centered = x - x.mean(axis=self.dims, keepdims=True) if count else x
        self.save_for_backward(x)
        out = (centered * centered).sum(axis=self.dims, keepdims=self.keepdim) / self.denominator
        return out * x.dtype.type(np.nan) if count == 0 else out  # (the variance of nothing: NaN, as PyTorch)

    def backward(self, g):
        # dX = dY * 2 (x - mean) / (count - correction)
        (x,) = self.saved_tensors
        centered = x - dual.mean(x, self.dims, keepdims=True)
        g = self.expand(g)
        return g * centered * (2.0 / self.denominator) if self.denominator else g * centered * float("nan")


class Std(Var):
    """sqrt(Var), computed in float64 for narrower floats as PyTorch's kernel does: a variance past the
    float32 range can still give a representable deviation."""
    node_name = "StdBackward0"  # PyTorch's name of this backward node

    def forward(self, x):
        wide = x.astype(np.float64) if x.dtype in (np.float16, np.float32) else x
        out = get_array_module(x).sqrt(Var.forward(self, wide)).astype(x.dtype, copy=False)
        self.save_for_backward(x, out)
        return out

    def backward(self, g):
        # dX = dY * (x - mean) / ((count - correction) * std)
        x, out = self.saved_tensors
        centered = x - dual.mean(x, self.dims, keepdims=True)
        return self.expand(g) * centered / (self.expand(out) * self.denominator)


class Amax(_Reduction):
    """max over dims; the gradient is shared evenly among tied maxima (PyTorch's amax rule)."""

    minimum = False
    differentiable_backward = True  # the mask and the count are constants

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
        return self.expand(g) * mask / self.count.astype(dual.value(g).dtype)


class Amin(Amax):
    minimum = True


class MaxAlongDim(Function):
    """``max(x, dim)`` values; the gradient goes to the returned index only (PyTorch's max rule)."""
    node_name = "MaxBackward0"  # PyTorch's name of this backward node

    minimum = False
    differentiable_backward = True  # the positions are constants

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
        xp = get_array_module(dual.value(g))
        if not self.keepdim:
            g = dual.reshape(g, self.indices.shape)
        positions = xp.arange(self.shape[self.dim]).reshape((-1,) + (1,) * (len(self.shape) - self.dim - 1))
        return (positions == self.indices) * g


class MinAlongDim(MaxAlongDim):
    node_name = "MinBackward0"  # PyTorch's name of this backward node
    minimum = True


class LogSumExp(_Reduction):
    node_name = "LogsumexpBackward0"  # PyTorch's name of this backward node
    differentiable_backward = True

    def forward(self, x):
        self.shape = x.shape
        xp = get_array_module(x)
        if x.size == 0:  # the log of an empty sum: -inf (its max would have no identity)
            shape = tuple(1 if i in self.dims else n for i, n in enumerate(x.shape))
            m = xp.zeros(shape, x.dtype)
        else:
            m = x.max(axis=self.dims, keepdims=True)
            m = xp.where(xp.isfinite(m), m, 0)
        out = xp.log(xp.exp(x - m).sum(axis=self.dims, keepdims=True)) + m
        out = out if self.keepdim else out.squeeze(self.dims)
        self.save_for_backward(x, out)
        return out

    def backward(self, g):
        # dX = dY * exp(x - logsumexp(x))
        x, out = self.saved_tensors
        return self.expand(g) * dual.exp(x - self.expand(out))


class Prod(_Reduction):
    """Product over dims; exact gradients also where the input has zeros."""

    def forward(self, x):
        self.shape = x.shape
        out = x.prod(axis=self.dims, keepdims=True)
        self.save_for_backward(x, out)
        return out if self.keepdim else out.squeeze(self.dims)

    def backward(self, g):
        # dX_i = dY * prod_{j != i} x_j:  out / x_i where no zero; with one zero, only that entry gets
        # the product of the others; with two or more zeros every product of the others is 0
        x, out = self.saved_tensors
        xp = get_array_module(x)
        g = self.expand(g)
        is_zero = x == 0
        zeros = is_zero.sum(axis=self.dims, keepdims=True)
        with_one = xp.where(is_zero, 1, x).prod(axis=self.dims, keepdims=True)  # product of the nonzeros
        with np.errstate(divide="ignore", invalid="ignore"):
            others = xp.where(is_zero, xp.where(zeros == 1, with_one, 0), xp.where(zeros == 0, out / x, 0))
        return g * others


class CumSum(Function):
    """Running sum along ``dim``."""

    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        return get_array_module(x).cumsum(x, axis=self.dim)

    def backward(self, g):
        # dX_i = sum_{j >= i} dY_j: a cumulative sum from the end
        xp = get_array_module(g)
        return xp.flip(xp.cumsum(xp.flip(g, self.dim), axis=self.dim), self.dim)

    jvp = forward  # linear in x: J v is the running sum of v


class CumProd(Function):
    """Running product along ``dim``; exact gradients also where the input has zeros."""

    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        out = get_array_module(x).cumprod(x, axis=self.dim)
        self.save_for_backward(x, out)
        return out

    def backward(self, g):
        # dX_k = sum_{j >= k} dY_j * prod_{i <= j, i != k} x_i
        x, out = self.saved_tensors
        xp = get_array_module(g)
        if not (x == 0).any():  # then prod_{i <= j, i != k} x_i = out_j / x_k
            gy = xp.flip(xp.cumsum(xp.flip(g * out, self.dim), axis=self.dim), self.dim)
            return gy / x
        # with zeros: for each k, the running product of x with x_k replaced by 1 (an n x n table per slice)
        n = x.shape[self.dim]
        xs = xp.moveaxis(x, self.dim, -1)[..., None, :]  # (..., 1, n): row k will drop x_k
        gs = xp.moveaxis(g, self.dim, -1)[..., None, :]
        eye = xp.eye(n, dtype=bool)
        running = xp.cumprod(xp.where(eye, 1, xs), axis=-1)  # (..., k, j)
        later = xp.triu(xp.ones((n, n), dtype=bool))  # j >= k
        dx = (gs * running * later).sum(axis=-1)
        return xp.moveaxis(dx, -1, self.dim)


class VectorNorm(_Reduction):
    """``(sum |x|^p)^(1/p)`` over dims; p = inf / -inf: max / min of |x|; p = 0: the number of nonzeros."""

    differentiable_backward = True

    def __init__(self, ord, dims, keepdim=False):
        super().__init__(dims, keepdim)
        self.ord = ord

    def forward(self, x):
        xp = get_array_module(x)
        self.shape = x.shape
        p = self.ord
        a = abs(x)
        count = 1
        for d in self.dims:
            count *= x.shape[d]
        # one element per norm: |x| itself, as PyTorch (no power to overflow), except a 0-d input reduced
        # over an explicit dim (``full``), which PyTorch's kernel powers and roots
        if count == 1 and p != 0 and not getattr(self, "full", False):
            out = a
        elif p == float("inf"):
            out = a.max(axis=self.dims, keepdims=True)
        elif p == float("-inf"):
            out = a.min(axis=self.dims, keepdims=True)
        elif p == 0:
            out = (a != 0).sum(axis=self.dims, keepdims=True).astype(x.dtype)
        elif p == 1:
            out = a.sum(axis=self.dims, keepdims=True)
        elif p == 2:
            out = xp.sqrt((a * a).sum(axis=self.dims, keepdims=True))
        else:
            out = (a ** p).sum(axis=self.dims, keepdims=True) ** (1.0 / p)
        out = out if self.keepdim else out.squeeze(self.dims)
        self.save_for_backward(x, out)
        return out

    def backward(self, g):
        # p = 1: dX = dY sign(x);  p = +-inf: dY sign(x) [|x| = norm] / (number of ties)
        # other p: dX = dY x |x|^(p-2) / norm^(p-1), and 0 where norm = 0 (a subgradient, as PyTorch)
        x, out = self.saved_tensors
        g, out = self.expand(g), self.expand(out)
        x_val, out_val = dual.value(x), dual.value(out)
        xp = get_array_module(x_val)
        p = self.ord
        if p == 0:
            return xp.zeros(self.shape, dtype=x_val.dtype)
        if p == 1:
            return g * xp.sign(x_val)
        if p in (float("inf"), float("-inf")):
            ties = abs(x_val) == out_val
            return g * (xp.sign(x_val) * ties / ties.sum(axis=self.dims, keepdims=True))
        safe = dual.where(out_val == 0, 1.0, out)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = x / safe if p == 2 else x * abs(x) ** (p - 2) / safe ** (p - 1)
        return g * dual.where(out_val == 0, 0.0, scale)


# (the Functions that ops.dual records with on Tensors)
dual.register(Sum, Mean)
