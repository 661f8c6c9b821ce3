"""Elementwise arithmetic and math: forward and backward side by side.

Binary ops broadcast like NumPy; each backward reduces its gradient back to
its input's shape with ``unbroadcast``. Python scalars are constants (no grad).
"""
import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from . import dual
from .broadcast import unbroadcast


def _shape(x):
    return getattr(x, "shape", ())


class Add(Function):
    """out = a + b (broadcast)."""
    differentiable_backward = True  # backward: operators only, so it works on Tensors too

    def forward(self, a, b):
        self.shapes = (_shape(a), _shape(b))
        return a + b

    def backward(self, g):
        # dA = unbroadcast(dY), dB = unbroadcast(dY)
        return unbroadcast(g, self.shapes[0]), unbroadcast(g, self.shapes[1])


class Sub(Function):
    """out = a - b (broadcast)."""
    differentiable_backward = True  # backward: operators only, so it works on Tensors too

    def forward(self, a, b):
        self.shapes = (_shape(a), _shape(b))
        return a - b

    def backward(self, g):
        # dA = dY, dB = -dY
        db = -unbroadcast(g, self.shapes[1]) if self.needs_input_grad[1] else None
        return unbroadcast(g, self.shapes[0]), db


class Mul(Function):
    """out = a * b (broadcast)."""
    differentiable_backward = True  # backward: operators only, so it works on Tensors too

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
    differentiable_backward = True  # backward: operators only, so it works on Tensors too

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
    differentiable_backward = True

    def forward(self, a, b):
        out = a ** b
        self.tensor_sides = (hasattr(a, "shape"), hasattr(b, "shape"))
        self.save_for_backward(a, b, out)
        return out

    def name(self):
        # PyTorch: PowBackward0 for tensor ** number, 1 for tensor ** tensor, 2 for number ** tensor
        if self.node_name:
            return self.node_name
        return "PowBackward" + ("1" if self.tensor_sides == (True, True) else "2" if self.tensor_sides[1] else "0")

    @property
    def next_functions(self):
        # PyTorch's pow takes a number side as an argument, not an input: it has no entry
        return tuple(e for e, tensor in zip(super().next_functions, self.tensor_sides) if tensor)

    def backward(self, g):
        # dA = dY * b * a^(b-1)   (0 where b == 0, also at a == 0, as PyTorch)
        # dB = dY * out * log(a)  (0 where a == 0 and b >= 0, as PyTorch)
        a, b, out = self.saved_tensors
        a_val, b_val = dual.value(a), dual.value(b)
        xp = get_array_module(dual.value(g))
        da = db = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.needs_input_grad[0]:
                da = unbroadcast(dual.where(xp.equal(b_val, 0), 0.0, g * b * a ** (b - 1)), _shape(a))
            if self.needs_input_grad[1]:
                zero_base = xp.logical_and(xp.equal(a_val, 0), xp.greater_equal(b_val, 0))
                db = unbroadcast(dual.where(zero_base, 0.0, g * out * dual.log(a)), _shape(b))
        return da, db


class Neg(Function):
    differentiable_backward = True  # backward: operators only, so it works on Tensors too

    def forward(self, a):
        return -a

    def backward(self, g):
        # dA = -dY
        return -g


class Abs(Function):
    differentiable_backward = True

    def forward(self, a):
        self.save_for_backward(a)
        return abs(a)

    def backward(self, g):
        # dA = dY * sign(a)   (0 at a = 0, as PyTorch)
        (a,) = self.saved_tensors
        a = dual.value(a)
        return g * get_array_module(a).sign(a)


class Exp(Function):
    differentiable_backward = True  # backward: operators only, so it works on Tensors too

    def forward(self, a):
        out = get_array_module(a).exp(a)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        # dA = dY * exp(a) = dY * out
        (out,) = self.saved_tensors
        return g * out


class Log(Function):
    differentiable_backward = True  # backward: operators only, so it works on Tensors too

    def forward(self, a):
        self.save_for_backward(a)
        return get_array_module(a).log(a)

    def backward(self, g):
        # dA = dY / a
        (a,) = self.saved_tensors
        return g / a


class Sqrt(Function):
    differentiable_backward = True  # backward: operators only, so it works on Tensors too

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
    differentiable_backward = True  # backward: operators only, so it works on Tensors too
    node_name = "ClampBackward1"  # PyTorch's name of this backward node

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
    differentiable_backward = True

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return get_array_module(a, b).maximum(a, b)

    def backward(self, g):
        # dA = dY * ([a > b] + [a == b]/2), dB likewise
        a, b = dual.value(self.saved_tensors[0]), dual.value(self.saved_tensors[1])
        dtype = dual.value(g).dtype
        wa = ((a > b) + 0.5 * (a == b)).astype(dtype)  # a constant: the comparison's derivative is 0
        da = unbroadcast(g * wa, _shape(a)) if self.needs_input_grad[0] else None
        db = unbroadcast(g * (1 - wa), _shape(b)) if self.needs_input_grad[1] else None
        return da, db


class Minimum(Function):
    differentiable_backward = True

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return get_array_module(a, b).minimum(a, b)

    def backward(self, g):
        # dA = dY * ([a < b] + [a == b]/2), dB likewise
        a, b = dual.value(self.saved_tensors[0]), dual.value(self.saved_tensors[1])
        dtype = dual.value(g).dtype
        wa = ((a < b) + 0.5 * (a == b)).astype(dtype)  # a constant: the comparison's derivative is 0
        da = unbroadcast(g * wa, _shape(a)) if self.needs_input_grad[0] else None
        db = unbroadcast(g * (1 - wa), _shape(b)) if self.needs_input_grad[1] else None
        return da, db


class Where(Function):
    """out = a where cond else b."""
    differentiable_backward = True

    def forward(self, cond, a, b):
        xp = get_array_module(cond, a, b)
        self.save_for_backward(cond)
        self.shapes = (_shape(a), _shape(b))
        out = xp.where(cond, a, b)
        dtype = getattr(a, "dtype", None) or getattr(b, "dtype", None)
        return out.astype(dtype, copy=False) if dtype is not None else out

    def backward(self, g):
        # dA = dY * cond, dB = dY * (1 - cond)
        (cond,) = self.saved_tensors
        da = unbroadcast(dual.where(cond, g, 0.0), self.shapes[0]) if self.needs_input_grad[1] else None
        db = unbroadcast(dual.where(cond, 0.0, g), self.shapes[1]) if self.needs_input_grad[2] else None
        return None, da, db


class Fill(Function):
    """out = value everywhere (``fill_`` / ``zero_`` on a tensor in the graph)."""

    differentiable_backward = True

    def __init__(self, value):
        self.value = value
        self.node_name = "ZeroBackward0" if value == 0 else "FillBackward0"

    def forward(self, x):
        return get_array_module(x).full_like(x, self.value)

    def backward(self, g):
        # dX = 0: the old values are overwritten
        return g * 0


# (the Functions that ops.dual records with on Tensors)
dual.register(Exp, Log, Where)
