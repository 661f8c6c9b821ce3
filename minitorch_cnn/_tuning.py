"""Process-wide CPU tuning: an explicit opt-in, never applied by ``import minitorch_cnn``.

Two settings belong to the whole process, not to the library, so only the program that owns
the process should make them: ``python -m minitorch_cnn`` does, and a training script may call
``mt.tune_process()`` once at its start. Both work whatever the import order (NumPy, and so
OpenBLAS, is always loaded by the time this runs).

1. OpenBLAS's idle GEMM workers sleep at once instead of spinning (busy-waiting about 0.1 s
   after every product). The spinning holds a core that the threads of ``_threads.parallel_slices``
   (and any other framework in the process) need right after each GEMM. OpenBLAS reads its
   ``OPENBLAS_THREAD_TIMEOUT`` only when its workers start, so this re-reads that setting with the
   value 4 (the shortest it allows) and restarts the workers; the environment is left as it was.
2. glibc's malloc keeps freed big buffers for reuse instead of unmapping them. It serves each
   allocation above 32 MB (an im2col buffer of a ResNet stage at batch 128 is larger) with a
   fresh ``mmap`` and gives it back on free, so every training step page-faults all of its
   activations in again. Serving them from the heap and never trimming it keeps that memory for
   the next step, as PyTorch's caching allocators do. The cost: the process keeps its peak heap.

The measured effect of each is in ``benchmarks/results/NOTES.md``.
"""
import ctypes
import os
import sys

from . import _threads

_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4  # glibc's mallopt parameters (malloc.h)
_SHORTEST_BLAS_TIMEOUT = "4"  # OpenBLAS clamps its thread timeout to 4..30 (2^n cycles)


def _openblas_workers_sleep_at_once():
    """Re-read OPENBLAS_THREAD_TIMEOUT=4 in every loaded OpenBLAS and restart its workers; True if done."""
    done = False
    for lib, _, _ in _threads.blas_libraries():
        if not (hasattr(lib, "openblas_read_env") and hasattr(lib, "blas_thread_shutdown_")):
            continue  # (MKL, or an OpenBLAS without these entry points)
        previous = os.environ.get("OPENBLAS_THREAD_TIMEOUT")
        os.environ["OPENBLAS_THREAD_TIMEOUT"] = _SHORTEST_BLAS_TIMEOUT
        try:
            lib.openblas_read_env()
        finally:  # the environment is the user's: put it back
            if previous is None:
                del os.environ["OPENBLAS_THREAD_TIMEOUT"]
            else:
                os.environ["OPENBLAS_THREAD_TIMEOUT"] = previous
        lib.blas_thread_shutdown_()  # the next GEMM starts workers that use the new timeout
        done = True
    return done


def _reuse_freed_host_memory():
    """glibc: serve big allocations from the heap and keep freed memory; True if done (Linux/glibc only).

    ``MINITORCH_MALLOC_TUNING=0`` in the environment leaves malloc as it is.
    """
    if os.environ.get("MINITORCH_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt(_M_MMAP_MAX, 0)
    mallopt(_M_TRIM_THRESHOLD, 1 << 30)
    return True


def tune_process(blas_threads_sleep=True, reuse_freed_memory=True):
    """Tune this process for training on the CPU (opt-in; see the module docstring for each effect).

    Call it once, at the start of a program that owns its process, and not while another thread
    runs a NumPy matrix product (the BLAS workers are restarted). Returns which settings were
    applied, e.g. ``{"blas_threads_sleep": True, "reuse_freed_memory": True}``; a setting this
    platform lacks (no OpenBLAS, no glibc) is reported False and nothing is changed for it.
    """
    applied = {}
    if blas_threads_sleep:
        applied["blas_threads_sleep"] = _openblas_workers_sleep_at_once()
    if reuse_freed_memory:
        applied["reuse_freed_memory"] = _reuse_freed_host_memory()
    return applied
