"""Tensor's math methods: each one line that calls the public function in ``functions.py``."""
from . import functions as F
from .tensor import Tensor


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
    "sign": F.sign, "floor": F.floor, "ceil": F.ceil, "round": F.round, "isnan": F.isnan,
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

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)


def _where(self, condition, other):
    """``x.where(cond, y)``: x where cond holds, else y (as ``mt.where(cond, x, y)``)."""
    return F.where(condition, self, other)


def _view_as(self, other):
    return F.reshape(self, other.shape)


def _reshape_as(self, other):
    return F.reshape(self, other.shape)


def _new_zeros(self, *size, dtype=None, device=None):
    from .creation import zeros

    return zeros(*size, dtype=dtype or self.dtype, device=device or self.device)


def _new_ones(self, *size, dtype=None, device=None):
    from .creation import ones

    return ones(*size, dtype=dtype or self.dtype, device=device or self.device)


def _new_tensor(self, data, dtype=None, device=None):
    from .creation import tensor

    return tensor(data, dtype=dtype or self.dtype, device=device or self.device)


Tensor.where = _where
Tensor.view_as = _view_as
Tensor.reshape_as = _reshape_as
Tensor.new_zeros = _new_zeros
Tensor.new_ones = _new_ones
Tensor.new_tensor = _new_tensor
Tensor.__hash__ = object.__hash__  # __eq__ is elementwise; tensors hash by identity, as in PyTorch
