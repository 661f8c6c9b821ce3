"""Pointwise math beyond arithmetic: trigonometric, hyperbolic, error functions, logs, rounding.

Each op is one Function whose backward states its derivative. Rounding-like ops
(floor, sign, ...) are piecewise constant: their gradient is zero almost
everywhere, and PyTorch still records them in the graph, so they are Functions
too (``ZeroGrad``).

Every backward is written with operators and ``dual`` helpers only, so under
``create_graph=True`` (Tensors in, a recorded graph out) it can be differentiated again.
"""
import math

import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from . import dual
from .broadcast import unbroadcast
from .special import erf, erfc, erfinv

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _shape(x):
    return getattr(x, "shape", ())


class _Unary(Function):
    """A pointwise op ``out = f(a)`` on one array; subclasses set ``ufunc`` (or ``f(xp, a)``) and
    ``derivative(v, g)``, where v is the saved input a (or the output, when ``saves = "output"``)."""

    saves = "input"  # what backward reads: "input" (a) or "output" (out)
    ufunc = None  # the name of xp's function when f is one (``xp.sin``); other ops define f themselves
    differentiable_backward = True  # every derivative below is operators and _apply only

    @classmethod
    def f(cls, xp, a):
        return getattr(xp, cls.ufunc)(a)

    def forward(self, a):
        xp = get_array_module(a)
        with np.errstate(all="ignore"):  # domain edges give inf/nan, as in PyTorch
            out = self.f(xp, a)
        self.save_for_backward(a if self.saves == "input" else out)
        return out

    def backward(self, g):
        (v,) = self.saved_tensors
        with np.errstate(all="ignore"):
            return self.derivative(v, g)


def _apply(op_cls, x):
    """``op_cls``'s function of x: recorded when x is a Tensor (create_graph), plain array math otherwise."""
    return op_cls()(x) if dual.is_graph(x) else op_cls.f(get_array_module(x), x)


class Sin(_Unary):
    ufunc = "sin"

    @staticmethod
    def derivative(a, g):
        # dA = dY * cos(a)
        return g * _apply(Cos, a)


class Cos(_Unary):
    ufunc = "cos"

    @staticmethod
    def derivative(a, g):
        # dA = -dY * sin(a)
        return -g * _apply(Sin, a)


class Tan(_Unary):
    saves = "output"
    ufunc = "tan"

    @staticmethod
    def derivative(out, g):
        # dA = dY * (1 + tan(a)^2) = dY * (1 + out^2)
        return g * (1 + out * out)


class Asin(_Unary):
    ufunc = "arcsin"

    @staticmethod
    def derivative(a, g):
        # dA = dY / sqrt(1 - a^2)
        return g * (1 - a * a) ** -0.5


class Acos(_Unary):
    ufunc = "arccos"

    @staticmethod
    def derivative(a, g):
        # dA = -dY / sqrt(1 - a^2)
        return -g * (1 - a * a) ** -0.5


class Atan(_Unary):
    ufunc = "arctan"

    @staticmethod
    def derivative(a, g):
        # dA = dY / (1 + a^2)
        return g / (1 + a * a)


class Sinh(_Unary):
    ufunc = "sinh"

    @staticmethod
    def derivative(a, g):
        # dA = dY * cosh(a)
        return g * _apply(Cosh, a)


class Cosh(_Unary):
    ufunc = "cosh"

    @staticmethod
    def derivative(a, g):
        # dA = dY * sinh(a)
        return g * _apply(Sinh, a)


class Asinh(_Unary):
    ufunc = "arcsinh"

    @staticmethod
    def derivative(a, g):
        # dA = dY / sqrt(a^2 + 1)
        return g * (a * a + 1) ** -0.5


class Acosh(_Unary):
    ufunc = "arccosh"

    @staticmethod
    def derivative(a, g):
        # dA = dY / sqrt((a - 1)(a + 1))
        return g * ((a - 1) * (a + 1)) ** -0.5


class Atanh(_Unary):
    ufunc = "arctanh"

    @staticmethod
    def derivative(a, g):
        # dA = dY / (1 - a^2)
        return g / (1 - a * a)


