"""The only module that knows NumPy from CuPy.

Op code never imports cupy: it asks ``get_array_module(array)`` for the array
module of its data, so one code path serves both backends.
"""
import ctypes
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

# Before NumPy loads OpenBLAS: let its idle GEMM workers sleep at once instead of spinning for
# 2^28 cycles (about 0.1 s) after every product. On a 2-core machine that spin holds the core the
# threads of ``parallel_slices`` below need; measured, a ResNet-20 step went from 0.91 s to 0.73 s.
# Read once when OpenBLAS loads: with NumPy imported before minitorch_cnn, set it in the environment.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

import numpy as np  # noqa: E402

try:  # CuPy is optional: without it everything runs on NumPy.
    import cupy as _cupy
except Exception:  # ImportError, or a CUDA driver problem at import time
    _cupy = None



def _reuse_freed_host_memory():
    """Let NumPy's big buffers be reused from step to step instead of page-faulted in anew.

    glibc serves every allocation above 32 MB (an im2col buffer of one ResNet-20 layer at
    batch 128 is 75 MB) with a fresh ``mmap`` and unmaps it on free, so each training step
    page-faults all of its activations in again: measured, that was two thirds of im2col's
    time, and the ResNet-20 step ran 14% faster without it. Serving them from the heap and
    not trimming it keeps freed memory for the next step, like PyTorch's caching allocators.
    Linux/glibc only; ``MINITORCH_MALLOC_TUNING=0`` leaves malloc as it is.
    """
    if os.environ.get("MINITORCH_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return
    M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4
    mallopt(M_MMAP_MAX, 0)
    mallopt(M_TRIM_THRESHOLD, 1 << 30)


_reuse_freed_host_memory()

# ---- CPU threads -------------------------------------------------------------------------------
# NumPy runs one ufunc or copy on one core. Copies and ufunc loops release the GIL, so Python
# threads working on disjoint slices of one array do use every core: that is how the memory-bound
# ops (im2col, col2im, batch norm, max-pool, ReLU) run in parallel, the way PyTorch's intra-op threads do.
_num_threads = max(1, int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or os.cpu_count() or 1)
_thread_pool = None
_POOL_NAME = "minitorch_cnn_worker"  # (its threads are named after it)
# Handing a slice to a sleeping worker costs 40-160 us here (a VM wakes an idle core slowly), so
# jobs below 1M elements (4 MB of float32) stay in one thread: a sweep of 256K-2M put the LeNet-5
# step at its single-thread speed only from 1M up, and the ResNet-20 step 22% faster than one thread.
PARALLEL_MIN_ELEMENTS = 1 << 20


def _forget_thread_pool():
    """A forked child has none of its parent's threads: it starts a pool of its own when it needs one."""
    global _thread_pool
    _thread_pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_thread_pool)


def set_num_threads(num_threads):
    """Threads for the CPU ops that split their work (like ``torch.set_num_threads``)."""
    global _num_threads, _thread_pool
    if not isinstance(num_threads, int) or num_threads < 1:
        raise ValueError(f"set_num_threads expects a positive number of threads, but got {num_threads!r}")
    if num_threads != _num_threads and _thread_pool is not None:
        _thread_pool.shutdown()
        _thread_pool = None
    _num_threads = num_threads


def get_num_threads():
    return _num_threads


def _parts(length, xp, elements):
    """Into how many slices a job of ``elements`` numbers over ``length`` rows is split (1: not split).

    Work that is already running in a pool thread is not split again (it would wait on itself).
    """
    if xp is not np or elements < PARALLEL_MIN_ELEMENTS or threading.current_thread().name.startswith(_POOL_NAME):
        return 1
    return min(_num_threads, length)


