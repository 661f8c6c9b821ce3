"""Math for backward formulas that works on raw arrays and on Tensors alike.

Each op's ``backward`` is written once. In first-order training it runs on raw
arrays (no Tensor, no graph: as fast as plain NumPy/CuPy). Under
``create_graph=True`` the engine hands it Tensors instead (the incoming gradient
and the saved inputs/outputs), and the same formula then records a graph that can
be differentiated again. Python's operators (``+ - * / ** @``, indexing) already
work on both; the helpers here cover the rest with one spelling, calling the op's
``Function`` on Tensors so that it is differentiable.

``value(x)`` is the raw array behind either: use it for masks and other
piecewise-constant factors, whose derivative is zero.
"""
import math

import numpy as np

from ..backend import get_array_module
from ..dtypes import from_numpy_dtype
from ..tensor import Tensor

# The op Functions these helpers record with on Tensors. The op modules register theirs when they
# load (they import this module, so this module cannot import them).
FUNCTIONS = {}


def register(*functions):
    """Make the Function classes ``functions`` available to the helpers below, by class name."""
    for function in functions:
        FUNCTIONS[function.__name__] = function


def is_graph(x):
    """True for a Tensor (a recorded backward), False for a raw array or a number."""
    return isinstance(x, Tensor)


def value(x):
    """The raw array (or number) behind ``x``: a constant for the recorded graph."""
    return x._data if isinstance(x, Tensor) else x


def apply(fn, *args):
    """``fn`` on the arguments: recorded (``fn(*args)``) when any is a Tensor, else ``fn.forward``."""
    for a in args:
        if isinstance(a, Tensor):
            return fn(*args)
    return fn.forward(*args)


def shape(x):
    return tuple(getattr(x, "shape", ()))


def reshape(x, shape_):
    if not isinstance(x, Tensor):
        return x.reshape(shape_)
    return FUNCTIONS["Reshape"](tuple(shape_))(x)


def sum(x, axis, keepdims=False):
    """Sum over the tuple of axes ``axis``."""
    if not isinstance(x, Tensor):
        return x.sum(axis=axis, keepdims=keepdims)
    return FUNCTIONS["Sum"](tuple(sorted(a % x.ndim for a in axis)), keepdims)(x)


def mean(x, axis, keepdims=False):
    if not isinstance(x, Tensor):
        return x.mean(axis=axis, keepdims=keepdims)
    return FUNCTIONS["Mean"](tuple(sorted(a % x.ndim for a in axis)), keepdims)(x)


def broadcast_to(x, shape_):
    if not isinstance(x, Tensor):
        return get_array_module(x).broadcast_to(x, shape_)
    return FUNCTIONS["Expand"](tuple(shape_))(x)


def transpose(x, axes):
    if not isinstance(x, Tensor):
        return x.transpose(axes)
    return FUNCTIONS["Permute"](tuple(a % x.ndim for a in axes))(x)


def swapaxes(x, a, b):
    if not isinstance(x, Tensor):
        return x.swapaxes(a, b)
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return transpose(x, axes)


def exp(x):
    if isinstance(x, (int, float)):
        return math.exp(x)  # a Python number stays one (weakly typed: no float64 promotion)
    if not isinstance(x, Tensor):
        return get_array_module(x).exp(x)
    return FUNCTIONS["Exp"]()(x)


def log(x):
    if isinstance(x, (int, float)):
        return math.log(x) if x > 0 else (float("-inf") if x == 0 else float("nan"))
    if not isinstance(x, Tensor):
        return get_array_module(x).log(x)
    return FUNCTIONS["Log"]()(x)


def log1p(x):
    if not isinstance(x, Tensor):
        return get_array_module(x).log1p(x)
    return FUNCTIONS["Log1p"]()(x)


def where(cond, a, b):
    """``a`` where the constant mask ``cond`` holds, else ``b`` (numbers keep the other side's dtype)."""
    cond = value(cond)
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return FUNCTIONS["Where"]()(cond, a, b)
    xp = get_array_module(cond, a, b)
    dtype = getattr(a, "dtype", None) or getattr(b, "dtype", None)
    if dtype is None or dtype.kind != "f":
        return xp.where(cond, a, b)
    if not hasattr(a, "dtype"):
        a = xp.asarray(a, dtype=dtype)
    if not hasattr(b, "dtype"):
        b = xp.asarray(b, dtype=dtype)
    return xp.where(cond, a, b)


def astype(x, dtype):
    """A float cast; on Tensors only when needed (a recorded cast)."""
    if isinstance(x, Tensor):
        if x._data.dtype == dtype:
            return x
        return FUNCTIONS["Cast"](from_numpy_dtype(np.dtype(dtype)))(x)
    return x.astype(dtype, copy=False)
