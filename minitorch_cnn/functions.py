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
from .layout import format_name
from .ops import activation, convert, elementwise, linalg, reduce
from .ops.broadcast import all_if_empty, nonempty_reduction, normalize_dim, normalize_dims
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


def _promote(op, a, b, floats=True):
    """PyTorch-style promotion for a binary op: ints/bools meet floats as floats; two float dtypes meet as
    the wider (float16 < float32 < float64), unless ``floats`` is False (ops PyTorch refuses them for)."""
    a_is_t, b_is_t = isinstance(a, Tensor), isinstance(b, Tensor)
    if a_is_t and b_is_t:
        fa, fb = a._data.dtype.kind == "f", b._data.dtype.kind == "f"
        if fa and not fb:
            b = cast(b, a.dtype)
        elif fb and not fa:
            a = cast(a, b.dtype)
        elif fa and floats and a._data.dtype != b._data.dtype:
            a, b = _wider_float(a, b)
        else:
            _check_same_device_and_dtype(op, [a, b])
    elif a_is_t and isinstance(b, float) and a._data.dtype.kind != "f":
        a = cast(a, get_default_dtype())
    elif b_is_t and isinstance(a, float) and b._data.dtype.kind != "f":
        b = cast(b, get_default_dtype())
    return a, b


def _wider_float(*tensors):
    """Floating tensors cast to the widest of their dtypes; the cast is differentiable, so a gradient
    flows back into each input in its own dtype."""
    wide = np.result_type(*(t._data.dtype for t in tensors))
    return [t if t._data.dtype == wide else cast(t, wide) for t in tensors]


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


def clone(input, *, memory_format=None):
    """A copy with its own memory, laid out as ``memory_format`` (default: as ``input`` is)."""
    return convert.Clone(_format(input, memory_format, "preserve_format"))(input)


def contiguous(x, memory_format=None):
    """A copy laid out as ``memory_format`` (default: C order)."""
    return convert.Clone(_format(x, memory_format, "contiguous_format"))(x)


def _format(x, memory_format, default):
    """The layout name of ``memory_format``, checked against x (channels_last needs 4 dims)."""
    name = format_name(memory_format) or default
    if name not in ("contiguous_format", "channels_last", "preserve_format"):
        raise TypeError(f"memory_format must be a torch.memory_format, not {type(memory_format).__name__}")
    if name == "channels_last" and x._data.ndim != 4:
        raise RuntimeError("required rank 4 tensor to use channels_last format")
    return name


# ------------------------------------------------------------------ elementwise
@writes_out
def add(input, other, alpha=1):
    if alpha != 1:
        other = mul(other, alpha) if isinstance(other, Tensor) else other * alpha
    return _binary(elementwise.Add, "add", input, other)


@writes_out
def sub(input, other, alpha=1):
    if alpha != 1:
        other = mul(other, alpha) if isinstance(other, Tensor) else other * alpha
    return _binary(elementwise.Sub, "sub", input, other)


@writes_out
def mul(input, other):
    return _binary(elementwise.Mul, "mul", input, other)


@writes_out
def div(input, other, rounding_mode=None):
    if rounding_mode is not None:
        out = _no_grad_binary(lambda x, y: np.floor_divide(x, y) if rounding_mode == "floor" else np.trunc(x / y),
                              input, other)
        return out
    input, other = as_operand(input, other), as_operand(other, input)
    # true division of integers gives floats, as in PyTorch
    if isinstance(input, Tensor) and input._data.dtype.kind != "f" and not (isinstance(other, Tensor) and other._data.dtype.kind == "f"):
        input = cast(input, get_default_dtype())
    if isinstance(other, Tensor) and other._data.dtype.kind != "f" and not (isinstance(input, Tensor) and input._data.dtype.kind == "f"):
        other = cast(other, get_default_dtype())
    return _binary(elementwise.Div, "div", input, other)


true_divide = div


@writes_out
def pow(input, exponent):
    return _binary(elementwise.Pow, "pow", input, exponent)