class Erf(_Unary):
    @staticmethod
    def f(xp, a):
        return erf(a)

    @staticmethod
    def derivative(a, g):
        # dA = dY * 2/sqrt(pi) * exp(-a^2)
        return g * (_TWO_OVER_SQRT_PI * dual.exp(-(a * a)))


class Erfc(_Unary):
    @staticmethod
    def f(xp, a):
        return erfc(a)

    @staticmethod
    def derivative(a, g):
        # dA = -dY * 2/sqrt(pi) * exp(-a^2)
        return g * (-_TWO_OVER_SQRT_PI * dual.exp(-(a * a)))


class Erfinv(_Unary):
    saves = "output"

    @staticmethod
    def f(xp, a):
        return erfinv(a)

    @staticmethod
    def derivative(out, g):
        # dA = dY / erf'(out) = dY * sqrt(pi)/2 * exp(out^2)
        return g * (dual.exp(out * out) / _TWO_OVER_SQRT_PI)


class Expm1(_Unary):
    saves = "output"
    ufunc = "expm1"

    @staticmethod
    def derivative(out, g):
        # dA = dY * exp(a) = dY * (out + 1)
        return g * (out + 1)


class Log1p(_Unary):
    ufunc = "log1p"

    @staticmethod
    def derivative(a, g):
        # dA = dY / (1 + a)
        return g / (1 + a)


class Log2(_Unary):
    ufunc = "log2"

    @staticmethod
    def derivative(a, g):
        # dA = dY / (a ln 2)
        return g / (a * math.log(2.0))


class Log10(_Unary):
    ufunc = "log10"

    @staticmethod
    def derivative(a, g):
        # dA = dY / (a ln 10)
        return g / (a * math.log(10.0))


class Exp2(_Unary):
    saves = "output"
    ufunc = "exp2"

    @staticmethod
    def derivative(out, g):
        # dA = dY * 2^a ln 2 = dY * out * ln 2
        return g * out * math.log(2.0)


class Reciprocal(_Unary):
    saves = "output"

    @staticmethod
    def f(xp, a):
        return 1 / a

    @staticmethod
    def derivative(out, g):
        # dA = -dY / a^2 = -dY * out^2
        return -g * out * out


class Rsqrt(_Unary):
    saves = "output"

    @staticmethod
    def f(xp, a):
        return 1 / xp.sqrt(a)

    @staticmethod
    def derivative(out, g):
        # dA = -dY / (2 a^(3/2)) = -dY * out^3 / 2
        return -0.5 * g * out * out * out


class Frac(_Unary):
    @staticmethod
    def f(xp, a):
        return a - xp.trunc(a)

    @staticmethod
    def derivative(a, g):
        # dA = dY  (trunc(a) is piecewise constant)
        return g


class NanToNum(Function):
    """out = a with NaN -> nan, +inf -> posinf, -inf -> neginf (dtype's extremes by default)."""

    def __init__(self, nan=0.0, posinf=None, neginf=None):
        self.nan, self.posinf, self.neginf = nan, posinf, neginf

    def forward(self, a):
        xp = get_array_module(a)
        self.save_for_backward(a)
        return xp.nan_to_num(a, nan=self.nan, posinf=self.posinf, neginf=self.neginf)

    differentiable_backward = True  # the mask is a constant

    def backward(self, g):
        # dA = dY * [a is finite]
        (a,) = self.saved_tensors
        a = dual.value(a)
        return g * get_array_module(a).isfinite(a)


class ZeroGrad(Function):
    """A piecewise-constant op (floor, ceil, round, trunc, sign): out = f(a), dA = 0."""

    def __init__(self, f, name="ZeroGrad"):
        self.f = f
        self.node_name = f"{name}Backward0"  # PyTorch's FloorBackward0, RoundBackward0 ...

    def forward(self, a):
        self.shape = a.shape  # (the dtype is g's)
        return self.f(get_array_module(a), a)

    differentiable_backward = True  # a constant

    def backward(self, g):
        # dA = 0 almost everywhere (the jumps are a measure-zero set)
        g = dual.value(g)
        return get_array_module(g).zeros(self.shape, dtype=g.dtype)


