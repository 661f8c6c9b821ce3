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


def nearest_index(in_size, out_size, scale_factor, like):
    """Output i reads input min(floor(i * scale), in - 1), computed in float32 as PyTorch does."""
    xp = get_array_module(like)
    scale = _scale(in_size, out_size, scale_factor, np.dtype(np.float32))
    return xp.minimum(xp.floor(xp.arange(out_size, dtype=np.float32) * scale).astype(np.int64), in_size - 1)


def nearest_matrix(in_size, out_size, scale_factor, like):
    """The (out, in) matrix of ``nearest_index``: row i is one-hot at its source."""
    xp = get_array_module(like)
    a = xp.zeros((out_size, in_size), dtype=like.dtype)
    a[xp.arange(out_size), nearest_index(in_size, out_size, scale_factor, like)] = 1
    return a


def linear_weights(in_size, out_size, scale_factor, align_corners, like):
    """Output i mixes inputs h0 and h1 = min(h0 + 1, in - 1) with weights (1 - l, l): (h0, h1, 1 - l, l).

    align_corners: src = i * (in - 1) / (out - 1). Otherwise src = (i + 0.5) * scale - 0.5,
    clamped at 0 (half-pixel centres). h0 = floor(src), l = src - h0.
    """
    xp, dtype = get_array_module(like), np.dtype(like.dtype)
    i = xp.arange(out_size, dtype=dtype)
    if align_corners:
        scale = dtype.type(in_size - 1) / dtype.type(out_size - 1) if out_size > 1 else dtype.type(0)
        src = i * scale
    else:
        src = xp.maximum((i + dtype.type(0.5)) * _scale(in_size, out_size, scale_factor, dtype) - dtype.type(0.5), 0)
    h0 = src.astype(np.int64)
    frac = src - h0.astype(dtype)
    # an axis kept at its size maps i to i: PyTorch's kernel then reads input i for both taps
    h1 = h0 if in_size == out_size else xp.minimum(h0 + 1, in_size - 1)
    return h0, h1, dtype.type(1) - frac, frac


def linear_matrix(in_size, out_size, scale_factor, align_corners, like):
    """The (out, in) matrix of ``linear_weights``: row i holds 1 - l at h0 and l at h1."""
    xp = get_array_module(like)
    h0, h1, w0, w1 = linear_weights(in_size, out_size, scale_factor, align_corners, like)
    a = xp.zeros((out_size, in_size), dtype=like.dtype)
    rows = xp.arange(out_size)
    a[rows, h0] += w0
    a[rows, h1] += w1  # (h1 == h0 only at the last input, where the weights add up to 1)
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
