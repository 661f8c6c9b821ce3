"""The public pointwise math functions beyond arithmetic (``mt.sin``, ``mt.erf``, ``mt.remainder`` ...).

Each one turns its arguments into tensors of a common dtype (integers become the
default float for the transcendental functions, as in PyTorch) and calls one
Function from ``ops/pointwise.py``. ``tensor_methods.py`` attaches them as
methods, and their in-place ``x.sin_()`` forms.
"""
import math

from . import backend
from . import functions as F
from .arguments import writes_out
from .ops import pointwise
from .tensor import Tensor


def _tensor(x, op):
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")


def _float_unary(name, op_cls, doc):
    """A differentiable ``mt.<name>(input)`` that computes in floating point."""

    def fn(input):
        return op_cls()(F._float(_tensor(input, name)))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return writes_out(fn)


sin = _float_unary("sin", pointwise.Sin, "sin(x), elementwise.")
cos = _float_unary("cos", pointwise.Cos, "cos(x), elementwise.")
tan = _float_unary("tan", pointwise.Tan, "tan(x), elementwise.")
asin = arcsin = _float_unary("asin", pointwise.Asin, "arcsin(x) on [-1, 1] (NaN outside).")
acos = arccos = _float_unary("acos", pointwise.Acos, "arccos(x) on [-1, 1] (NaN outside).")
atan = arctan = _float_unary("atan", pointwise.Atan, "arctan(x), elementwise.")
sinh = _float_unary("sinh", pointwise.Sinh, "sinh(x), elementwise.")
cosh = _float_unary("cosh", pointwise.Cosh, "cosh(x), elementwise.")
asinh = arcsinh = _float_unary("asinh", pointwise.Asinh, "arsinh(x), elementwise.")
acosh = arccosh = _float_unary("acosh", pointwise.Acosh, "arcosh(x) on [1, inf) (NaN below).")
atanh = arctanh = _float_unary("atanh", pointwise.Atanh, "artanh(x) on (-1, 1) (+-inf at +-1).")
erf = _float_unary("erf", pointwise.Erf, "The error function 2/sqrt(pi) * int_0^x exp(-t^2) dt.")
erfc = _float_unary("erfc", pointwise.Erfc, "1 - erf(x), accurate also where erf(x) is close to 1.")
erfinv = _float_unary("erfinv", pointwise.Erfinv, "The inverse of erf on (-1, 1).")
expm1 = _float_unary("expm1", pointwise.Expm1, "exp(x) - 1, accurate for small x.")
log1p = _float_unary("log1p", pointwise.Log1p, "log(1 + x), accurate for small x.")
log2 = _float_unary("log2", pointwise.Log2, "The base-2 logarithm.")
log10 = _float_unary("log10", pointwise.Log10, "The base-10 logarithm.")
exp2 = _float_unary("exp2", pointwise.Exp2, "2 ** x, elementwise.")
reciprocal = _float_unary("reciprocal", pointwise.Reciprocal, "1 / x, elementwise.")
rsqrt = _float_unary("rsqrt", pointwise.Rsqrt, "1 / sqrt(x), elementwise.")


@writes_out
def frac(input):
    """x - trunc(x): the fractional part, with x's sign."""
    return pointwise.Frac()(_tensor(input, "frac"))


@writes_out
def square(input):
    """x * x (keeps an integer dtype, as ``x ** 2`` does)."""
    return F.pow(_tensor(input, "square"), 2)


# ------------------------------------------------------------------ piecewise constant
def _rounding(name, f, doc):
    def fn(input):
        x = _tensor(input, name)
        if x._data.dtype.kind in "biu" and name not in ("sign", "sgn"):
            return F.clone(x)  # integers are already whole numbers
        return pointwise.ZeroGrad(f, name.capitalize())(x)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc + " Its gradient is 0 (it is piecewise constant), as in PyTorch."
    return writes_out(fn)


floor = _rounding("floor", lambda xp, a: xp.floor(a), "The largest integer <= x.")
ceil = _rounding("ceil", lambda xp, a: xp.ceil(a), "The smallest integer >= x.")
trunc = fix = _rounding("trunc", lambda xp, a: xp.trunc(a), "x rounded toward zero.")
sign = _rounding("sign", lambda xp, a: xp.sign(a), "-1, 0 or 1 by the sign of x.")
sgn = _rounding("sgn", lambda xp, a: xp.sign(a), "sign(x) (x / |x| for complex numbers, which are not here).")


