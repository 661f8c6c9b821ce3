"""GPU memory statistics over CuPy's memory pool, named like ``torch.cuda``'s.

Arrays on the GPU come from CuPy's default pool, which caches freed blocks for reuse.
``memory_allocated`` is what live arrays use; ``memory_reserved`` adds the cached free
blocks; ``empty_cache`` hands the cached blocks back to the driver.

The pool keeps no high-water mark, so this module installs a thin allocator in front of it
(``install``) that notes the usage after every allocation: usage only grows when memory is
allocated, so the maximum of those notes is the exact peak. The same hook turns CuPy's
out-of-memory error into ``OutOfMemoryError`` naming the size that was asked for.
"""
from .. import backend

cp = backend.cupy_module()
_peak = {}  # device index -> peak bytes in use since the last reset


class OutOfMemoryError(RuntimeError):
    """The GPU could not hold an allocation (``torch.cuda.OutOfMemoryError``)."""


def _format_bytes(n):
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.2f} {unit}" if unit != "bytes" else f"{n} bytes"
        n /= 1024


def _tracking_malloc(size):
    pool = cp.get_default_memory_pool()
    try:
        memory = pool.malloc(size)
    except cp.cuda.memory.OutOfMemoryError as e:
        device = cp.cuda.runtime.getDevice()
        free, total = cp.cuda.runtime.memGetInfo()
        raise OutOfMemoryError(
            f"CUDA out of memory. Tried to allocate {_format_bytes(size)}. GPU {device} has a total capacity of "
            f"{_format_bytes(total)} of which {_format_bytes(free)} is free. {_format_bytes(pool.used_bytes())} "
            f"is allocated by minitorch_cnn and {_format_bytes(pool.total_bytes() - pool.used_bytes())} is "
            "reserved but unallocated (mt.cuda.empty_cache() returns it to the driver)."
        ) from e
    device = memory.device_id
    used = pool.used_bytes()
    if used > _peak.get(device, 0):
        _peak[device] = used
    return memory


def install():
    """Put the tracking allocator in front of CuPy's default pool (done once by ``mt.cuda``)."""
    cp.cuda.set_allocator(_tracking_malloc)


def _pool_stat(device, stat):
    if not backend.cupy_available():
        return 0
    with cp.cuda.Device(_index(device)):
        return int(getattr(cp.get_default_memory_pool(), stat)())


def _index(device):
    if device is None:
        return cp.cuda.runtime.getDevice()
    if isinstance(device, int):
        return device
    return backend.as_device(device).index


def memory_allocated(device=None):
    """Bytes held by live GPU arrays on ``device`` (0 without a GPU)."""
    return _pool_stat(device, "used_bytes")


def memory_reserved(device=None):
    """Bytes the pool holds from the driver: live arrays plus cached free blocks."""
    return _pool_stat(device, "total_bytes")


def max_memory_allocated(device=None):
    """The peak of ``memory_allocated`` since the program started or ``reset_peak_memory_stats``."""
    if not backend.cupy_available():
        return 0
    return max(_peak.get(_index(device), 0), memory_allocated(device))


def reset_peak_memory_stats(device=None):
    """Start peak tracking afresh from the current usage."""
    if backend.cupy_available():
        _peak[_index(device)] = memory_allocated(device)


def empty_cache():
    """Return the pool's cached free blocks to the driver (live arrays are untouched)."""
    if backend.cupy_available():
        cp.get_default_memory_pool().free_all_blocks()
        cp.get_default_pinned_memory_pool().free_all_blocks()
