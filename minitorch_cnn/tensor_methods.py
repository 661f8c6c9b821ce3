"""The one installer of Tensor's methods (DeZero's ``setup_variable``): ``x.foo`` is ``functions.foo``.

``tensor.py`` holds the data and the conversions; every method that computes through an op,
writes in place or hooks into autograd is looked up here, in one table (with the in-place ops
of ``tensor_inplace.py`` and the math of ``tensor_methods_math.py``). ``minitorch_cnn/__init__.py``
calls ``install_tensor_methods()`` last, once every layer below is imported, so ``tensor.py``
never imports the layers built on top of it.
"""
from . import autograd, backend
from . import functions as F
from .creation import ones, tensor, zeros
from .ops.broadcast import normalize_dim
from .tensor import Size, Tensor, parse_to
from .layout import format_name, is_channels_last
from .tensor_inplace import INPLACE_METHODS
from .tensor_methods_math import fast_operators, math_methods


def _reflected(fn):
    return lambda self, other: fn(other, self)


_METHODS = {
    # arithmetic and operators
    "__add__": F.add, "__radd__": _reflected(F.add), "__sub__": F.sub, "__rsub__": _reflected(F.sub),
    "__mul__": F.mul, "__rmul__": _reflected(F.mul), "__truediv__": F.div, "__rtruediv__": _reflected(F.div),
    "__pow__": F.pow, "__rpow__": _reflected(F.pow), "__matmul__": F.matmul, "__rmatmul__": _reflected(F.matmul),
    "__neg__": F.neg, "__abs__": F.abs, "__getitem__": F.getitem,
    "__eq__": F.eq, "__ne__": F.ne, "__lt__": F.lt, "__le__": F.le, "__gt__": F.gt, "__ge__": F.ge,
    "__invert__": F.logical_not, "__and__": F.logical_and, "__or__": F.logical_or,
    "add": F.add, "sub": F.sub, "mul": F.mul, "div": F.div, "pow": F.pow, "neg": F.neg, "abs": F.abs,
    "exp": F.exp, "log": F.log, "sqrt": F.sqrt, "tanh": F.tanh, "sigmoid": F.sigmoid, "relu": F.relu,
    "clamp": F.clamp, "clip": F.clamp, "maximum": F.maximum, "minimum": F.minimum, "matmul": F.matmul,
    "mm": F.mm, "bmm": F.bmm, "eq": F.eq, "ne": F.ne, "lt": F.lt, "le": F.le, "gt": F.gt, "ge": F.ge,
    "isnan": F.isnan,
    "isfinite": F.isfinite, "logical_not": F.logical_not,
    # reductions
    "sum": F.sum, "mean": F.mean, "var": F.var, "std": F.std, "max": F.max, "min": F.min, "amax": F.amax,
    "amin": F.amin, "argmax": F.argmax, "argmin": F.argmin, "logsumexp": F.logsumexp,
    "softmax": F.softmax, "log_softmax": F.log_softmax,
    # shape
    "reshape": F.reshape, "view": F.view, "flatten": F.flatten, "unflatten": F.unflatten,
    "squeeze": F.squeeze, "unsqueeze": F.unsqueeze, "permute": F.permute, "transpose": F.transpose,
    "t": F.t, "expand": F.expand, "expand_as": F.expand_as, "repeat": F.repeat, "split": F.split,
    "chunk": F.chunk, "clone": F.clone, "allclose": F.allclose, "equal": F.equal,
}


def _where(self, condition, other):
    """``x.where(cond, y)``: x where cond holds, else y (as ``mt.where(cond, x, y)``)."""
    return F.where(condition, self, other)


def _view_as(self, other):
    return F.reshape(self, other.shape)


def _reshape_as(self, other):
    return F.reshape(self, other.shape)


def _size(self, dim=None):
    """``x.size()``: the shape; ``x.size(dim)``: one of its sizes."""
    if dim is None:
        return Size(self._data.shape)
    return self._data.shape[normalize_dim(dim, self._data.ndim, "size")]


def _stride(self, dim=None):
    """``x.stride()``: per dim, how many elements apart its neighbours are in memory; ``x.stride(dim)``: one."""
    strides = tuple(s // self._data.itemsize for s in self._data.strides)
    return strides if dim is None else strides[normalize_dim(dim, self._data.ndim, "stride")]


def _to(self, *args, copy=False, memory_format=None, **kwargs):
    """``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other_tensor)``; ``memory_format=``
    lays the result out as ``mt.channels_last`` / ``mt.contiguous_format`` (see ``layout.py``)."""
    unexpected = sorted(set(kwargs) - {"device", "dtype", "non_blocking"})
    if unexpected:
        raise TypeError(f"to() got unexpected keyword arguments {unexpected}")
    device, dtype = parse_to(*args, **kwargs)
    out = self
    if dtype is not None and dtype != self.dtype:
        out = F.cast(out, dtype)
    if device is not None and backend.as_device(device) != out.device:
        out = F.to_device(out, backend.as_device(device))
    if format_name(memory_format) not in (None, "preserve_format"):
        out = _contiguous(out, memory_format)
    if copy and out is self:
        out = self.clone()
    return out


def _contiguous(self, memory_format=None):
    """The same values laid out as ``memory_format`` (default: C order); itself when it already is."""
    if _is_contiguous(self, memory_format):
        return self
    return F.contiguous(self, memory_format)


def _is_contiguous(self, memory_format=None):
    """Whether the memory is laid out as ``memory_format`` (default: C order), PyTorch's rule."""
    if format_name(memory_format) == "channels_last":
        return is_channels_last(self._data)
    return bool(self._data.flags.c_contiguous)


def _backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """d(self)/d(leaf) accumulated into every leaf's ``.grad`` (see ``autograd.backward``)."""
    autograd.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)


def _new_zeros(self, *size, dtype=None, device=None):
    return zeros(*size, dtype=dtype or self.dtype, device=device or self.device)


def _new_ones(self, *size, dtype=None, device=None):
    return ones(*size, dtype=dtype or self.dtype, device=device or self.device)


def _new_tensor(self, data, dtype=None, device=None):
    return tensor(data, dtype=dtype or self.dtype, device=device or self.device)


_METHODS.update({"size": _size, "stride": _stride, "to": _to, "contiguous": _contiguous, "is_contiguous": _is_contiguous, "backward": _backward, "where": _where, "view_as": _view_as, "reshape_as": _reshape_as, "new_zeros": _new_zeros,
                 "new_ones": _new_ones, "new_tensor": _new_tensor})

# the in-place ops and hooks (the tables above and below take precedence, as they did over the class's own)
_METHODS = {**INPLACE_METHODS, **_METHODS}
# pointwise math, reductions, orderings, indexing and their in-place forms (one more table)
_METHODS.update(math_methods())
_METHODS.update(fast_operators(_METHODS))


def install_tensor_methods():
    """Attach every method of ``_METHODS`` to Tensor (called once, last, by the package's ``__init__``)."""
    for name, fn in _METHODS.items():
        setattr(Tensor, name, fn)
    Tensor.__hash__ = object.__hash__  # __eq__ is elementwise; tensors hash by identity, as in PyTorch