@writes_out
def neg(input):
    return elementwise.Neg()(input)


@writes_out
def abs(input):
    return elementwise.Abs()(input)


@writes_out
def exp(input):
    return elementwise.Exp()(_float(input))


@writes_out
def log(input):
    return elementwise.Log()(_float(input))


@writes_out
def sqrt(input):
    return elementwise.Sqrt()(_float(input))


@writes_out
def tanh(input):
    return activation.Tanh()(_float(input))


@writes_out
def sigmoid(input):
    return activation.Sigmoid()(_float(input))


def relu(input):
    return activation.ReLU()(input)


@writes_out
def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    if isinstance(min, float) or isinstance(max, float):  # an int tensor clamped to float bounds gives floats
        input = _float(input)
    return elementwise.Clamp(min, max)(input)


clip = clamp


@writes_out
def maximum(input, other):
    return _binary(elementwise.Maximum, "maximum", input, other)


@writes_out
def minimum(input, other):
    return _binary(elementwise.Minimum, "minimum", input, other)


def nonzero(input, *, as_tuple=False):
    """The indices of the nonzero entries: an (n, ndim) int64 tensor, or one 1-D tensor per dim."""
    xp = backend.get_array_module(input._data)
    data = input._data if input.ndim else input._data.reshape(1)
    where = xp.nonzero(data)
    if as_tuple:
        return tuple(Tensor._from_op(w.astype(np.int64), None) for w in where)
    return Tensor._from_op(xp.stack(where, axis=1).astype(np.int64) if where else xp.zeros((0, 0), np.int64), None)


@writes_out
def where(condition, input=None, other=None):
    """a where condition holds, else b (broadcast; either may be a number); ``where(condition)`` alone
    is ``nonzero(condition, as_tuple=True)``."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() takes the condition alone, or the condition, input and other")
    condition = as_operand(condition, input if isinstance(input, Tensor) else other)
    if not isinstance(condition, Tensor) or condition._data.dtype != np.bool_:
        raise RuntimeError(f"where: expected condition to be a bool tensor, got {getattr(condition, 'dtype', type(condition))}")
    input, other = as_operand(input, condition), as_operand(other, condition)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):  # two Python scalars: PyTorch's dtype inference
        from .creation import tensor

        input = tensor(input, device=condition.device)
    input, other = _promote("where", input, other)
    return elementwise.Where()(condition, input, other)


def _float(x):
    return x if x._data.dtype.kind == "f" else cast(x, get_default_dtype())


def _no_grad_binary(fn, a, b):
    a_data = a._data if isinstance(a, Tensor) else a
    b_data = b._data if isinstance(b, Tensor) else b
    like = a if isinstance(a, Tensor) else b
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a_data.dtype != b_data.dtype and a_data.dtype.kind == "f" and b_data.dtype.kind == "f":
            a, b = _wider_float(a, b)  # (compared in the wider dtype)
            a_data, b_data = a._data, b._data
        _check_same_device_and_dtype("comparison", [a, b])
    xp = backend.get_array_module(like._data)
    with np.errstate(all="ignore"):
        out = fn(a_data, scalar_or_array(b_data, like) if not backend.is_array(b_data) else b_data)
    return Tensor._from_op(xp.asarray(out), None)


@writes_out
def eq(input, other):
    return _no_grad_binary(lambda x, y: x == y, input, other)


@writes_out
def ne(input, other):
    return _no_grad_binary(lambda x, y: x != y, input, other)


@writes_out
def lt(input, other):
    return _no_grad_binary(lambda x, y: x < y, input, other)


@writes_out
def le(input, other):
    return _no_grad_binary(lambda x, y: x <= y, input, other)


@writes_out
def gt(input, other):
    return _no_grad_binary(lambda x, y: x > y, input, other)


@writes_out
def ge(input, other):
    return _no_grad_binary(lambda x, y: x >= y, input, other)


def _no_grad_unary(fn, x):
    return Tensor._from_op(fn(backend.get_array_module(x._data), x._data), None)


# (sign, floor, ceil, round: differentiable, with zero gradient, in pointwise_functions.py)


@writes_out
def isnan(input):
    return _no_grad_unary(lambda xp, d: xp.isnan(d), input)


@writes_out
def isfinite(input):
    return _no_grad_unary(lambda xp, d: xp.isfinite(d), input)


@writes_out
def logical_not(input):
    return _no_grad_unary(lambda xp, d: xp.logical_not(d), input)


@writes_out
def logical_and(input, other):
    return _no_grad_binary(lambda x, y: x & y, input, other)


@writes_out
def logical_or(input, other):
    return _no_grad_binary(lambda x, y: x | y, input, other)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when |a - b| <= atol + rtol * |b| everywhere (broadcast); b may be a number."""
    xp = backend.get_array_module(input._data)
    b_data = other._data if isinstance(other, Tensor) else other
    if isinstance(other, Tensor) and input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{input.dtype.scalar_name} did not match {other.dtype.scalar_name}")
    return bool(xp.allclose(input._data, b_data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(input, other):
    return tuple(input.shape) == tuple(other.shape) and bool((input._data == other._data).all())


# ------------------------------------------------------------------ linalg
@writes_out
def matmul(input, other):
    if not _same_dtype_tensors(input, other):
        _refuse_float_pair(input, other)
        input, other = _promote("matmul", input, other, floats=False)
    return linalg.MatMul()(input, other)


def _refuse_float_pair(a, b):
    """matmul does not promote floats: PyTorch's messages for the dot and matrix-matrix kernels."""
    if not (isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype.kind == "f" == b._data.dtype.kind):
        return
    if a.ndim == 1 and b.ndim == 1:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {a.dtype.scalar_name} and "
                           f"{b.dtype.scalar_name}")
    if b.ndim == 2:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype.scalar_name.lower()} != "
                           f"{b.dtype.scalar_name.lower()}")


