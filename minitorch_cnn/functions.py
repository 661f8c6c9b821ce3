"""The public tensor functions (``mt.add``, ``mt.cat``, ``mt.sum`` ...).

Each checks and normalises its arguments, then calls one ``Function`` from
``ops/``. Tensor methods (``tensor_methods.py``) call these.
"""
import builtins
import math
from collections import namedtuple

import numpy as np

from . import backend
from .autograd.function import Function
from .dtypes import as_dtype, get_default_dtype
from .ops import activation, elementwise, linalg, reduce
from .ops import shape as shape_ops
from .ops.broadcast import normalize_dim, normalize_dims
from .tensor import Tensor, _check_same_device_and_dtype

_Scalar = (int, float, bool)
ValuesIndices = {name: namedtuple(name, ["values", "indices"]) for name in ("max", "min", "sort", "topk")}


# ------------------------------------------------------------------ operands
def scalar_or_array(value, like):
    """A Python/NumPy scalar stays a Python scalar (weak type, no promotion); arrays become raw data."""
    if isinstance(value, np.generic):  # (np.float64 subclasses float: test it first)
        return value.item()  # a NumPy scalar is a Python scalar here: no silent float64 promotion
    if isinstance(value, _Scalar):
        return value
    if isinstance(value, Tensor):
        return value.data
    if backend.is_array(value) or isinstance(value, (list, tuple)):
        return as_operand(value, like).data
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
        fa, fb = a.data.dtype.kind == "f", b.data.dtype.kind == "f"
        if fa and not fb:
            b = cast(b, a.dtype)
        elif fb and not fa:
            a = cast(a, b.dtype)
        else:
            _check_same_device_and_dtype(op, [a, b])
    elif a_is_t and isinstance(b, float) and a.data.dtype.kind != "f":
        a = cast(a, get_default_dtype())
    elif b_is_t and isinstance(a, float) and b.data.dtype.kind != "f":
        b = cast(b, get_default_dtype())
    return a, b


def _same_dtype_tensors(a, b):
    """The common case, with nothing to convert: two tensors of one dtype (Function checks devices)."""
    return isinstance(a, Tensor) and isinstance(b, Tensor) and a.data.dtype == b.data.dtype


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
class Cast(Function):
    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        self.in_dtype = x.dtype
        return x.astype(self.dtype.np_dtype)

    def backward(self, g):
        # dX = dY cast back to x's dtype
        return g.astype(self.in_dtype)


class ToDevice(Function):
    def __init__(self, device):
        self.device = device

    def forward(self, x):
        self.in_device = backend.device_of(x)
        return backend.to_device(x, self.device)

    def backward(self, g):
        # dX = dY copied back to x's device
        return backend.to_device(g, self.in_device)


class Clone(Function):
    def forward(self, x):
        return x.copy()

    def backward(self, g):
        # dX = dY
        return g


def cast(x, dtype):
    dtype = as_dtype(dtype)
    if x.dtype == dtype:
        return x
    if x.requires_grad and dtype.is_floating_point:
        return Cast(dtype)(x)
    return Tensor._from_op(x.data.astype(dtype.np_dtype), None)


def to_device(x, device):
    return ToDevice(device)(x)


def clone(x):
    return Clone()(x)


def contiguous(x):
    return Clone()(x)


# ------------------------------------------------------------------ elementwise
def add(a, b, alpha=1):
    if alpha != 1:
        b = mul(b, alpha)
    return _binary(elementwise.Add, "add", a, b)


def sub(a, b, alpha=1):
    if alpha != 1:
        b = mul(b, alpha)
    return _binary(elementwise.Sub, "sub", a, b)


def mul(a, b):
    return _binary(elementwise.Mul, "mul", a, b)


def div(a, b, rounding_mode=None):
    if rounding_mode is not None:
        out = _no_grad_binary(lambda x, y: np.floor_divide(x, y) if rounding_mode == "floor" else np.trunc(x / y), a, b)
        return out
    a, b = as_operand(a, b), as_operand(b, a)
    # true division of integers gives floats, as in PyTorch
    if isinstance(a, Tensor) and a.data.dtype.kind != "f" and not (isinstance(b, Tensor) and b.data.dtype.kind == "f"):
        a = cast(a, get_default_dtype())
    if isinstance(b, Tensor) and b.data.dtype.kind != "f" and not (isinstance(a, Tensor) and a.data.dtype.kind == "f"):
        b = cast(b, get_default_dtype())
    return _binary(elementwise.Div, "div", a, b)


true_divide = div


def pow(a, b):
    return _binary(elementwise.Pow, "pow", a, b)


def neg(x):
    return elementwise.Neg()(x)


def abs(x):
    return elementwise.Abs()(x)


def exp(x):
    return elementwise.Exp()(_float(x))