# ------------------------------------------------------------------ binary
class Atan2(Function):
    """out = atan2(a, b), the angle of the point (b, a)."""

    differentiable_backward = True  # operators only

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return get_array_module(a, b).arctan2(a, b)

    def backward(self, g):
        # dA = dY * b / (a^2 + b^2), dB = -dY * a / (a^2 + b^2)
        a, b = self.saved_tensors
        r2 = a * a + b * b
        da = unbroadcast(g * b / r2, _shape(a)) if self.needs_input_grad[0] else None
        db = unbroadcast(-g * a / r2, _shape(b)) if self.needs_input_grad[1] else None
        return da, db


class Hypot(Function):
    """out = sqrt(a^2 + b^2)."""

    differentiable_backward = True  # operators only

    def forward(self, a, b):
        out = get_array_module(a, b).hypot(a, b)
        self.save_for_backward(a, b, out)
        return out

    def backward(self, g):
        # dA = dY * a / out, dB = dY * b / out
        a, b, out = self.saved_tensors
        da = unbroadcast(g * a / out, _shape(a)) if self.needs_input_grad[0] else None
        db = unbroadcast(g * b / out, _shape(b)) if self.needs_input_grad[1] else None
        return da, db


class Remainder(Function):
    """out = a - floor(a / b) * b (Python's %: the sign of the divisor); ``trunc=True`` gives fmod
    (C's fmod: a - trunc(a / b) * b, the sign of the dividend)."""

    trunc = False
    differentiable_backward = True  # the quotient is piecewise constant

    def forward(self, a, b):
        xp = get_array_module(a, b)
        self.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return xp.fmod(a, b) if self.trunc else xp.remainder(a, b)

    def backward(self, g):
        # dA = dY, dB = -dY * floor(a / b)   (trunc(a / b) for fmod)
        a, b = (dual.value(t) for t in self.saved_tensors)
        xp = get_array_module(a, b)
        da = unbroadcast(g, _shape(a)) if self.needs_input_grad[0] else None
        db = None
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                q = xp.trunc(a / b) if self.trunc else xp.floor(a / b)  # piecewise constant
            db = unbroadcast(-g * q, _shape(b))
        return da, db


class Fmod(Remainder):
    trunc = True


class Fmax(Function):
    """out = max(a, b), ignoring a NaN on either side; a tie sends the whole gradient to a (PyTorch's rule)."""

    minimum = False
    differentiable_backward = True  # the mask is a constant

    def forward(self, a, b):
        xp = get_array_module(a, b)
        self.save_for_backward(a, b)
        return xp.fmin(a, b) if self.minimum else xp.fmax(a, b)

    def backward(self, g):
        # dA = dY * [a wins], dB = dY * [b wins];  a wins where a >= b (a <= b for fmin) or b is NaN
        a, b = (dual.value(t) for t in self.saved_tensors)
        xp = get_array_module(a, b)
        a_wins = ((a <= b) if self.minimum else (a >= b)) | xp.isnan(b)  # a constant mask
        da = unbroadcast(g * a_wins, _shape(a)) if self.needs_input_grad[0] else None
        db = unbroadcast(g * ~a_wins, _shape(b)) if self.needs_input_grad[1] else None
        return da, db


class Fmin(Fmax):
    minimum = True


class Lerp(Function):
    """out = start + weight * (end - start); weight a tensor or a Python number."""

    differentiable_backward = True  # operators only

    def forward(self, start, end, weight):
        self.save_for_backward(start, end, weight)
        return start + weight * (end - start)

    def backward(self, g):
        # dStart = dY * (1 - w), dEnd = dY * w, dW = dY * (end - start)
        start, end, weight = self.saved_tensors
        need = self.needs_input_grad
        ds = unbroadcast(g * (1 - weight), _shape(start)) if need[0] else None
        de = unbroadcast(g * weight, _shape(end)) if need[1] else None
        dw = unbroadcast(g * (end - start), _shape(weight)) if len(need) > 2 and need[2] else None
        return ds, de, dw


# (the Functions that ops.dual records with on Tensors)
dual.register(Log1p)
