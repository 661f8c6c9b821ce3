"""CPU threads: the speed tier of the memory-bound ops, off the math path.

NumPy runs one ufunc or copy on one core. Copies and ufunc loops release the GIL, so Python
threads working on disjoint slices of one array do use every core: that is how the memory-bound
ops (im2col, col2im, batch norm, max-pool, ReLU) run in parallel, the way PyTorch's intra-op
threads do. The GEMMs run on the threads of the BLAS that NumPy loaded; ``set_num_threads``
sets both, as ``torch.set_num_threads`` does.

Nothing here runs at import: the pool starts at the first split job, the BLAS is looked up at
the first ``set_num_threads`` call.
"""
import ctypes
import glob
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .backend import get_array_module

_num_threads = max(1, int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or os.cpu_count() or 1)
_thread_pool = None
_POOL_NAME = "minitorch_cnn_worker"  # (its threads are named after it)
# Waking a sleeping worker costs more than a small job: jobs below this many elements (4 MB of
# float32) stay in the calling thread. See benchmarks/results/NOTES.md for the sweep behind it.
PARALLEL_MIN_ELEMENTS = 1 << 20


def _forget_thread_pool():
    """A forked child has none of its parent's threads: it starts a pool of its own when it needs one."""
    global _thread_pool
    _thread_pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_thread_pool)


def set_num_threads(num_threads):
    """Threads for the CPU ops that split their work and for NumPy's BLAS (like ``torch.set_num_threads``)."""
    global _num_threads, _thread_pool
    if not isinstance(num_threads, int) or num_threads < 1:
        raise ValueError(f"set_num_threads expects a positive number of threads, but got {num_threads!r}")
    if num_threads != _num_threads and _thread_pool is not None:
        _thread_pool.shutdown()
        _thread_pool = None
    _num_threads = num_threads
    set_blas_num_threads(num_threads)


def get_num_threads():
    return _num_threads


# ---- the BLAS that NumPy loaded (what threadpoolctl does, in a few lines of ctypes) ----------------
# (setter, getter) symbol names, for OpenBLAS as wheels ship it (scipy-openblas, 64-bit ints),
# plain OpenBLAS builds, and MKL.
_BLAS_SYMBOLS = (
    ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
    ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
    ("openblas_set_num_threads", "openblas_get_num_threads"),
    ("MKL_Set_Num_Threads", "MKL_Get_Max_Threads"),
)
_blas = None  # [(library, setter name, getter name)], found once


def _loaded_blas_paths():
    """Paths of the BLAS libraries mapped into this process (Linux), or shipped beside NumPy."""
    paths = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.rsplit(None, 1)[-1] if "/" in line else ""
                name = os.path.basename(path).lower()
                if ("openblas" in name or "mkl_rt" in name) and ".so" in name and path not in paths:
                    paths.append(path)
    except OSError:  # not Linux
        pass
    if not paths:  # the wheels' bundled copy (numpy.libs on Linux/Windows, numpy/.dylibs on macOS)
        numpy_dir = os.path.dirname(np.__file__)
        for pattern in (numpy_dir + ".libs/*openblas*", os.path.join(numpy_dir, ".dylibs", "*openblas*")):
            paths.extend(glob.glob(pattern))
    return paths


def blas_libraries():
    """[(ctypes library, setter, getter)] for each BLAS NumPy uses that lets its threads be set."""
    global _blas
    if _blas is None:
        found = []
        for path in _loaded_blas_paths():
            try:
                lib = ctypes.CDLL(path)  # (already loaded: this only returns a handle to it)
            except OSError:
                continue
            for setter, getter in _BLAS_SYMBOLS:
                if hasattr(lib, setter) and hasattr(lib, getter):
                    found.append((lib, setter, getter))
                    break
        _blas = found
    return _blas


def set_blas_num_threads(num_threads):
    """Limit the GEMM threads of NumPy's BLAS; does nothing where no BLAS with that switch is found."""
    for lib, setter, _ in blas_libraries():
        getattr(lib, setter)(ctypes.c_int(num_threads))


def get_blas_num_threads():
    """The GEMM threads of NumPy's BLAS (None where it is not found)."""
    libs = blas_libraries()
    return int(getattr(libs[0][0], libs[0][2])()) if libs else None


# ---- splitting a job over the pool ----------------------------------------------------------------
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
    _run_slices(work, length, parts)


def _run_slices(work, length, parts):
    global _thread_pool
    if _thread_pool is None:
        _thread_pool = ThreadPoolExecutor(_num_threads - 1, thread_name_prefix=_POOL_NAME)
    bounds = [length * k // parts for k in range(parts + 1)]
    futures = [_thread_pool.submit(work, start, stop) for start, stop in zip(bounds[1:-1], bounds[2:])]
    work(bounds[0], bounds[1])  # the first slice in this thread, the others in the pool's
    for future in futures:
        future.result()  # re-raises a worker's exception here


def parallel_gemm_slices(work, length):
    """Call ``work(start, stop)`` on slices of range(length), one per CPU thread, for work made of
    GEMMs on cache-sized blocks (NumPy arrays only).

    Each thread runs its GEMMs on one BLAS thread: the BLAS is set to one thread while the slices
    run and put back after, so its own workers neither compete with these threads nor spin.
    """
    parts = 1 if threading.current_thread().name.startswith(_POOL_NAME) else min(_num_threads, length)
    if parts < 2:
        work(0, length)
        return
    previous = get_blas_num_threads()
    set_blas_num_threads(1)
    try:
        _run_slices(work, length, parts)
    finally:
        if previous is not None:
            set_blas_num_threads(previous)


def parallel_map(fn, *arrays, out):
    """``fn(*arrays, out=out)`` computed on blocks of rows (axis 0) split over the CPU's threads.

    For elementwise work on NumPy arrays: ``arrays`` and ``out`` share one shape. Returns ``out``.
    """
    xp = get_array_module(out)
    if out.ndim == 0 or _parts(out.shape[0], xp, out.size) < 2:  # (small tensors skip the slicing too)
        fn(*arrays, out=out)
        return out
    parallel_slices(lambda r0, r1: fn(*(a[r0:r1] for a in arrays), out=out[r0:r1]), out.shape[0], xp, out.size)
    return out