def log(x):
    return elementwise.Log()(_float(x))


def sqrt(x):
    return elementwise.Sqrt()(_float(x))


def tanh(x):
    return activation.Tanh()(_float(x))


def sigmoid(x):
    return activation.Sigmoid()(_float(x))


def relu(x):
    return activation.ReLU()(x)


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
    return elementwise.Clamp(min, max)(x)


clip = clamp


def maximum(a, b):
    return _binary(elementwise.Maximum, "maximum", a, b)


def minimum(a, b):
    return _binary(elementwise.Minimum, "minimum", a, b)


def where(condition, a, b):
    condition = as_operand(condition, a if isinstance(a, Tensor) else b)
    if not isinstance(condition, Tensor) or condition.data.dtype != np.bool_:
        raise RuntimeError(f"where: expected condition to be a bool tensor, got {getattr(condition, 'dtype', type(condition))}")
    a, b = as_operand(a, condition), as_operand(b, condition)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):  # two Python scalars: PyTorch's dtype inference
        from .creation import tensor

        a = tensor(a, device=condition.device)
    a, b = _promote("where", a, b)
    return elementwise.Where()(condition, a, b)


def _float(x):
    return x if x.data.dtype.kind == "f" else cast(x, get_default_dtype())


def _no_grad_binary(fn, a, b):
    a_data = a.data if isinstance(a, Tensor) else a
    b_data = b.data if isinstance(b, Tensor) else b
    like = a if isinstance(a, Tensor) else b
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        _check_same_device_and_dtype("comparison", [a, b])
    xp = backend.get_array_module(like.data)
    with np.errstate(all="ignore"):
        out = fn(a_data, scalar_or_array(b_data, like) if not backend.is_array(b_data) else b_data)
    return Tensor._from_op(xp.asarray(out), None)


def eq(a, b):
    return _no_grad_binary(lambda x, y: x == y, a, b)


def ne(a, b):
    return _no_grad_binary(lambda x, y: x != y, a, b)


def lt(a, b):
    return _no_grad_binary(lambda x, y: x < y, a, b)


def le(a, b):
    return _no_grad_binary(lambda x, y: x <= y, a, b)


def gt(a, b):
    return _no_grad_binary(lambda x, y: x > y, a, b)


def ge(a, b):
    return _no_grad_binary(lambda x, y: x >= y, a, b)


def _no_grad_unary(fn, x):
    return Tensor._from_op(fn(backend.get_array_module(x.data), x.data), None)


def sign(x):
    return _no_grad_unary(lambda xp, d: xp.sign(d), x)


def floor(x):
    return _no_grad_unary(lambda xp, d: xp.floor(d), x)


def ceil(x):
    return _no_grad_unary(lambda xp, d: xp.ceil(d), x)


def round(x):
    return _no_grad_unary(lambda xp, d: xp.round(d), x)


def isnan(x):
    return _no_grad_unary(lambda xp, d: xp.isnan(d), x)


def isfinite(x):
    return _no_grad_unary(lambda xp, d: xp.isfinite(d), x)


def logical_not(x):
    return _no_grad_unary(lambda xp, d: xp.logical_not(d), x)


def logical_and(a, b):
    return _no_grad_binary(lambda x, y: x & y, a, b)


def logical_or(a, b):
    return _no_grad_binary(lambda x, y: x | y, a, b)


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    xp = backend.get_array_module(a.data)
    return bool(xp.allclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(a, b):
    return tuple(a.shape) == tuple(b.shape) and bool((a.data == b.data).all())


# ------------------------------------------------------------------ linalg
def matmul(a, b):
    if not _same_dtype_tensors(a, b):
        a, b = _promote("matmul", a, b)
    return linalg.MatMul()(a, b)


def mm(a, b):
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got {a.ndim}-D and {b.ndim}-D")
    return matmul(a, b)


def bmm(a, b):
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got {a.ndim}-D and {b.ndim}-D")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {a.shape[0]} and {b.shape[0]}")
    return matmul(a, b)


