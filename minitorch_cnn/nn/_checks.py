"""PyTorch's dtype rules for the functional API, shared by ``functional`` and its siblings: which ops
take only floating inputs (and the kernel name PyTorch's refusal names), and how a Python number
argument becomes the integer an integer input is compared or clamped with."""
import builtins
import math
import os

import numpy as np

from .. import functions as T
from ..dtypes import from_numpy_dtype
from ..ops.im2col import pair
from ..tensor import _CPP_TYPE_NAMES, Tensor


def floating_only(op, kernel, *tensors):
    """Refuse integer and bool input as PyTorch's CPU kernel ``kernel`` does (NotImplementedError)."""
    for t in tensors:
        if t is not None and not t.dtype.is_floating_point:
            raise NotImplementedError(f"{op}: \"{kernel}\" not implemented for '{t.dtype.scalar_name}'")


def no_bool(op, x, message):
    """Refuse bool input with PyTorch's RuntimeError text ``message``."""
    if x.dtype.name == "bool":
        raise RuntimeError(f"{op}: {message}")


def scalar_for(op, x, value):
    """``value`` as x's type sees it: an integer input takes it truncated toward zero, refusing what
    int64 cannot hold (NaN, inf, |v| >= 2**63) with PyTorch's message; half precision refuses a finite
    number that rounds to inf; float32 and float64 take it as it is."""
    if x.dtype.name == "float16" and math.isfinite(value) and not math.isfinite(float(np.float16(value))):
        raise RuntimeError(f"{op}: value cannot be converted to type c10::Half without overflow")
    if x.dtype.is_floating_point:
        return value
    if not math.isfinite(value) or not -2.0 ** 63 <= value < 2.0 ** 63:
        raise RuntimeError(f"{op}: value cannot be converted to type int64_t without overflow")
    return int(value)


def _name(np_dtype):
    return from_numpy_dtype(np_dtype).scalar_name


def loss_dtypes(op, kernel, input, target, into_input=False):
    """PyTorch's dtype rules of a pointwise loss kernel: two non-floating tensors have no kernel
    (NotImplementedError naming their common type); ``into_input``: the result is written in input's
    dtype, which a common type of another kind (float into int, int into bool) is not cast to."""
    a, b = input._data.dtype, target._data.dtype
    # PyTorch's promotion: a float meets an integer or bool as that float (NumPy would widen int64 + float32)
    common = a if a.kind == "f" and b.kind != "f" else b if b.kind == "f" and a.kind != "f" else np.promote_types(a, b)
    if into_input and not np.can_cast(common, input._data.dtype, "same_kind"):
        raise RuntimeError(f"{op}: result type {_name(common)} can't be cast to the desired output type "
                           f"{input.dtype.scalar_name}")
    if common.kind not in "fc":
        raise NotImplementedError(f"{op}: \"{kernel}\" not implemented for '{_name(common)}'")


def broadcast(op, a, b):
    """The broadcast shape of shapes ``a`` and ``b``, or PyTorch's message naming them tensors a and b."""
    a, b = tuple(a), tuple(b)
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        T._raise_broadcast_error(op, a, b)
        raise


def broadcast_into(op, out, other):
    """PyTorch's in-place broadcast: ``other`` must broadcast with ``out`` and not widen it."""
    both = broadcast(op, out, other)
    if both != tuple(out):
        raise RuntimeError(f"{op}: output with shape {list(out)} doesn't match the broadcast shape {list(both)}")


# ---- argument checks and sizes, and PyTorch's C++ dtype names, as the functional messages use them
def _check_tensor(op, name, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")


def _batched(op, x, what="(unbatched) or 4D (batched)"):
    """(C, H, W) -> (1, C, H, W) and a flag to squeeze the result back, as PyTorch accepts unbatched input."""
    _check_tensor(op, "input", x)
    if x.ndim not in (3, 4):
        raise RuntimeError(f"{op}: Expected 3D {what} input, but got input of size: {list(x.shape)}")
    return (T.unsqueeze(x, 0), True) if x.ndim == 3 else (x, False)


def _unbatch(out, squeeze):
    return T.squeeze(out, 0) if squeeze else out


def _pair_of_ints(op, name, value):
    value = pair(value)
    if len(value) == 1:
        value = value * 2
    if len(value) != 2 or not builtins.all(isinstance(v, (int, np.integer)) for v in value):
        raise TypeError(f"{op}(): argument '{name}' must be an int or a tuple of two ints, got {value!r}")
    return tuple(int(v) for v in value)


def _memory_bytes():
    """The machine's physical memory (1 TiB where the OS does not say): no result larger than it can be made."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 1 << 40


def _check_output_size(op, shape, dtype):
    """Refuse an output too large to allocate, with PyTorch's allocator message, before building anything."""
    nbytes = math.prod(shape) * np.dtype(dtype).itemsize
    if nbytes >= _memory_bytes():
        raise RuntimeError(f"{op}: DefaultCPUAllocator: can't allocate memory: you tried to allocate {nbytes} bytes "
                           f"(output of size {list(shape)})")


def _cpp_name(t):
    """PyTorch's C++ name of a tensor's dtype, as some of its messages print it."""
    return _CPP_TYPE_NAMES[t.dtype.name]
