"""Resampling the last two axes by a separable linear map: out = A_h @ x @ A_w^T.

Nearest and bilinear interpolation (and adaptive average pooling) are all of
this form: each output row is a fixed weighted sum of input rows, and the same
for columns. A is an (out, in) matrix with one (nearest) or two (bilinear)
non-zeros per row, built from PyTorch's source-index rules on the input's device
(no host-to-GPU copy, so a CUDA graph can hold it); the backward is the
transpose, dX = A_h^T dY A_w.
"""
import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from ..layout import is_channels_last


def _apply(a_h, a_w, x):
    """A_h @ x @ A_w^T on the last two axes of x (N, C, H, W).

    The column map is one 2-D GEMM on x viewed as (N*C*H, W); the row map is an
    einsum. (NumPy's broadcast ``a @ x`` would make one tiny BLAS call per image
    and channel.)
    """
    xp = get_array_module(x)
    n, c, h, w = x.shape
    t = (x.reshape(-1, w) @ a_w.T).reshape(n, c, h, a_w.shape[0])
    return xp.einsum("oh,nchp->ncop", a_h, t)


class Separable2d(Function):
    """out = A_h @ x @ A_w^T on the last two axes of x (N, C, H, W)."""

    def __init__(self, a_h, a_w):
        self.a_h, self.a_w = a_h, a_w

    def forward(self, x):
        return _apply(self.a_h, self.a_w, x)

    def backward(self, grad):
        # dX = A_h^T dY A_w
        return _apply(self.a_h.T, self.a_w.T, grad)

    jvp = forward  # linear in x: J v = A_h v A_w^T


def _scale(in_size, out_size, scale_factor, dtype):
    """Output-to-input step, as PyTorch: 1/scale_factor when given, else in/out, in ``dtype``."""
    if scale_factor is not None and scale_factor > 0:
        return dtype.type(1.0 / scale_factor)
    return dtype.type(in_size) / dtype.type(out_size)


def _opmath(like):
    """PyTorch's type for the index arithmetic: float64 for float64 input, float32 otherwise."""
    return np.dtype(np.float64 if np.dtype(like.dtype) == np.float64 else np.float32)