def parallel_slices(work, length, xp, elements):
    """Call ``work(start, stop)`` on slices that cover range(length), one per CPU thread.

    ``work`` must touch disjoint memory for disjoint slices. Runs in the calling thread on
    CuPy (the GPU is parallel already), with one thread, or for small jobs (``elements`` in all).
    """
    parts = _parts(length, xp, elements)
    if parts < 2:
        work(0, length)
        return
    global _thread_pool
    if _thread_pool is None:
        _thread_pool = ThreadPoolExecutor(_num_threads - 1, thread_name_prefix=_POOL_NAME)
    bounds = [length * k // parts for k in range(parts + 1)]
    futures = [_thread_pool.submit(work, start, stop) for start, stop in zip(bounds[1:-1], bounds[2:])]
    work(bounds[0], bounds[1])  # the first slice in this thread, the others in the pool's
    for future in futures:
        future.result()  # re-raises a worker's exception here


def parallel_map(fn, *arrays, out):
    """``fn(*arrays, out=out)`` computed on blocks of rows (axis 0) split over the CPU's threads.

    For elementwise work: ``arrays`` and ``out`` share one shape. Returns ``out``.
    """
    xp = get_array_module(out)
    if out.ndim == 0 or _parts(out.shape[0], xp, out.size) < 2:  # (small tensors skip the slicing too)
        fn(*arrays, out=out)
        return out
    parallel_slices(lambda r0, r1: fn(*(a[r0:r1] for a in arrays), out=out[r0:r1]), out.shape[0], xp, out.size)
    return out


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


# ------------------------------------------------------------------ CUDA kernels
# Ops stay generic: they ask ``kernel(name, xp)`` and fall back to their xp code when it returns None.
_cuda_kernels_enabled = os.environ.get("MINITORCH_CUDA_KERNELS", "1") != "0"


def kernel(name, xp):
    """The hand-written CUDA kernel ``name`` when ``xp`` is cupy, else None (use the generic xp code).

    The one dispatch point between the generic ops and ``minitorch_cnn/cuda/kernels``::

        k = backend.kernel("max_pool2d_forward", xp)
        if k is not None:
            return k(x, kernel_size, stride, padding, dilation, out_hw)
        ...generic xp code...

    ``MINITORCH_CUDA_KERNELS=0`` in the environment, or ``set_cuda_kernels_enabled(False)``, makes
    every op take its generic path (to compare speed, or to rule a kernel out when debugging).
    The names are listed in ``minitorch_cnn.cuda.kernels.KERNELS``.
    """
    if xp is np or _cupy is None or not _cuda_kernels_enabled:
        return None
    from .cuda.kernels import KERNELS

    return KERNELS.get(name)


def set_cuda_kernels_enabled(enabled):
    """Turn the hand-written CUDA kernels on or off; returns the previous setting."""
    global _cuda_kernels_enabled
    previous, _cuda_kernels_enabled = _cuda_kernels_enabled, bool(enabled)
    return previous


# ------------------------------------------------------------------ TF32 matmul
# CuPy picks cuBLAS's compute type per dtype (cupy/_core/_routines_linalg.pyx); its numbering:
_CUBLAS_COMPUTE_TYPE_DEFAULT, _CUBLAS_COMPUTE_TYPE_TF32 = 1, 7


def set_matmul_tf32(enabled):
    """Let cuBLAS run float32 matmuls on TF32 tensor cores (10-bit mantissa inputs, fp32 accumulate).

    Applies to CuPy's 2-D matmul/dot/tensordot (GEMM); batched (3-D) matmul stays fp32.
    Backs ``mt.backends.cuda.matmul.allow_tf32``. Does nothing without a GPU.
    """
    if not cupy_available():
        return
    from cupy._core import _routines_linalg

    compute_type = _CUBLAS_COMPUTE_TYPE_TF32 if enabled else _CUBLAS_COMPUTE_TYPE_DEFAULT
    _routines_linalg.set_compute_type(np.float32, compute_type)


def matmul_tf32_enabled():
    """Whether CuPy's float32 GEMMs use TF32 now (False without a GPU)."""
    if not cupy_available():
        return False
    from cupy._core import _routines_linalg

    return _routines_linalg.get_compute_type(np.float32) == _CUBLAS_COMPUTE_TYPE_TF32
