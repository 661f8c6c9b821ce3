"""``mt.backends.cuda.matmul.allow_tf32``: TF32 tensor cores for float32 matmul (off by default).

Like PyTorch, float32 matmuls are exact fp32 unless you opt in::

    mt.backends.cuda.matmul.allow_tf32 = True   # cuBLAS rounds inputs to TF32, accumulates in fp32

TF32 keeps float32's range but only a 10-bit mantissa (about 3 decimal digits), so results
differ from fp32 by about 1e-3 relative. It applies to CuPy's 2-D GEMMs (conv via im2col,
linear); batched 3-D matmul stays fp32.
"""
import numpy as np

from .. import backend

# CuPy picks cuBLAS's compute type per dtype (cupy/_core/_routines_linalg.pyx); its numbering:
_CUBLAS_COMPUTE_TYPE_DEFAULT, _CUBLAS_COMPUTE_TYPE_TF32 = 1, 7


def _cupy_linalg():
    """CuPy's GEMM dispatch module (holds the per-dtype cuBLAS compute type)."""
    from cupy._core import _routines_linalg  # (CuPy present: callers checked cupy_available)

    return _routines_linalg


def set_matmul_tf32(enabled):
    """Let cuBLAS run float32 matmuls on TF32 tensor cores (10-bit mantissa inputs, fp32 accumulate).

    Applies to CuPy's 2-D matmul/dot/tensordot (GEMM); batched (3-D) matmul stays fp32.
    Does nothing without a GPU.
    """
    if backend.cupy_available():
        compute_type = _CUBLAS_COMPUTE_TYPE_TF32 if enabled else _CUBLAS_COMPUTE_TYPE_DEFAULT
        _cupy_linalg().set_compute_type(np.float32, compute_type)


def matmul_tf32_enabled():
    """Whether CuPy's float32 GEMMs use TF32 now (False without a GPU)."""
    return backend.cupy_available() and _cupy_linalg().get_compute_type(np.float32) == _CUBLAS_COMPUTE_TYPE_TF32


class _MatmulSettings:
    """The ``matmul`` namespace; ``allow_tf32`` reads and sets CuPy's cuBLAS compute type."""

    _allow_tf32 = False  # remembered without a GPU, applied to CuPy when one is present

    @property
    def allow_tf32(self):
        if backend.cupy_available():
            return matmul_tf32_enabled()
        return self._allow_tf32

    @allow_tf32.setter
    def allow_tf32(self, value):
        type(self)._allow_tf32 = bool(value)
        set_matmul_tf32(bool(value))

    def __repr__(self):
        return f"<minitorch_cnn.backends.cuda.matmul allow_tf32={self.allow_tf32}>"


matmul = _MatmulSettings()


def is_built():
    """True when the CUDA backend (CuPy) is installed, GPU or not."""
    return backend.cupy_module() is not None
