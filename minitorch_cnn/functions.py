"""The public tensor functions (``mt.add``, ``mt.matmul``, ``mt.sum`` ...).

Each checks and normalises its arguments, then calls one ``Function`` from
``ops/``. Tensor methods (``tensor_methods.py``) call these. The shape
functions (``mt.reshape``, ``mt.cat`` ...) live in ``shape_functions.py`` and
are re-exported here.
"""
import builtins
from collections import namedtuple

import numpy as np

from . import backend
from .arguments import numpy_dim_names, writes_out
from .dtypes import as_dtype, get_default_dtype
from .ops import activation, convert, elementwise, linalg, reduce
from .ops.broadcast import normalize_dim, normalize_dims
from .tensor import Tensor, _check_same_device_and_dtype

_Scalar = (int, float, bool)
ValuesIndices = {name: namedtuple(name, ["values", "indices"]) for name in ("max", "min")}


# ------------------------------------------------------------------ operands
def scalar_or_array(value, like):
    """A Python/NumPy scalar stays a Python scalar (weak type, no promotion); arrays become raw data."""
    if isinstance(value, np.generic):  # (np.float64 subclasses float: test it first)
        return value.item()  # a NumPy scalar is a Python scalar here: no silent float64 promotion
    if isinstance(value, _Scalar):
        return value
    if isinstance(value, Tensor):
        return value._data
    if backend.is_array(value) or isinstance(value, (list, tuple)):
        return as_operand(value, like)._data
    raise TypeError(f"unsupported operand type {type(value).__name__} for a Tensor op")


def as_operand(value, like):
    """Turn the other side of a binary op into a Tensor or a Python scalar."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, np.generic):  # (np.float64 subclasses float: test it first)
        return value.item()
    if isinstance(value, _Scalar):
        return value
    if backend.is_array(value) or isinstance(value, (list, tuple)):
        from .creation import tensor

        return tensor(value, device=like.device)
    raise TypeError(f"unsupported operand type {type(value).__name__} for a Tensor op")


def _promote(op, a, b):
    """PyTorch-style promotion for a binary op: ints/bools meet floats as floats; float32 vs float64 errors."""
    a_is_t, b_is_t = isinstance(a, Tensor), isinstance(b, Tensor)
    if a_is_t and b_is_t:
        fa, fb = a._data.dtype.kind == "f", b._data.dtype.kind == "f"
        if fa and not fb:
            b = cast(b, a.dtype)
        elif fb and not fa:
            a = cast(a, b.dtype)
        else:
            _check_same_device_and_dtype(op, [a, b])
    elif a_is_t and isinstance(b, float) and a._data.dtype.kind != "f":
        a = cast(a, get_default_dtype())
    elif b_is_t and isinstance(a, float) and b._data.dtype.kind != "f":
        b = cast(b, get_default_dtype())
    return a, b


def _same_dtype_tensors(a, b):
    """The common case, with nothing to convert: two tensors of one dtype (Function checks devices)."""
    return isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype == b._data.dtype


def _binary(op_cls, op, a, b):
    if not _same_dtype_tensors(a, b):
        a, b = as_operand(a, b), as_operand(b, a)
        a, b = _promote(op, a, b)
    try:
        return op_cls()(a, b)
    except ValueError:
        _raise_broadcast_error(op, getattr(a, "shape", ()), getattr(b, "shape", ()))
        raise


def _raise_broadcast_error(op, sa, sb):
    """PyTorch's message for shapes that do not broadcast."""
    for i in range(1, builtins.max(len(sa), len(sb)) + 1):
        x = sa[-i] if i <= len(sa) else 1
        y = sb[-i] if i <= len(sb) else 1
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"{op}: The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton "
                f"dimension {builtins.max(len(sa), len(sb)) - i} (shapes {list(sa)} and {list(sb)})"
            ) from None


# ------------------------------------------------------------------ dtype / device moves
def cast(x, dtype):
    dtype = as_dtype(dtype)
    if x.dtype == dtype:
        return x
    if x.requires_grad and dtype.is_floating_point:
        return convert.Cast(dtype)(x)
    return Tensor._from_op(x._data.astype(dtype.np_dtype), None)