# ------------------------------------------------------------------ reductions
def sum(x, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = cast(x, dtype)
    elif x.data.dtype.kind in "biu":
        x = cast(x, "int64")
    return reduce.Sum(normalize_dims(dim, x.data.ndim, "sum"), keepdim)(x)


def mean(x, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = cast(x, dtype)
    if x.data.dtype.kind != "f":
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
            f"dtype. Got: {x.dtype.scalar_name}"
        )
    return reduce.Mean(normalize_dims(dim, x.ndim, "mean"), keepdim)(x)


def var(x, dim=None, unbiased=None, keepdim=False, correction=None):
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return reduce.Var(normalize_dims(dim, x.ndim, "var"), correction, keepdim)(_float(x))


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
        return ValuesIndices[name](x, Tensor._from_op(backend.get_array_module(x.data).zeros((), np.int64), None))
    cls = reduce.MinAlongDim if name == "min" else reduce.MaxAlongDim
    fn = cls(d, keepdim)
    values = fn(x)
    indices = fn.indices if keepdim else fn.indices.squeeze(d)
    return ValuesIndices[name](values, Tensor._from_op(indices.astype(np.int64), None))


def max(x, dim=None, keepdim=False):
    return _extreme("max", x, dim, keepdim, maximum)


def min(x, dim=None, keepdim=False):
    return _extreme("min", x, dim, keepdim, minimum)


def amax(x, dim=(), keepdim=False):
    dims = normalize_dims(None if dim == () else dim, x.ndim, "amax")
    return reduce.Amax(dims, keepdim)(x)


def amin(x, dim=(), keepdim=False):
    dims = normalize_dims(None if dim == () else dim, x.ndim, "amin")
    return reduce.Amin(dims, keepdim)(x)


def argmax(x, dim=None, keepdim=False):
    return _arg_extreme("argmax", x, dim, keepdim)


def argmin(x, dim=None, keepdim=False):
    return _arg_extreme("argmin", x, dim, keepdim)


def _arg_extreme(name, x, dim, keepdim):
    xp = backend.get_array_module(x.data)
    if dim is None:
        out = getattr(xp, name)(x.data.reshape(-1))
        if keepdim:
            out = out.reshape((1,) * x.ndim)
    else:
        d = normalize_dim(dim, x.ndim, name)
        out = getattr(xp, name)(x.data, axis=d)
        if keepdim:
            out = xp.expand_dims(out, d)
    return Tensor._from_op(xp.asarray(out, dtype=np.int64), None)


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


# ------------------------------------------------------------------ shape
def _shape_arg(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _infer_shape(op, shape, numel, in_shape):
    """``shape`` as a tuple of ints, with its one -1 (if any) inferred from ``numel``."""
    shape = tuple(map(int, shape))
    if -1 in shape:
        if shape.count(-1) > 1:
            raise RuntimeError(f"{op}: only one dimension can be inferred")
        known = math.prod(s for s in shape if s != -1)
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    if math.prod(shape) != numel:
        raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel} (input shape {list(in_shape)})")
    return shape


def reshape(x, *shape):
    shape = _infer_shape("reshape", _shape_arg(shape), x.data.size, x.data.shape)
    if shape == x.data.shape:
        return x
    return shape_ops.Reshape(shape)(x)


def view(x, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)):
        return cast(x, shape[0])
    return reshape(x, *shape)