@writes_out
def mm(input, mat2):
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got {input.ndim}-D and {mat2.ndim}-D")
    return matmul(input, mat2)


@writes_out
def bmm(input, mat2):
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got {input.ndim}-D and {mat2.ndim}-D")
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {input.shape[0]} and {mat2.shape[0]}")
    return matmul(input, mat2)


# ------------------------------------------------------------------ reductions
@writes_out
@numpy_dim_names
def sum(input, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        input = cast(input, dtype)
    elif input._data.dtype.kind in "biu":
        input = cast(input, "int64")
    return reduce.Sum(normalize_dims(all_if_empty(dim), input._data.ndim, "sum"), keepdim)(input)


@writes_out
@numpy_dim_names
def mean(input, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        input = cast(input, dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
            f"dtype. Got: {input.dtype.scalar_name}"
        )
    return reduce.Mean(normalize_dims(all_if_empty(dim), input.ndim, "mean"), keepdim)(input)


@writes_out
@numpy_dim_names
def var(input, dim=None, unbiased=None, keepdim=False, correction=None):
    return _variance(reduce.Var, input, dim, unbiased, keepdim, correction)


def _variance(op_cls, x, dim, unbiased, keepdim, correction):
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    name = op_cls.__name__.lower()
    if x._data.dtype.kind not in "fc":
        raise RuntimeError(f"{name}: std and var only support floating point and complex dtypes")
    return op_cls(normalize_dims(all_if_empty(dim), x.ndim, name), correction, keepdim)(x)


@writes_out
@numpy_dim_names
def std(input, dim=None, unbiased=None, keepdim=False, correction=None):
    return _variance(reduce.Std, input, dim, unbiased, keepdim, correction)


def _extreme(name, x, dim, keepdim, other_fn):
    if isinstance(dim, Tensor):  # mt.max(a, b)
        return other_fn(x, dim)
    if x.numel() == 0 and dim is None:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                           f"reduction dim with the 'dim' argument.")
    if dim is None:
        return (reduce.Amin if name == "min" else reduce.Amax)(tuple(range(x.ndim)), False)(x)
    d = normalize_dim(dim, x.ndim, name)
    nonempty_reduction(name, x.shape, dim)
    if x.ndim == 0:
        return ValuesIndices[name](x, Tensor._from_op(backend.get_array_module(x._data).zeros((), np.int64), None))
    cls = reduce.MinAlongDim if name == "min" else reduce.MaxAlongDim
    fn = cls(d, keepdim)
    values = fn(x)
    indices = fn.indices if keepdim else fn.indices.squeeze(d)
    return ValuesIndices[name](values, Tensor._from_op(indices.astype(np.int64), None))


@writes_out
@numpy_dim_names
def max(input, dim=None, keepdim=False):
    return _extreme("max", input, dim, keepdim, maximum)


@writes_out
@numpy_dim_names
def min(input, dim=None, keepdim=False):
    return _extreme("min", input, dim, keepdim, minimum)


@writes_out
@numpy_dim_names
def amax(input, dim=(), keepdim=False):
    _check_amax("amax", input, dim)
    dims = normalize_dims(all_if_empty(dim), input.ndim, "amax")
    return reduce.Amax(dims, keepdim)(input)


@writes_out
@numpy_dim_names
def amin(input, dim=(), keepdim=False):
    _check_amax("amin", input, dim)
    dims = normalize_dims(all_if_empty(dim), input.ndim, "amin")
    return reduce.Amin(dims, keepdim)(input)


@writes_out
@numpy_dim_names
def argmax(input, dim=None, keepdim=False):
    return _arg_extreme("argmax", input, dim, keepdim)


@writes_out
@numpy_dim_names
def argmin(input, dim=None, keepdim=False):
    return _arg_extreme("argmin", input, dim, keepdim)


def _check_amax(name, x, dim):
    """PyTorch's amax/amin refusals of nothing to reduce: all dims of an empty input, or an empty dim."""
    dim = all_if_empty(dim)
    if dim is None and x.numel() == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                           f"reduction dim with the 'dim' argument.")
    if dim is not None:
        nonempty_reduction(name, x.shape, dim)


