"""The Tensor methods of the pointwise math, reductions, orderings and indexing functions, and their
in-place forms (``x.sin_()``, ``x.masked_fill_(mask, 0)``), as one table for ``tensor_methods.py``.

An in-place method computes the out-of-place result and writes it into the tensor's own array,
with PyTorch's checks: it may not change the dtype's kind (a float result into an integer tensor)
or the shape (a result that broadcasts bigger). On a tensor in the autograd graph the op is
recorded and the tensor takes the result's place in the graph (the engine's in-place rule).
"""
import numpy as np

from . import backend
from . import functions as F
from . import indexing_functions as I
from . import pointwise_functions as P
from . import reduction_functions as R
from .autograd.grad_mode import no_grad
from .tensor import Tensor

_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2}


def write_in_place(self, result, op):
    """``self``'s array overwritten by ``result``'s (same shape; the dtype may only narrow within its kind)."""
    if _KIND_RANK[result._data.dtype.kind] > _KIND_RANK[self._data.dtype.kind]:
        raise RuntimeError(f"result type {result.dtype.scalar_name} can't be cast to the desired output type "
                           f"{self.dtype.scalar_name}")
    if tuple(result.shape) != tuple(self.shape):
        raise RuntimeError(f"{op}: output with shape {list(self.shape)} doesn't match the broadcast shape "
                           f"{list(result.shape)}")
    backend.get_array_module(self._data).copyto(self._data, result._data, casting="unsafe")
    self._bump()
    return self


def _in_place(name, fn):
    """``x.<name>(...)``: ``fn(x, ...)`` written into x."""

    def method(self, *args, **kwargs):
        if self._check_inplace(name, *args, *kwargs.values()):  # in the graph: recorded (PyTorch's rule)
            return self._become(fn(self, *args, **kwargs), name)
        with no_grad():
            result = fn(self, *args, **kwargs)
        return write_in_place(self, result, name)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place ``{fn.__name__}``: the result is written into this tensor, which is returned."
    return method


def _format(self, format_spec):
    """``f"{loss:.4f}"``: a 0-d tensor formats as its Python number; others only with an empty spec
    (PyTorch's rule: ``f"{t:.2f}"`` on a tensor with dims raises TypeError)."""
    if self._data.ndim == 0:
        return self.item().__format__(format_spec)
    return object.__format__(self, format_spec)


def _ndimension(self):
    return self._data.ndim