def to_device(x, device):
    return convert.ToDevice(device)(x)


def clone(x, *, memory_format=None):
    """A copy with its own memory (``memory_format`` accepted; arrays here are always C-contiguous)."""
    return convert.Clone()(x)


def contiguous(x):
    return convert.Clone()(x)


# ------------------------------------------------------------------ elementwise
@writes_out
def add(a, b, alpha=1):
    if alpha != 1:
        b = mul(b, alpha) if isinstance(b, Tensor) else b * alpha
    return _binary(elementwise.Add, "add", a, b)


@writes_out
def sub(a, b, alpha=1):
    if alpha != 1:
        b = mul(b, alpha) if isinstance(b, Tensor) else b * alpha
    return _binary(elementwise.Sub, "sub", a, b)


@writes_out
def mul(a, b):
    return _binary(elementwise.Mul, "mul", a, b)


@writes_out
def div(a, b, rounding_mode=None):
    if rounding_mode is not None:
        out = _no_grad_binary(lambda x, y: np.floor_divide(x, y) if rounding_mode == "floor" else np.trunc(x / y), a, b)
        return out
    a, b = as_operand(a, b), as_operand(b, a)
    # true division of integers gives floats, as in PyTorch
    if isinstance(a, Tensor) and a._data.dtype.kind != "f" and not (isinstance(b, Tensor) and b._data.dtype.kind == "f"):
        a = cast(a, get_default_dtype())
    if isinstance(b, Tensor) and b._data.dtype.kind != "f" and not (isinstance(a, Tensor) and a._data.dtype.kind == "f"):
        b = cast(b, get_default_dtype())
    return _binary(elementwise.Div, "div", a, b)


true_divide = div


@writes_out
def pow(a, b):
    return _binary(elementwise.Pow, "pow", a, b)


@writes_out
def neg(x):
    return elementwise.Neg()(x)


@writes_out
def abs(x):
    return elementwise.Abs()(x)


@writes_out
def exp(x):
    return elementwise.Exp()(_float(x))


@writes_out
def log(x):
    return elementwise.Log()(_float(x))


@writes_out
def sqrt(x):
    return elementwise.Sqrt()(_float(x))


@writes_out
def tanh(x):
    return activation.Tanh()(_float(x))


@writes_out
def sigmoid(x):
    return activation.Sigmoid()(_float(x))


def relu(x):
    return activation.ReLU()(x)


@writes_out
def clamp(x, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = x
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    if isinstance(min, float) or isinstance(max, float):  # an int tensor clamped to float bounds gives floats
        x = _float(x)
    return elementwise.Clamp(min, max)(x)


clip = clamp


@writes_out
def maximum(a, b):
    return _binary(elementwise.Maximum, "maximum", a, b)


@writes_out
def minimum(a, b):
    return _binary(elementwise.Minimum, "minimum", a, b)


def nonzero(input, *, as_tuple=False):
    """The indices of the nonzero entries: an (n, ndim) int64 tensor, or one 1-D tensor per dim."""
    xp = backend.get_array_module(input._data)
    data = input._data if input.ndim else input._data.reshape(1)
    where = xp.nonzero(data)
    if as_tuple:
        return tuple(Tensor._from_op(w.astype(np.int64), None) for w in where)
    return Tensor._from_op(xp.stack(where, axis=1).astype(np.int64) if where else xp.zeros((0, 0), np.int64), None)


@writes_out
def where(condition, a=None, b=None):
    """a where condition holds, else b (broadcast; either may be a number); ``where(condition)`` alone
    is ``nonzero(condition, as_tuple=True)``."""
    if a is None and b is None:
        return nonzero(condition, as_tuple=True)
    if a is None or b is None:
        raise TypeError("where() takes the condition alone, or the condition, input and other")
    condition = as_operand(condition, a if isinstance(a, Tensor) else b)
    if not isinstance(condition, Tensor) or condition._data.dtype != np.bool_:
        raise RuntimeError(f"where: expected condition to be a bool tensor, got {getattr(condition, 'dtype', type(condition))}")
    a, b = as_operand(a, condition), as_operand(b, condition)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):  # two Python scalars: PyTorch's dtype inference
        from .creation import tensor

        a = tensor(a, device=condition.device)
    a, b = _promote("where", a, b)
    return elementwise.Where()(condition, a, b)


