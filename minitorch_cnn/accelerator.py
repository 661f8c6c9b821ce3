"""``mt.accelerator``: the device-agnostic questions current PyTorch examples ask first.

``mt.accelerator.is_available()`` is True when a CUDA GPU (with CuPy) is usable; then
``current_accelerator()`` is ``device('cuda')``. On a machine without one every call answers
without error (False, None, 0), so ``device = mt.accelerator.current_accelerator() if
mt.accelerator.is_available() else "cpu"`` picks the CPU.
"""
from . import backend
from .backend import Device

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index", "set_device_index",
           "synchronize"]


def is_available():
    """True when an accelerator (a CUDA GPU that CuPy can use) is present."""
    return backend.cupy_available()


def device_count():
    """The number of accelerators (GPUs); 0 without one."""
    return backend.cuda_device_count() if backend.cupy_available() else 0


def current_accelerator(check_available=False):
    """``device('cuda')`` when a GPU is usable, else None (PyTorch also answers None on a CPU-only build)."""
    if backend.cupy_available():
        return Device("cuda")
    return None


def current_device_index():
    """The index of the current GPU; -1 without an accelerator (as PyTorch)."""
    if not backend.cupy_available():
        return -1
    from . import cuda

    return cuda.current_device()


current_device_idx = current_device_index


def set_device_index(device):
    """Make GPU ``device`` current (a no-op without an accelerator)."""
    if backend.cupy_available():
        from . import cuda

        cuda.set_device(device)


set_device_idx = set_device_index


def synchronize(device=None):
    """Wait for the accelerator's queued work to finish (nothing to wait for on the CPU)."""
    if backend.cupy_available():
        from . import cuda

        cuda.synchronize(device)