def _type_as(self, other):
    """This tensor converted to ``other``'s dtype."""
    return self.to(other.dtype)


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    from .creation import full

    return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def _new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    from .creation import empty

    return empty(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def _reflected(fn):
    return lambda self, other: fn(other, self)


def _masked_fill(self, mask, value):
    return I.masked_fill(self, mask, value)


def _scatter_method(self, dim, index, src=None, *, value=None, reduce=None):
    if src is not None and not isinstance(src, Tensor):  # x.scatter_(1, idx, 1.0): a number as src
        src, value = None, src
    return I.scatter(self, dim, index, src, value=value, reduce=reduce)


def _diagonal(self, offset=0, dim1=0, dim2=1):
    return I.diagonal_of(self, offset, dim1, dim2)


def _fill_diagonal(self, fill_value, wrap=False):
    """Set the main diagonal (i, i, ...) to ``fill_value``."""
    xp = backend.get_array_module(self._data)
    n = min(self.shape)
    mask = xp.zeros(self.shape, dtype=bool)
    mask[(xp.arange(n),) * self.ndim] = True
    if wrap and self.ndim == 2 and self.shape[0] > self.shape[1] + 1:
        rows = xp.arange(self.shape[0])
        keep = rows % (self.shape[1] + 1) < self.shape[1]
        mask = xp.zeros(self.shape, dtype=bool)
        mask[rows[keep], (rows % (self.shape[1] + 1))[keep]] = True
    return I.masked_fill(self, Tensor._from_op(mask, None), fill_value)


def _shape_change_allowed(self, op):
    """An in-place shape change is fine outside the graph; on a graph tensor it is refused (the graph
    would need a view node that minitorch_cnn does not record)."""
    if self._check_inplace(op):
        raise RuntimeError(f"{op}: an in-place shape change of a tensor that is part of the autograd graph is not "
                           f"supported by minitorch_cnn; use the out-of-place {op[:-1]}()")


def _unsqueeze_(self, dim):
    """Insert a size-1 dim at ``dim``, in place."""
    _shape_change_allowed(self, "unsqueeze_")
    self._data = F.unsqueeze(self.detach(), dim)._data
    return self._bump()


def _squeeze_(self, dim=None):
    """Remove size-1 dims (only ``dim`` when given), in place."""
    _shape_change_allowed(self, "squeeze_")
    self._data = F.squeeze(self.detach(), dim)._data
    return self._bump()


def _transpose_(self, dim0, dim1):
    """Swap two dims, in place."""
    _shape_change_allowed(self, "transpose_")
    self._data = F.transpose(self.detach(), dim0, dim1)._data
    return self._bump()


def _t_(self):
    """Transpose a matrix (or leave a 0-d / 1-D tensor as it is), in place."""
    _shape_change_allowed(self, "t_")
    self._data = F.t(self.detach())._data
    return self._bump()


def _resize_(self, *sizes, memory_format=None):
    """Give the tensor the shape ``sizes``: the leading elements are kept (in order), new ones are
    uninitialised, as PyTorch's storage-level resize."""
    _shape_change_allowed(self, "resize_")
    shape = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else tuple(sizes)
    xp = backend.get_array_module(self._data)
    new = xp.empty(shape, dtype=self._data.dtype)
    keep = min(new.size, self._data.size)
    new.reshape(-1)[:keep] = self._data.reshape(-1)[:keep]
    self._data = new
    return self._bump()


def _random_(self, from_=0, to=None, *, generator=None):
    """Integers drawn uniformly from [from, to - 1] (``random_(to)``: [0, to - 1]), stored in this tensor."""
    from .random import randint_array

    if to is None:
        if from_ == 0:  # PyTorch's default range: every integer the dtype's mantissa represents exactly
            to = 2 ** 24 if self._data.dtype == np.float32 else 2 ** 53 if self._data.dtype.kind == "f" else (
                np.iinfo(self._data.dtype).max)
        else:
            from_, to = 0, from_
    draw = randint_array(int(from_), int(to), self._data.shape, self.device, generator)
    return self._fill_random("random_", draw.astype(self._data.dtype))


def _exponential_(self, lambd=1.0, *, generator=None):
    """Exponential samples with rate ``lambd`` (inverse transform: -log(1 - U) / lambd)."""
    from .random import uniform_array

    u = uniform_array(self._data.shape, 0.0, 1.0, np.float64, self.device, generator)
    xp = backend.get_array_module(self._data)
    return self._fill_random("exponential_", (-xp.log1p(-u) / lambd).astype(self._data.dtype))


def _apply_(self, callable_):
    """Replace each element x by ``callable_(x)`` (a Python function; slow, CPU only, as in PyTorch)."""
    if self.device.type != "cpu":
        raise TypeError("apply_ is only implemented on CPU tensors")
    values = np.array([callable_(v) for v in self._data.reshape(-1).tolist()]).reshape(self._data.shape)
    return self._fill_random("apply_", values.astype(self._data.dtype))


def _get_device(self):
    """The GPU index, or -1 for a CPU tensor (as PyTorch)."""
    return -1 if self.device.type == "cpu" else self.device.index


def _relu(self):
    return F.relu(self)


def _pow_method(self, exponent):
    return F.pow(self, exponent)


def math_methods():
    """name -> function, for every method this module provides."""
    methods = {
        # pointwise math
        "sin": P.sin, "cos": P.cos, "tan": P.tan, "asin": P.asin, "acos": P.acos, "atan": P.atan,
        "arcsin": P.asin, "arccos": P.acos, "arctan": P.atan, "sinh": P.sinh, "cosh": P.cosh,
        "asinh": P.asinh, "acosh": P.acosh, "atanh": P.atanh, "arcsinh": P.asinh, "arccosh": P.acosh,
        "arctanh": P.atanh, "erf": P.erf, "erfc": P.erfc, "erfinv": P.erfinv, "expm1": P.expm1,
        "log1p": P.log1p, "log2": P.log2, "log10": P.log10, "exp2": P.exp2, "reciprocal": P.reciprocal,
        "rsqrt": P.rsqrt, "frac": P.frac, "square": P.square, "floor": P.floor, "ceil": P.ceil,
        "trunc": P.trunc, "fix": P.trunc, "sign": P.sign, "sgn": P.sgn, "round": P.round,
        "atan2": P.atan2, "arctan2": P.atan2, "hypot": P.hypot, "remainder": P.remainder, "fmod": P.fmod,
        "fmax": P.fmax, "fmin": P.fmin, "lerp": P.lerp, "clamp_min": P.clamp_min, "clamp_max": P.clamp_max,
        "nan_to_num": P.nan_to_num, "isinf": P.isinf, "isposinf": P.isposinf, "isneginf": P.isneginf,
        "isreal": P.isreal, "logical_and": F.logical_and, "logical_or": F.logical_or,
        "logical_xor": P.logical_xor, "bitwise_and": P.bitwise_and, "bitwise_or": P.bitwise_or,
        "bitwise_xor": P.bitwise_xor, "bitwise_not": P.bitwise_not, "isclose": P.isclose,
        "logaddexp": P.logaddexp, "deg2rad": P.deg2rad, "rad2deg": P.rad2deg, "absolute": P.absolute,
        "negative": P.negative, "multiply": P.multiply, "subtract": P.subtract, "divide": P.divide,
        "true_divide": F.div, "floor_divide": P.floor_divide, "greater": P.greater,
        "greater_equal": P.greater_equal, "less": P.less, "less_equal": P.less_equal, "not_equal": P.not_equal,
        "__mod__": P.remainder, "__rmod__": _reflected(P.remainder), "__floordiv__": P.floor_divide,
        "__rfloordiv__": _reflected(P.floor_divide), "__xor__": P.logical_xor,
        "__format__": _format,
        # reductions and orderings
        "prod": R.prod, "any": R.any, "all": R.all, "count_nonzero": R.count_nonzero, "cumsum": R.cumsum,
        "cumprod": R.cumprod, "norm": R.norm, "sort": R.sort, "argsort": R.argsort, "topk": R.topk,
        "kthvalue": R.kthvalue, "median": R.median, "aminmax": R.aminmax, "unique": R.unique,
        "bincount": R.bincount, "histc": R.histc,
        # indexing, rearranging and products
        "gather": I.gather, "take_along_dim": I.take_along_dim, "index_select": I.index_select,
        "masked_select": I.masked_select, "masked_fill": _masked_fill, "nonzero": I.nonzero,
        "argwhere": I.argwhere, "flip": I.flip, "fliplr": I.fliplr, "flipud": I.flipud, "roll": I.roll,
        "narrow": I.narrow, "select": I.select, "unbind": I.unbind, "movedim": I.movedim,
        "moveaxis": I.movedim, "swapaxes": I.swapaxes, "swapdims": I.swapaxes, "broadcast_to": I.broadcast_to,
        "tile": I.tile, "repeat_interleave": I.repeat_interleave, "tril": I.tril, "triu": I.triu,
        "diag": I.diag, "diagonal": _diagonal, "trace": I.trace, "outer": I.outer, "ger": I.outer,
        "dot": I.dot, "inner": I.dot, "mv": I.mv, "addmm": I.addmm, "addmv": I.addmv, "baddbmm": I.baddbmm,
        "addcmul": I.addcmul, "addcdiv": I.addcdiv, "cross": I.cross, "kron": I.kron,
        "scatter": _scatter_method, "scatter_add": I.scatter_add, "index_add": I.index_add,
        "index_fill": I.index_fill,
        # small conveniences
        "ndimension": _ndimension, "type_as": _type_as, "new_full": _new_full, "new_empty": _new_empty,
    }
    in_place = {
        name + "_": fn for name, fn in methods.items()
        if name in ("sin cos tan asin acos atan arcsin arccos arctan sinh cosh asinh acosh atanh arcsinh "
                    "arccosh arctanh erf erfc erfinv expm1 log1p log2 log10 exp2 reciprocal rsqrt frac square "
                    "floor ceil trunc fix sign sgn round atan2 arctan2 hypot remainder fmod clamp_min clamp_max "
                    "nan_to_num logical_and logical_or logical_xor bitwise_and bitwise_or bitwise_xor bitwise_not "
                    "true_divide floor_divide masked_fill scatter scatter_add index_add index_fill tril triu "
                    "absolute negative multiply subtract divide").split()
    }
    in_place.update({"exp_": F.exp, "log_": F.log, "abs_": F.abs, "neg_": F.neg, "sigmoid_": F.sigmoid,
                     "tanh_": F.tanh, "relu_": _relu, "pow_": _pow_method, "clip_": F.clamp,
                     "logical_not_": F.logical_not, "fill_diagonal_": _fill_diagonal})
    methods.update({"unsqueeze_": _unsqueeze_, "squeeze_": _squeeze_, "transpose_": _transpose_, "t_": _t_,
                    "swapaxes_": _transpose_, "resize_": _resize_, "random_": _random_,
                    "exponential_": _exponential_, "apply_": _apply_, "get_device": _get_device})
    # (the in-place ops that tensor.py defines itself, such as add_ or clamp_, stay its own)
    methods.update({name: _in_place(name, fn) for name, fn in in_place.items() if name not in vars(Tensor)})
    return methods


def fast_operators(methods):
    """Methods and operators (``x.sum()``, ``a + b``) call the functions without their ``out=`` wrapper:
    PyTorch's methods take no ``out=``, and the common path stays one call shorter."""
    return {name: fn.without_out for name, fn in methods.items() if hasattr(fn, "without_out")}