def _float(x):
    return x if x._data.dtype.kind == "f" else cast(x, get_default_dtype())


def _no_grad_binary(fn, a, b):
    a_data = a._data if isinstance(a, Tensor) else a
    b_data = b._data if isinstance(b, Tensor) else b
    like = a if isinstance(a, Tensor) else b
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        _check_same_device_and_dtype("comparison", [a, b])
    xp = backend.get_array_module(like._data)
    with np.errstate(all="ignore"):
        out = fn(a_data, scalar_or_array(b_data, like) if not backend.is_array(b_data) else b_data)
    return Tensor._from_op(xp.asarray(out), None)


@writes_out
def eq(a, b):
    return _no_grad_binary(lambda x, y: x == y, a, b)


@writes_out
def ne(a, b):
    return _no_grad_binary(lambda x, y: x != y, a, b)


@writes_out
def lt(a, b):
    return _no_grad_binary(lambda x, y: x < y, a, b)


@writes_out
def le(a, b):
    return _no_grad_binary(lambda x, y: x <= y, a, b)


@writes_out
def gt(a, b):
    return _no_grad_binary(lambda x, y: x > y, a, b)


@writes_out
def ge(a, b):
    return _no_grad_binary(lambda x, y: x >= y, a, b)


def _no_grad_unary(fn, x):
    return Tensor._from_op(fn(backend.get_array_module(x._data), x._data), None)


# (sign, floor, ceil, round: differentiable, with zero gradient, in pointwise_functions.py)


@writes_out
def isnan(x):
    return _no_grad_unary(lambda xp, d: xp.isnan(d), x)


@writes_out
def isfinite(x):
    return _no_grad_unary(lambda xp, d: xp.isfinite(d), x)


@writes_out
def logical_not(x):
    return _no_grad_unary(lambda xp, d: xp.logical_not(d), x)


@writes_out
def logical_and(a, b):
    return _no_grad_binary(lambda x, y: x & y, a, b)


