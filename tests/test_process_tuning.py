"""Importing the library changes nothing in the process; ``mt.tune_process()`` is the one opt-in.

Each check runs in a fresh interpreter: the settings under test belong to the whole process.
"""
import os
import subprocess
import sys
import textwrap

import pytest

import minitorch_cnn as mt
from minitorch_cnn import _threads

# glibc's counter of chunks served by mmap: an allocation above the mmap threshold adds one.
MMAP_CHUNKS = """
import ctypes
class _MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]
_libc = ctypes.CDLL("libc.so.6")
_libc.mallinfo2.restype = _MallInfo2
def mmapped_chunks():
    return _libc.mallinfo2().hblks
"""


def run_python(code):
    """stdout's words of ``code`` run by a fresh interpreter, without the tuning switches in its environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_THREAD_TIMEOUT", "MINITORCH_MALLOC_TUNING")}
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                            timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def glibc_mallinfo2():
    try:
        import ctypes

        return hasattr(ctypes.CDLL("libc.so.6"), "mallinfo2")
    except OSError:
        return False


def test_import_leaves_the_environment_as_it_was():
    assert run_python("""
        import os
        before = dict(os.environ)
        import minitorch_cnn
        print(before == dict(os.environ))
    """) == ["True"]


@pytest.mark.skipif(not glibc_mallinfo2(), reason="needs glibc >= 2.33 (mallinfo2)")
def test_import_leaves_malloc_alone_and_tune_process_keeps_big_buffers_on_the_heap():
    out = run_python(MMAP_CHUNKS + """
import numpy as np
import minitorch_cnn as mt
before = mmapped_chunks()
a = np.ones(64 << 20, np.uint8)
print(mmapped_chunks() - before)          # glibc's default: a 64 MB buffer is its own mapping
print(mt.tune_process()["reuse_freed_memory"])
before = mmapped_chunks()
b = np.ones(64 << 20, np.uint8)
print(mmapped_chunks() - before)          # tuned: served from the heap
""")
    assert out == ["1", "True", "0"]


@pytest.mark.skipif(not _threads.blas_libraries(), reason="NumPy's BLAS has no thread switch found by ctypes")
def test_tune_process_makes_openblas_workers_sleep_whatever_the_import_order():
    lib = _threads.blas_libraries()[0][0]
    if not hasattr(lib, "openblas_thread_timeout"):
        pytest.skip("not OpenBLAS")
    out = run_python("""
        import os
        import numpy as np                      # OpenBLAS loads first, as in most user scripts
        a = np.ones((64, 64), np.float32); a @ a
        import minitorch_cnn as mt
        from minitorch_cnn import _threads
        lib = _threads.blas_libraries()[0][0]
        env = dict(os.environ)
        print(lib.openblas_thread_timeout())
        print(mt.tune_process(reuse_freed_memory=False))
        print(lib.openblas_thread_timeout(), env == dict(os.environ))
        print(float((a @ a).sum()))            # the restarted workers still compute
    """)
    assert out[0] != "4" and out[1:] == ["{'blas_threads_sleep':", "True}", "4", "True", str(64.0 * 64 * 64)]


@pytest.mark.skipif(not _threads.blas_libraries(), reason="NumPy's BLAS has no thread switch found by ctypes")
def test_set_num_threads_also_limits_the_blas_threads():
    before = mt.get_num_threads()
    try:
        mt.set_num_threads(1)
        assert (mt.get_num_threads(), _threads.get_blas_num_threads()) == (1, 1)
        mt.set_num_threads(2)
        assert (mt.get_num_threads(), _threads.get_blas_num_threads()) == (2, 2)
    finally:
        mt.set_num_threads(before)
