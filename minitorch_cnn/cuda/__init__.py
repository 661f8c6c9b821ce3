"""``mt.cuda``: the GPU side, named like ``torch.cuda``.

Everything here answers sensibly without a GPU (``is_available()`` is False, counts and
memory are 0, seeding is a no-op); what needs a GPU raises a RuntimeError saying how to get
one working.
"""
from .. import backend
from .graphs import CUDAGraph, graph, make_graphed_step
from .memory import (OutOfMemoryError, empty_cache, max_memory_allocated, memory_allocated, memory_reserved,
                     reset_peak_memory_stats)

cp = backend.cupy_module()


def is_available():
    """True when CuPy is installed and sees a GPU."""
    return backend.cupy_available()


def device_count():
    return backend.cuda_device_count()


def _require():
    backend.array_module_for("cuda")  # raises the install / no-GPU RuntimeError


def _index(device):
    if device is None:
        return current_device()
    if isinstance(device, int):
        return device
    device = backend.as_device(device)
    if device.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {device}")
    return device.index


def current_device():
    """Index of the GPU that new CUDA tensors go to by default."""
    _require()
    return cp.cuda.runtime.getDevice()


def set_device(device):
    """Make ``device`` (an index, 'cuda:N' or mt.device) the current GPU."""
    _require()
    cp.cuda.runtime.setDevice(_index(device))


class device:
    """Context manager that makes a GPU current for its body (``torch.cuda.device``)."""

    def __init__(self, device):
        self.index = _index(device)

    def __enter__(self):
        _require()
        self._previous = cp.cuda.runtime.getDevice()
        cp.cuda.runtime.setDevice(self.index)

    def __exit__(self, *exc):
        cp.cuda.runtime.setDevice(self._previous)
        return False


def get_device_name(device=None):
    _require()
    name = cp.cuda.runtime.getDeviceProperties(_index(device))["name"]
    return name.decode() if isinstance(name, bytes) else name


def get_device_capability(device=None):
    _require()
    properties = cp.cuda.runtime.getDeviceProperties(_index(device))
    return properties["major"], properties["minor"]


def synchronize(device=None):
    """Wait until every kernel queued on the GPU has finished (for timing, before reading clocks)."""
    _require()
    with cp.cuda.Device(_index(device)):
        cp.cuda.Device().synchronize()


def is_current_stream_capturing():
    """True while a CUDA graph is being captured on the current stream.

    Ops use it to skip checks that read values back to the host (``.item()``), which a capture
    cannot hold; the checks still run on the eager warm-up steps.
    """
    if not is_available():
        return False
    try:
        return bool(cp.cuda.get_current_stream().is_capturing())
    except Exception:  # querying the legacy default stream during another stream's capture can fail
        return False


def manual_seed(seed):
    """Seed the random numbers drawn on the current GPU (a no-op without one, like PyTorch)."""
    if is_available():
        _seed_device(current_device(), seed)


def manual_seed_all(seed):
    """Seed the random numbers drawn on every GPU."""
    for index in range(device_count()):
        _seed_device(index, seed)


def _seed_device(index, seed):
    # mt.random keeps one bit stream per device in default_generator; replace this device's stream.
    from ..random import default_generator

    with cp.cuda.Device(index):
        default_generator._rngs[backend.Device("cuda", index)] = cp.random.default_rng(int(seed))


if backend.cupy_available():
    from . import memory as _memory

    _memory.install()

__all__ = [
    "is_available", "device_count", "current_device", "set_device", "device", "get_device_name",
    "get_device_capability", "synchronize", "manual_seed", "manual_seed_all", "memory_allocated",
    "memory_reserved", "max_memory_allocated", "reset_peak_memory_stats", "empty_cache", "OutOfMemoryError",
    "CUDAGraph", "graph", "make_graphed_step", "is_current_stream_capturing",
]
