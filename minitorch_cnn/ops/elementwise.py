"""Elementwise arithmetic and math: forward and backward side by side.

Binary ops broadcast like NumPy; each backward reduces its gradient back to
its input's shape with ``unbroadcast``. Python scalars are constants (no grad).
"""
import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from .broadcast import unbroadcast


def _shape(x):
    return getattr(x, "shape", ())


class Add(Function):
    """out = a + b (broadcast)."""

    def forward(self, a, b):
        self.shapes = (_shape(a), _shape(b))
        return a + b

    def backward(self, g):
        # dA = unbroadcast(dY), dB = unbroadcast(dY)
        return unbroadcast(g, self.shapes[0]), unbroadcast(g, self.shapes[1])


class Sub(Function):
    """out = a - b (broadcast)."""

    def forward(self, a, b):
        self.shapes = (_shape(a), _shape(b))
        return a - b

    def backward(self, g):
        # dA = dY, dB = -dY
        db = -unbroadcast(g, self.shapes[1]) if self.needs_input_grad[1] else None
        return unbroadcast(g, self.shapes[0]), db


class Mul(Function):
    """out = a * b (broadcast)."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b

    def backward(self, g):
        # dA = dY * b, dB = dY * a
        a, b = self.saved_tensors
        da = unbroadcast(g * b, _shape(a)) if self.needs_input_grad[0] else None
        db = unbroadcast(g * a, _shape(b)) if self.needs_input_grad[1] else None
        return da, db


class Div(Function):
    """out = a / b (broadcast)."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a / b

    def backward(self, g):
        # dA = dY / b, dB = -dY * a / b^2
        a, b = self.saved_tensors
        da = unbroadcast(g / b, _shape(a)) if self.needs_input_grad[0] else None
        db = unbroadcast(-g * a / (b * b), _shape(b)) if self.needs_input_grad[1] else None
        return da, db


class Pow(Function):
    """out = a ** b, either side a tensor or a scalar."""

    def forward(self, a, b):
        out = a ** b
        self.save_for_backward(a, b, out)
        return out

    def backward(self, g):
        # dA = dY * b * a^(b-1)   (0 where b == 0, also at a == 0, as PyTorch)
        # dB = dY * out * log(a)  (0 where a == 0 and b >= 0, as PyTorch)
        a, b, out = self.saved_tensors
        xp = get_array_module(g)
        a_arr, b_arr = xp.asarray(a, dtype=g.dtype), xp.asarray(b, dtype=g.dtype)  # a scalar side as 0-d
        zero = xp.zeros((), dtype=g.dtype)
        da = db = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.needs_input_grad[0]:
                da = unbroadcast(xp.where(b_arr == 0, zero, g * b_arr * a_arr ** (b_arr - 1)), _shape(a))
            if self.needs_input_grad[1]:
                db = unbroadcast(xp.where((a_arr == 0) & (b_arr >= 0), zero, g * out * xp.log(a_arr)), _shape(b))
        return da, db


class Neg(Function):
    def forward(self, a):
        return -a

    def backward(self, g):
        # dA = -dY
        return -g


class Abs(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return abs(a)

    def backward(self, g):
        # dA = dY * sign(a)   (0 at a = 0, as PyTorch)
        (a,) = self.saved_tensors
        return g * get_array_module(a).sign(a)


class Exp(Function):
    def forward(self, a):
        out = get_array_module(a).exp(a)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        # dA = dY * exp(a) = dY * out
        (out,) = self.saved_tensors
        return g * out


class Log(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return get_array_module(a).log(a)

    def backward(self, g):
        # dA = dY / a
        (a,) = self.saved_tensors
        return g / a


class Sqrt(Function):
    def forward(self, a):
        out = get_array_module(a).sqrt(a)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        # dA = dY / (2 sqrt(a))
        (out,) = self.saved_tensors
        return g / (2 * out)


class Clamp(Function):
    """out = min(max(a, lo), hi); the gradient passes where lo <= a <= hi."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, a):
        xp = get_array_module(a)
        out = a
        mask = None
        if self.lo is not None:
            out = xp.maximum(out, self.lo)
            mask = a >= self.lo
        if self.hi is not None:
            out = xp.minimum(out, self.hi)
            mask = (a <= self.hi) if mask is None else mask & (a <= self.hi)
        out = out.astype(a.dtype, copy=False)
        self.save_for_backward(mask)
        return out

    def backward(self, g):
        # dA = dY * [lo <= a <= hi]
        (mask,) = self.saved_tensors
        return g if mask is None else g * mask


class Maximum(Function):
    """out = max(a, b); ties split the gradient equally, as PyTorch does."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return get_array_module(a, b).maximum(a, b)

    def backward(self, g):
        # dA = dY * ([a > b] + [a == b]/2), dB likewise
        a, b = self.saved_tensors
        wa = (a > b) + 0.5 * (a == b)
        da = unbroadcast(g * wa.astype(g.dtype), _shape(a)) if self.needs_input_grad[0] else None
        db = unbroadcast(g * (1 - wa).astype(g.dtype), _shape(b)) if self.needs_input_grad[1] else None
        return da, db


class Minimum(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return get_array_module(a, b).minimum(a, b)

    def backward(self, g):
        # dA = dY * ([a < b] + [a == b]/2), dB likewise
        a, b = self.saved_tensors
        wa = (a < b) + 0.5 * (a == b)
        da = unbroadcast(g * wa.astype(g.dtype), _shape(a)) if self.needs_input_grad[0] else None
        db = unbroadcast(g * (1 - wa).astype(g.dtype), _shape(b)) if self.needs_input_grad[1] else None
        return da, db


class Where(Function):
    """out = a where cond else b."""

    def forward(self, cond, a, b):
        xp = get_array_module(cond, a, b)
        self.cond = cond
        self.shapes = (_shape(a), _shape(b))
        out = xp.where(cond, a, b)
        dtype = getattr(a, "dtype", None) or getattr(b, "dtype", None)
        return out.astype(dtype, copy=False) if dtype is not None else out

    def backward(self, g):
        # dA = dY * cond, dB = dY * (1 - cond)
        xp = get_array_module(g)
        zero = xp.zeros((), dtype=g.dtype)
        da = unbroadcast(xp.where(self.cond, g, zero), self.shapes[0]) if self.needs_input_grad[1] else None
        db = unbroadcast(xp.where(self.cond, zero, g), self.shapes[1]) if self.needs_input_grad[2] else None
        return None, da, db