def flatten(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        return reshape(x, 1)
    s = normalize_dim(start_dim, x.ndim, "flatten")
    e = normalize_dim(end_dim, x.ndim, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    new = tuple(x.shape[:s]) + (math.prod(x.shape[s : e + 1]),) + tuple(x.shape[e + 1 :])
    return reshape(x, new)


def unflatten(x, dim, sizes):
    d = normalize_dim(dim, x.ndim, "unflatten")
    sizes = _infer_shape("unflatten", sizes, x.shape[d], x.shape)
    return reshape(x, tuple(x.shape[:d]) + sizes + tuple(x.shape[d + 1 :]))


def squeeze(x, dim=None):
    if dim is None:
        new = tuple(s for s in x.shape if s != 1)
    else:
        dims = normalize_dims(dim, x.ndim, "squeeze")
        new = tuple(s for i, s in enumerate(x.shape) if not (i in dims and s == 1))
    return reshape(x, new)


def unsqueeze(x, dim):
    d = normalize_dim(dim, x.ndim + 1, "unsqueeze")
    new = tuple(x.shape[:d]) + (1,) + tuple(x.shape[d:])
    return reshape(x, new)


def permute(x, *dims):
    dims = _shape_arg(dims)
    if len(dims) != x.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {x.ndim} is not equal to len(dims) = {len(dims)}"
        )
    dims = tuple(normalize_dim(d, x.ndim, "permute") for d in dims)
    if sorted(dims) != list(range(x.ndim)):
        raise RuntimeError(f"permute(): duplicate dims are not allowed: {list(dims)}")
    return shape_ops.Permute(dims)(x)


def transpose(x, dim0, dim1):
    if x.ndim < 2 and x.ndim == 0:
        return x
    d0, d1 = normalize_dim(dim0, x.ndim, "transpose"), normalize_dim(dim1, x.ndim, "transpose")
    dims = list(range(x.ndim))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return shape_ops.Permute(dims)(x)


def t(x):
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return transpose(x, 0, 1) if x.ndim == 2 else x


def expand(x, *sizes):
    sizes = _shape_arg(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the number of "
            f"dimensions in the tensor ({x.ndim})"
        )
    lead = len(sizes) - x.ndim
    target = []
    for i, s in enumerate(sizes):
        cur = x.shape[i - lead] if i >= lead else None
        if s == -1:
            if cur is None:
                raise RuntimeError("expand: -1 is not allowed in a leading, non-existing dimension")
            s = cur
        elif cur is not None and cur != 1 and cur != s:
            raise RuntimeError(
                f"expand: The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(x.shape)}"
            )
        target.append(s)
    return shape_ops.Expand(target)(x)


def expand_as(x, other):
    return expand(x, other.shape)


def repeat(x, *repeats):
    repeats = _shape_arg(repeats)
    if len(repeats) < x.ndim:
        raise RuntimeError(
            "repeat: Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    return shape_ops.Repeat(repeats)(x)


def convert_index(index):
    """Tensors inside an index become raw arrays; returns (index, is_advanced)."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for item in items:
        if isinstance(item, Tensor):
            item = item.data
        elif isinstance(item, list):
            item = np.asarray(item)
        out.append(item)
    return tuple(out) if isinstance(index, tuple) else out[0]


def _is_advanced(index):
    items = index if isinstance(index, tuple) else (index,)
    return builtins.any(backend.is_array(i) for i in items)


def getitem(x, index):
    index = convert_index(index)
    advanced = _is_advanced(index)
    if advanced and x.device.type == "cuda":
        items = index if isinstance(index, tuple) else (index,)
        moved = tuple(backend.to_device(i, x.device) if backend.is_array(i) else i for i in items)
        index = moved if isinstance(index, tuple) else moved[0]
    try:
        return shape_ops.GetItem(index, advanced)(x)
    except IndexError as e:
        raise IndexError(f"index {index!r} is out of bounds for tensor of shape {list(x.shape)}: {e}") from None


def _tensor_list(op, tensors):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{op}(): expected a non-empty list of Tensors")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): expected a sequence of Tensors, but got {type(t).__name__}")
    return tensors


def cat(tensors, dim=0):
    tensors = _tensor_list("cat", tensors)
    _check_same_device_and_dtype("cat", tensors)
    ref = tensors[0]
    d = normalize_dim(dim, ref.ndim, "cat")
    for i, t in enumerate(tensors):
        if t.ndim != ref.ndim or builtins.any(a != b for j, (a, b) in enumerate(zip(t.shape, ref.shape)) if j != d):
            raise RuntimeError(
                f"cat(): Sizes of tensors must match except in dimension {d}. Expected size "
                f"{list(ref.shape)} but got size {list(t.shape)} for tensor number {i} in the list."
            )
    return shape_ops.Cat(d)(*tensors)


concat = concatenate = cat


def stack(tensors, dim=0):
    tensors = _tensor_list("stack", tensors)
    _check_same_device_and_dtype("stack", tensors)
    for i, t in enumerate(tensors):
        if tuple(t.shape) != tuple(tensors[0].shape):
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at entry 0 and "
                f"{list(t.shape)} at entry {i}"
            )
    d = normalize_dim(dim, tensors[0].ndim + 1, "stack")
    return shape_ops.Stack(d)(*tensors)


def split(x, split_size_or_sections, dim=0):
    d = normalize_dim(dim, x.ndim, "split")
    n = x.shape[d]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise RuntimeError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [split_size_or_sections] * (n // split_size_or_sections)
        if n % split_size_or_sections:
            sizes.append(n % split_size_or_sections)
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension "
                f"{d}), but got split_sizes={sizes}"
            )
    out, start = [], 0
    for s in sizes:
        index = (slice(None),) * d + (slice(start, start + s),)
        out.append(getitem(x, index))
        start += s
    return tuple(out)


def chunk(x, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = normalize_dim(dim, x.ndim, "chunk")
    size = -(-x.shape[d] // chunks)
    return split(x, builtins.max(size, 1), d)


def pad(x, pad, mode="constant", value=0.0):
    """PyTorch's pad list: (last_before, last_after, second_last_before, ...)."""
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise RuntimeError(f"pad: padding length must be even and at most 2 * input.dim() = {2 * x.ndim}, got {len(pad)}")
    if mode != "constant":
        raise NotImplementedError(f"pad: mode '{mode}' is provided by minitorch_cnn.nn.functional.pad")
    pads = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        pads[x.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    for i, (b, a) in enumerate(pads):
        if x.shape[i] + b + a < 0:
            raise RuntimeError(f"pad: resulting size of dim {i} would be {x.shape[i] + b + a} (input {list(x.shape)}, pad {list(pad)})")
    return shape_ops.ConstantPad(pads, value)(x)


def numel(x):
    return x.numel()


def is_tensor(obj):
    return isinstance(obj, Tensor)
