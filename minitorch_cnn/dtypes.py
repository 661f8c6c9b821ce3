"""Tensor dtypes: thin names over NumPy dtypes (CuPy uses the same ones)."""
import builtins

import numpy as np


class dtype:
    __slots__ = ("name", "scalar_name", "np_dtype", "is_floating_point", "itemsize")

    def __init__(self, name, np_dtype, scalar_name):
        self.name = name
        self.scalar_name = scalar_name  # PyTorch's name in error messages: Float, Long, ...
        self.np_dtype = np.dtype(np_dtype)
        self.is_floating_point = self.np_dtype.kind == "f"
        self.itemsize = self.np_dtype.itemsize

    def __repr__(self):
        return f"minitorch_cnn.{self.name}"

    def __reduce__(self):
        return (as_dtype, (self.name,))


float16 = dtype("float16", np.float16, "Half")
float32 = dtype("float32", np.float32, "Float")
float64 = dtype("float64", np.float64, "Double")
int8 = dtype("int8", np.int8, "Char")
uint8 = dtype("uint8", np.uint8, "Byte")
int16 = dtype("int16", np.int16, "Short")
int32 = dtype("int32", np.int32, "Int")
int64 = dtype("int64", np.int64, "Long")
bool_ = dtype("bool", np.bool_, "Bool")

half, float, double, long, int = float16, float32, float64, int64, int32  # PyTorch's aliases

_ALL = (float16, float32, float64, int8, uint8, int16, int32, int64, bool_)
_BY_NUMPY = {d.np_dtype: d for d in _ALL}
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update(half=float16, float=float32, double=float64, long=int64, int=int32)

_default_float = float32


def get_default_dtype():
    return _default_float


def set_default_dtype(d):
    global _default_float
    d = as_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating-point types are allowed, got {d}")
    _default_float = d


def as_dtype(d):
    """Accept a minitorch dtype, a NumPy dtype/type, a name or a Python type."""
    if isinstance(d, dtype):
        return d
    if d is None:
        return None
    if isinstance(d, str):
        if d.startswith(("minitorch_cnn.", "torch.")):
            d = d.split(".", 1)[1]
        if d in _BY_NAME:
            return _BY_NAME[d]
    if d is builtins.float:
        return _default_float
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool_
    try:
        return _BY_NUMPY[np.dtype(d)]
    except (TypeError, KeyError):
        raise TypeError(f"unsupported dtype: {d!r}") from None


def from_numpy_dtype(np_dtype):
    try:
        return _BY_NUMPY[np_dtype]
    except KeyError:
        raise TypeError(f"unsupported NumPy dtype {np_dtype}; supported: {[d.name for d in _ALL]}") from None