def _arg_extreme(name, x, dim, keepdim):
    xp = backend.get_array_module(x._data)
    if x._data.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is not None:
        normalize_dim(dim, x.ndim, name)
    nonempty_reduction(name, x.shape, dim)
    if dim is None:
        out = getattr(xp, name)(x._data.reshape(-1))
        if keepdim:
            out = out.reshape((1,) * x.ndim)
    else:
        d = normalize_dim(dim, x.ndim, name)
        out = getattr(xp, name)(x._data, axis=d) if x.ndim else xp.zeros((), np.int64)
        if keepdim and x.ndim:
            out = xp.expand_dims(out, d)
    return Tensor._from_op(xp.asarray(out, dtype=np.int64), None)


@writes_out
@numpy_dim_names
def logsumexp(input, dim, keepdim=False):
    if isinstance(dim, (tuple, list)) and not dim and not keepdim and input.ndim and input.numel():  # (PyTorch's)
        raise RuntimeError(f"logsumexp: output with shape [] doesn't match the broadcast shape {[1] * input.ndim}")
    return reduce.LogSumExp(normalize_dims(all_if_empty(dim), input.ndim, "logsumexp"), keepdim)(_float(input))


def softmax(input, dim, dtype=None):
    if dtype is not None:
        input = cast(input, dtype)
    return activation.Softmax(normalize_dim(dim, input.ndim, "softmax"))(_float(input))


def log_softmax(input, dim, dtype=None):
    if dtype is not None:
        input = cast(input, dtype)
    return activation.LogSoftmax(normalize_dim(dim, input.ndim, "log_softmax"))(_float(input))


# ------------------------------------------------------------------ shape (in shape_functions.py)
from .shape_functions import (cat, chunk, concat, concatenate, convert_index, expand, expand_as,  # noqa: E402,F401
                              flatten, getitem, pad, permute, repeat, reshape, split, squeeze, stack, t,
                              transpose, unflatten, unsqueeze, view)


def numel(input):
    return input.numel()


def is_tensor(obj):
    return isinstance(obj, Tensor)