@writes_out
def logical_or(a, b):
    return _no_grad_binary(lambda x, y: x | y, a, b)


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when |a - b| <= atol + rtol * |b| everywhere (broadcast); b may be a number."""
    xp = backend.get_array_module(a._data)
    b_data = b._data if isinstance(b, Tensor) else b
    if isinstance(b, Tensor) and a._data.dtype != b._data.dtype:
        raise RuntimeError(f"{a.dtype.scalar_name} did not match {b.dtype.scalar_name}")
    return bool(xp.allclose(a._data, b_data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(a, b):
    return tuple(a.shape) == tuple(b.shape) and bool((a._data == b._data).all())


# ------------------------------------------------------------------ linalg
@writes_out
def matmul(a, b):
    if not _same_dtype_tensors(a, b):
        a, b = _promote("matmul", a, b)
    return linalg.MatMul()(a, b)


@writes_out
def mm(a, b):
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got {a.ndim}-D and {b.ndim}-D")
    return matmul(a, b)


@writes_out
def bmm(a, b):
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got {a.ndim}-D and {b.ndim}-D")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {a.shape[0]} and {b.shape[0]}")
    return matmul(a, b)


# ------------------------------------------------------------------ reductions
@writes_out
@numpy_dim_names
def sum(x, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = cast(x, dtype)
    elif x._data.dtype.kind in "biu":
        x = cast(x, "int64")
    return reduce.Sum(normalize_dims(dim, x._data.ndim, "sum"), keepdim)(x)


@writes_out
@numpy_dim_names
def mean(x, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = cast(x, dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
            f"dtype. Got: {x.dtype.scalar_name}"
        )
    return reduce.Mean(normalize_dims(dim, x.ndim, "mean"), keepdim)(x)


@writes_out
@numpy_dim_names
def var(x, dim=None, unbiased=None, keepdim=False, correction=None):
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return reduce.Var(normalize_dims(dim, x.ndim, "var"), correction, keepdim)(_float(x))


@writes_out
@numpy_dim_names
def std(x, dim=None, unbiased=None, keepdim=False, correction=None):
    return sqrt(var(x, dim, unbiased, keepdim, correction))


def _extreme(name, x, dim, keepdim, other_fn):
    if isinstance(dim, Tensor):  # mt.max(a, b)
        return other_fn(x, dim)
    if x.numel() == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
    if dim is None:
        return (reduce.Amin if name == "min" else reduce.Amax)(tuple(range(x.ndim)), False)(x)
    d = normalize_dim(dim, x.ndim, name)
    if x.ndim == 0:
        return ValuesIndices[name](x, Tensor._from_op(backend.get_array_module(x._data).zeros((), np.int64), None))
    cls = reduce.MinAlongDim if name == "min" else reduce.MaxAlongDim
    fn = cls(d, keepdim)
    values = fn(x)
    indices = fn.indices if keepdim else fn.indices.squeeze(d)
    return ValuesIndices[name](values, Tensor._from_op(indices.astype(np.int64), None))


@writes_out
@numpy_dim_names
def max(x, dim=None, keepdim=False):
    return _extreme("max", x, dim, keepdim, maximum)


@writes_out
@numpy_dim_names
def min(x, dim=None, keepdim=False):
    return _extreme("min", x, dim, keepdim, minimum)


@writes_out
@numpy_dim_names
def amax(x, dim=(), keepdim=False):
    dims = normalize_dims(None if dim == () else dim, x.ndim, "amax")
    return reduce.Amax(dims, keepdim)(x)


@writes_out
@numpy_dim_names
def amin(x, dim=(), keepdim=False):
    dims = normalize_dims(None if dim == () else dim, x.ndim, "amin")
    return reduce.Amin(dims, keepdim)(x)


@writes_out
@numpy_dim_names
def argmax(x, dim=None, keepdim=False):
    return _arg_extreme("argmax", x, dim, keepdim)


@writes_out
@numpy_dim_names
def argmin(x, dim=None, keepdim=False):
    return _arg_extreme("argmin", x, dim, keepdim)


def _arg_extreme(name, x, dim, keepdim):
    xp = backend.get_array_module(x._data)
    if dim is None:
        out = getattr(xp, name)(x._data.reshape(-1))
        if keepdim:
            out = out.reshape((1,) * x.ndim)
    else:
        d = normalize_dim(dim, x.ndim, name)
        out = getattr(xp, name)(x._data, axis=d)
        if keepdim:
            out = xp.expand_dims(out, d)
    return Tensor._from_op(xp.asarray(out, dtype=np.int64), None)


@writes_out
@numpy_dim_names
def logsumexp(x, dim, keepdim=False):
    return reduce.LogSumExp(normalize_dims(dim, x.ndim, "logsumexp"), keepdim)(_float(x))


def softmax(x, dim, dtype=None):
    if dtype is not None:
        x = cast(x, dtype)
    return activation.Softmax(normalize_dim(dim, x.ndim, "softmax"))(_float(x))


def log_softmax(x, dim, dtype=None):
    if dtype is not None:
        x = cast(x, dtype)
    return activation.LogSoftmax(normalize_dim(dim, x.ndim, "log_softmax"))(_float(x))


# ------------------------------------------------------------------ shape (in shape_functions.py)
from .shape_functions import (cat, chunk, concat, concatenate, convert_index, expand, expand_as,  # noqa: E402,F401
                              flatten, getitem, pad, permute, repeat, reshape, split, squeeze, stack, t,
                              transpose, unflatten, unsqueeze, view)


def numel(x):
    return x.numel()


def is_tensor(obj):
    return isinstance(obj, Tensor)