@writes_out
def round(input, *, decimals=0):
    """x rounded half to even (as PyTorch and NumPy); ``decimals`` digits after the point. Gradient 0."""
    x = _tensor(input, "round")
    if x._data.dtype.kind in "biu" and decimals >= 0:
        return F.clone(x)
    return pointwise.ZeroGrad(lambda xp, a: xp.round(a, decimals).astype(a.dtype, copy=False), "Round")(x)


# ------------------------------------------------------------------ binary
def _float_pair(op, a, b):
    """Both operands as one floating dtype (Python numbers stay scalars)."""
    a, b = F.as_operand(a, b), F.as_operand(b, a)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}(): expected at least one Tensor argument")
    a = F._float(a) if isinstance(a, Tensor) else a
    b = F._float(b) if isinstance(b, Tensor) else b
    return F._promote(op, a, b)


def _binary(op_cls, op, a, b):
    try:
        return op_cls()(a, b)
    except ValueError:
        F._raise_broadcast_error(op, getattr(a, "shape", ()), getattr(b, "shape", ()))
        raise


@writes_out
def atan2(input, other):
    """atan2(input, other): the angle of the point (other, input), in (-pi, pi]."""
    return _binary(pointwise.Atan2, "atan2", *_float_pair("atan2", input, other))


arctan2 = atan2


@writes_out
def hypot(input, other):
    """sqrt(input^2 + other^2), without overflow."""
    return _binary(pointwise.Hypot, "hypot", *_float_pair("hypot", input, other))


@writes_out
def remainder(input, other):
    """input - floor(input / other) * other: Python's ``%`` (the result takes other's sign)."""
    return F._binary(pointwise.Remainder, "remainder", input, other)


@writes_out
def fmod(input, other):
    """input - trunc(input / other) * other: C's fmod (the result takes input's sign)."""
    return F._binary(pointwise.Fmod, "fmod", input, other)


@writes_out
def fmax(input, other):
    """max(input, other), where a NaN on one side gives the other side."""
    return F._binary(pointwise.Fmax, "fmax", input, other)


@writes_out
def fmin(input, other):
    """min(input, other), where a NaN on one side gives the other side."""
    return F._binary(pointwise.Fmin, "fmin", input, other)


def _check_lerp_dtypes(start, end, weight):
    """lerp does not promote: end and a weight tensor must have start's dtype (PyTorch's message)."""
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t._data.dtype != start._data.dtype and t._data.dtype.kind == "f":
            raise RuntimeError(f"expected dtype {start.dtype.scalar_name.lower()} for `{name}` but got dtype "
                               f"{t.dtype.scalar_name.lower()}")


@writes_out
def lerp(input, end, weight):
    """input + weight * (end - input); weight a number or a tensor (broadcast)."""
    start = _tensor(input, "lerp")
    end = F.as_operand(end, start)
    if not isinstance(end, Tensor):
        raise TypeError(f"lerp(): argument 'end' (position 2) must be Tensor, not {type(end).__name__}")
    weight = F.as_operand(weight, start)
    _check_lerp_dtypes(start, end, weight)
    F._check_same_device_and_dtype("lerp", [t for t in (start, end, weight) if isinstance(t, Tensor)])
    try:
        return pointwise.Lerp()(start, end, weight)
    except ValueError:
        F._raise_broadcast_error("lerp", start.shape, end.shape)
        raise


def clamp_min(input, min):
    """max(input, min)."""
    return F.clamp(input, min=min)


def clamp_max(input, max):
    """min(input, max)."""
    return F.clamp(input, max=max)


