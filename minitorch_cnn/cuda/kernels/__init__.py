"""Hand-written CUDA kernels (CuPy ``ElementwiseKernel``/``ReductionKernel``) that replace composed
CuPy calls where one kernel saves launches and memory passes.

Every kernel works on raw CuPy arrays, float32 or float64, and is compiled by CuPy the first
time it runs for a dtype and device, then cached (in memory and on disk). Ops do not import
this package: they ask ``minitorch_cnn.ops.kernel(name, xp)``, which returns one of the
functions below for CuPy arrays and None for NumPy, so the generic xp code stays the
reference and the fallback.

A kernel is kept only where it measured faster than the generic code on the GPU; kernels for
im2col and batch norm lost to CuPy's strided copies and einsum reductions and were removed
(the figures are in benchmarks/results/NOTES.md). A kernel computes the numbers of the generic
code it replaces: it never chooses the math.

This package imports cupy: import it only when CuPy is present.
"""
from .im2col import COLS_AXES, col2im
from .loss import cross_entropy_backward, cross_entropy_forward
from .optim import adam_step, sgd_step
from .pool import avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward, max_pool2d_forward

KERNELS = {f.__name__: f for f in (
    col2im,
    max_pool2d_forward, max_pool2d_backward, avg_pool2d_forward, avg_pool2d_backward,
    cross_entropy_forward, cross_entropy_backward,
    sgd_step, adam_step,
)}
