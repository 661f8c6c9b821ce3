"""The only module that knows NumPy from CuPy.

Op code never imports cupy: it asks ``get_array_module(array)`` for the array
module of its data, so one code path serves both backends.
"""
import numpy as np

try:  # CuPy is optional: without it everything runs on NumPy.
    import cupy as _cupy
except Exception:  # ImportError, or a CUDA driver problem at import time
    _cupy = None


CUPY_INSTALL_HINT = (
    "CUDA support needs CuPy: pip install 'minitorch_cnn[cuda]' or the wheel that matches your "
    "CUDA toolkit (cupy-cuda12x for CUDA 12.x, cupy-cuda13x for CUDA 13.x)"
)


def cupy_available():
    """True when CuPy imports and sees at least one GPU."""
    if _cupy is None:
        return False
    try:
        return _cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def cuda_device_count():
    return _cupy.cuda.runtime.getDeviceCount() if cupy_available() else 0


class Device:
    """A place where arrays live: ``device(type='cpu')`` or ``device(type='cuda', index=0)``."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, Device):
            type, index = type.type, type.index
        elif isinstance(type, str) and ":" in type:
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise ValueError(f"Invalid device string: '{type}:{idx}'")
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise ValueError(f"Expected one of cpu, cuda device type at start of device string: {type}")
        if type == "cpu":
            index = None
        elif index is None:
            index = 0
        self.type = type
        self.index = index

    def __eq__(self, other):
        if isinstance(other, str):
            other = Device(other)
        return isinstance(other, Device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"


CPU = Device("cpu")


def as_device(spec):
    """Normalise ``None``/str/int/Device to a Device (None means CPU)."""
    if spec is None:
        return CPU
    if isinstance(spec, Device):
        return spec
    if isinstance(spec, int):
        return Device("cuda", spec)
    return Device(spec)


def get_array_module(*arrays):
    """numpy or cupy, whichever owns the arrays (numpy for Python scalars)."""
    if _cupy is not None:
        for a in arrays:
            if isinstance(a, _cupy.ndarray):
                return _cupy
    return np


def is_array(obj):
    return isinstance(obj, np.ndarray) or (_cupy is not None and isinstance(obj, _cupy.ndarray))


def device_of(array):
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return Device("cuda", array.device.id)
    return CPU


def array_module_for(device):
    """The array module that stores data on ``device``; a clear error when CUDA is missing."""
    device = as_device(device)
    if device.type == "cpu":
        return np
    if _cupy is None:
        raise RuntimeError(f"device '{device}' requested but CuPy is not installed. {CUPY_INSTALL_HINT}")
    if not cupy_available():
        raise RuntimeError(f"device '{device}' requested but no CUDA GPU is visible to CuPy")
    return _cupy


def to_device(array, device):
    """Copy ``array`` to ``device`` (no copy when it is already there)."""
    device = as_device(device)
    if device_of(array) == device:
        return array
    if device.type == "cpu":
        return _cupy.asnumpy(array)
    xp = array_module_for(device)
    with xp.cuda.Device(device.index):
        return xp.asarray(array)


def device_context(device):
    """Context manager that makes ``device`` current for array creation."""
    device = as_device(device)
    if device.type == "cuda":
        array_module_for(device)
        return _cupy.cuda.Device(device.index)
    import contextlib

    return contextlib.nullcontext()


def cupy_module():
    """The cupy module itself, for the CUDA-only parts (``mt.cuda``); None when absent."""
    return _cupy


def scatter_add(target, index, values):
    """target[index] += values, accumulating repeated indices (unbuffered)."""
    xp = get_array_module(target)
    if hasattr(xp.add, "at"):  # NumPy, and CuPy >= 13 (which deprecates cupyx.scatter_add)
        xp.add.at(target, index, values)
    else:
        import cupyx

        cupyx.scatter_add(target, index, values)
    return target