@writes_out
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN -> ``nan``, +inf -> ``posinf``, -inf -> ``neginf`` (default: the dtype's largest/smallest)."""
    x = _tensor(input, "nan_to_num")
    if x._data.dtype.kind != "f":
        return F.clone(x)
    return pointwise.NanToNum(nan, posinf, neginf)(x)


# ------------------------------------------------------------------ tests and logic (no gradient)
def _predicate(name, f, doc):
    def fn(input):
        x = _tensor(input, name)
        return Tensor._from_op(f(backend.get_array_module(x._data), x._data), None)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


isinf = _predicate("isinf", lambda xp, d: xp.isinf(d), "True where x is +inf or -inf.")
isposinf = _predicate("isposinf", lambda xp, d: xp.isposinf(d) if d.dtype.kind == "f" else xp.zeros(d.shape, bool),
                      "True where x is +inf.")
isneginf = _predicate("isneginf", lambda xp, d: xp.isneginf(d) if d.dtype.kind == "f" else xp.zeros(d.shape, bool),
                      "True where x is -inf.")
isreal = _predicate("isreal", lambda xp, d: xp.ones(d.shape, bool), "True everywhere (no complex dtypes here).")


def _array_ufunc(ufunc):
    """``xp.<ufunc>(x, y)`` on raw arrays, for ``F._no_grad_binary``."""
    return lambda x, y: getattr(backend.get_array_module(x), ufunc)(x, y)


def _logical(name, ufunc):
    @writes_out
    def fn(input, other):
        return F._no_grad_binary(_array_ufunc(ufunc), input, other)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {ufunc.replace('_', ' ')} (a bool tensor for logical_*)."
    return fn


logical_xor = _logical("logical_xor", "logical_xor")


def _bitwise(name, ufunc):
    @writes_out
    def fn(input, other):
        for v in (input, other):
            if isinstance(v, Tensor) and v._data.dtype.kind == "f" or isinstance(v, float):
                raise RuntimeError(f'"{name}_cpu" not implemented for \'Float\'')
        return F._no_grad_binary(_array_ufunc(ufunc), input, other)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {ufunc.replace('_', ' ')} of integer or bool tensors."
    return fn


bitwise_and = _bitwise("bitwise_and", "bitwise_and")
bitwise_or = _bitwise("bitwise_or", "bitwise_or")
bitwise_xor = _bitwise("bitwise_xor", "bitwise_xor")
bitwise_left_shift = _bitwise("bitwise_left_shift", "left_shift")
bitwise_right_shift = _bitwise("bitwise_right_shift", "right_shift")


def bitwise_not(input):
    """~x for integer tensors, logical not for bool tensors."""
    x = _tensor(input, "bitwise_not")
    if x._data.dtype.kind == "f":
        raise RuntimeError("\"bitwise_not_cpu\" not implemented for 'Float'")
    return Tensor._from_op(backend.get_array_module(x._data).invert(x._data), None)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other|, elementwise (a bool tensor); infinities equal themselves."""
    a = _tensor(input, "isclose")
    b = F.as_operand(other, a)
    b_data = b._data if isinstance(b, Tensor) else b
    if isinstance(b, Tensor) and a._data.dtype != b._data.dtype:
        raise RuntimeError(f"{a.dtype.scalar_name} did not match {b.dtype.scalar_name}")
    xp = backend.get_array_module(a._data)
    return Tensor._from_op(xp.asarray(xp.isclose(a._data, b_data, rtol=rtol, atol=atol, equal_nan=equal_nan)), None)


def logaddexp(input, other):
    """log(exp(input) + exp(other)) without overflow: max + log1p(exp(-|input - other|))."""
    a, b = _float_pair("logaddexp", input, other)
    if not isinstance(b, Tensor):
        a, b = b, a  # (logaddexp is symmetric) now b is a tensor
    larger = F.maximum(a, b) if isinstance(a, Tensor) else F.clamp(b, min=a)
    return F.add(larger, log1p(F.exp(F.neg(F.abs(F.sub(a, b))))))


def deg2rad(input):
    """x * pi / 180."""
    return F.mul(F._float(_tensor(input, "deg2rad")), math.pi / 180)


def rad2deg(input):
    """x * 180 / pi."""
    return F.mul(F._float(_tensor(input, "rad2deg")), 180 / math.pi)


# NumPy names PyTorch also accepts
absolute = F.abs
negative = F.neg
multiply = F.mul
subtract = F.sub
divide = F.div
greater = F.gt
greater_equal = F.ge
less = F.lt
less_equal = F.le
not_equal = F.ne


@writes_out
def floor_divide(input, other):
    """floor(input / other), elementwise (no gradient, as in PyTorch)."""
    return F.div(input, other, rounding_mode="floor")
