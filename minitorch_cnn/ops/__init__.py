"""Differentiable Functions on raw arrays: one op family per file, forward and backward side by side."""
import os

import numpy as np

# ---- the one lookup into the optional CUDA kernel tier (minitorch_cnn/cuda/kernels) ----
_cuda_kernels_enabled = os.environ.get("MINITORCH_CUDA_KERNELS", "1") != "0"


def kernel(name, xp):
    """The hand-written CUDA kernel ``name`` when ``xp`` is cupy, else None (use the generic xp code).

    The one dispatch point between the generic ops and ``minitorch_cnn/cuda/kernels``::

        k = kernel("max_pool2d_forward", xp)
        if k is not None:
            return k(x, kernel_size, stride, padding, dilation, out_hw)
        ...generic xp code...

    A kernel computes the same numbers as the generic code it replaces: it never chooses the
    math, only how fast it runs. ``MINITORCH_CUDA_KERNELS=0`` in the environment, or
    ``set_cuda_kernels_enabled(False)``, makes every op take its generic path (to compare speed,
    or to rule a kernel out when debugging). The names are listed in
    ``minitorch_cnn.cuda.kernels.KERNELS``.
    """
    if xp is np or not _cuda_kernels_enabled:
        return None
    from ..cuda.kernels import KERNELS  # (imports CuPy: only reached with CuPy arrays)

    return KERNELS.get(name)


def set_cuda_kernels_enabled(enabled):
    """Turn the hand-written CUDA kernels on or off; returns the previous setting."""
    global _cuda_kernels_enabled
    previous, _cuda_kernels_enabled = _cuda_kernels_enabled, bool(enabled)
    return previous