def _fma(a, b, c):
    """a * b + c rounded once, as PyTorch's vectorised CPU builds compute the source index (the compiler
    fuses that multiply-add). float32: the product of two 24-bit numbers and c are exact in float64, so one
    rounding to float32 remains. float64: Dekker's exact product p + e and Knuth's two-sum of p and c."""
    if a.dtype == np.float32:
        return (a.astype(np.float64) * b.astype(np.float64) + np.float64(c)).astype(np.float32)
    split = np.float64(2.0 ** 27 + 1)

    def halves(v):
        t = split * v
        high = t - (t - v)
        return high, v - high

    p = a * b
    (ah, al), (bh, bl) = halves(a), halves(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    back = s - p
    return s + ((p - (s - back)) + (c - back) + e)


def vectorised_kernel(x, out_size):
    """Whether PyTorch's CPU resize of 4-D ``x`` (N, C, H, W) to ``out_size`` (OH, OW) runs its channels-last
    kernel: for channels-last input with more than 3 channels, or a small output (OH + OW <= 128). That
    kernel takes nearest's shortcuts (same size: copy; twice the size: i // 2); the generic one does not."""
    return (x.shape[1] > 3 and is_channels_last(x)) or sum(out_size) <= 128


def nearest_index(in_size, out_size, scale_factor, like, vectorised=False):
    """Output i reads input min(floor(i * scale), in - 1) with PyTorch's arithmetic: float32 in its
    vectorised kernel (after its two shortcuts), the input's type (float64 or float32) in the generic one."""
    xp = get_array_module(like)
    i = xp.arange(out_size)
    if vectorised and out_size == in_size:
        return i
    if vectorised and out_size == 2 * in_size:
        return i >> 1
    dtype = np.dtype(np.float32) if vectorised else _opmath(like)
    src = i.astype(dtype) * _scale(in_size, out_size, scale_factor, dtype)
    return xp.minimum(xp.floor(src.astype(np.float32)).astype(np.int64), in_size - 1)  # (PyTorch's floorf)


def nearest_matrix(in_size, out_size, scale_factor, like, vectorised=False):
    """The (out, in) matrix of ``nearest_index``: row i is one-hot at its source."""
    xp = get_array_module(like)
    a = xp.zeros((out_size, in_size), dtype=like.dtype)
    a[xp.arange(out_size), nearest_index(in_size, out_size, scale_factor, like, vectorised)] = 1
    return a


def linear_weights(in_size, out_size, scale_factor, align_corners, like):
    """Output i mixes inputs h0 and h1 with weights (1 - l, l): (h0, h1, 1 - l, l), PyTorch's arithmetic.

    align_corners: src = i * ((in - 1) / (out - 1)). Otherwise src = (i + 0.5) * scale - 0.5 as one
    fused multiply-add, clamped at 0 (half-pixel centres). h0 = min(floor(src), in - 1), l = src - h0
    clamped to [0, 1], h1 = h0 + 1 except at the last input (h1 = h0). An axis kept at its size maps i to
    i with both taps on input i (weights 1 and 0): a 0 * inf there is NaN, as in PyTorch.
    """
    xp, dtype = get_array_module(like), _opmath(like)
    i = xp.arange(out_size)
    if in_size == out_size:
        return i, i, xp.ones(out_size, like.dtype), xp.zeros(out_size, like.dtype)
    if align_corners:
        src = i.astype(dtype) * (dtype.type(in_size - 1) / dtype.type(out_size - 1) if out_size > 1 else
                                 dtype.type(0))
    else:
        scale = xp.full(out_size, _scale(in_size, out_size, scale_factor, dtype), dtype)
        src = xp.maximum(_fma(scale, i.astype(dtype) + dtype.type(0.5), dtype.type(-0.5)), dtype.type(0))
    h0 = xp.minimum(xp.floor(src.astype(np.float32)).astype(np.int64), in_size - 1)  # (PyTorch's floorf)
    frac = xp.minimum(xp.maximum(src - h0.astype(dtype), dtype.type(0)), dtype.type(1))
    return h0, h0 + (h0 < in_size - 1), (dtype.type(1) - frac).astype(like.dtype), frac.astype(like.dtype)


def linear_matrix(in_size, out_size, scale_factor, align_corners, like):
    """The (out, in) matrix of ``linear_weights``: row i holds 1 - l at h0 and l at h1."""
    xp = get_array_module(like)
    h0, h1, w0, w1 = linear_weights(in_size, out_size, scale_factor, align_corners, like)
    a = xp.zeros((out_size, in_size), dtype=like.dtype)
    rows = xp.arange(out_size)
    a[rows, h0] += w0
    a[rows, h1] += w1  # (h1 == h0 at the last input, and on an axis kept at its size)
    return a


def _mix(x, axis, taps):
    """sum_k w_k * x[..., index_k, ...] along ``axis``; ``taps`` is [(index, weight or None), ...]."""
    xp = get_array_module(x)
    out = None
    for index, weight in taps:
        term = xp.take(x, index, axis=axis)
        if weight is not None:
            term = term * weight.reshape((-1,) + (1,) * (x.ndim - axis - 1))
        out = term if out is None else out + term
    return out


class Resample2d(Separable2d):
    """Separable2d computed from each row's one or two taps (PyTorch's arithmetic), not as a matrix product.

    ``rows``/``cols``: [(index, weight or None), ...] per axis, as ``nearest_index`` / ``linear_weights``
    give them. A matrix product would multiply an inf or NaN by the zeros of every other output row;
    reading only the taps keeps it where PyTorch keeps it. The backward is Separable2d's.
    """

    def __init__(self, a_h, a_w, rows, cols):
        super().__init__(a_h, a_w)
        self.rows, self.cols = rows, cols

    def forward(self, x):
        return _mix(_mix(x, 3, self.cols), 2, self.rows)
