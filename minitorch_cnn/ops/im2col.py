"""Sliding windows over (N, C, H, W) images: output sizes, im2col and its adjoint col2im.

Convolution and pooling both look at the input through k x k windows. Window
(oh, ow) with kernel offset (i, j) reads the *padded* input at

    row = oh * stride_h + i * dilation_h,   col = ow * stride_w + j * dilation_w

so for one kernel offset (i, j) the rows read by all outputs form ONE strided
slice ``i*d : i*d + s*(OH-1) + 1 : s``. Everything here loops over the kh*kw
kernel offsets only (never over the batch, channels or pixels) and moves whole
strided slices, so the same code runs on NumPy and CuPy.

Padding is given per side: ``((top, bottom), (left, right))``. Symmetric conv
padding is ((p, p), (q, q)); ``padding='same'`` with an even kernel and pooling's
``ceil_mode`` need the asymmetric form.

next: ``conv.py`` (convolution: im2col, then one matrix product).
"""
from .._threads import parallel_slices
from ..backend import get_array_module
from . import kernel


def pair(value):
    """``3 -> (3, 3)``; a tuple/list of two stays as it is."""
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value, value)


def conv_out_size(size, kernel, stride, pad_before, pad_after, dilation):
    """floor((size + pads - dilation*(kernel-1) - 1) / stride) + 1, PyTorch's formula."""
    return (size + pad_before + pad_after - dilation * (kernel - 1) - 1) // stride + 1


def pool_out_size(size, kernel, stride, padding, dilation, ceil_mode):
    """Pooling output size, PyTorch's rule.

    With ``ceil_mode`` the division rounds up, but the last window must start
    inside the input or the left padding: if it would start at or past
    ``size + padding`` it is dropped.
    """
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def pad_image(x, padding, value=0.0):
    """Pad the last two axes by ((top, bottom), (left, right)) with ``value``; no copy when all are zero."""
    (top, bottom), (left, right) = padding
    if not (top or bottom or left or right):
        return x
    xp = get_array_module(x)
    n, c, h, w = x.shape
    out = xp.empty((n, c, h + top + bottom, w + left + right), dtype=x.dtype)
    out.fill(value)
    out[:, :, top : top + h, left : left + w] = x
    return out


def transposed_copy(a, axes):
    """``a.transpose(axes)`` as a new C-contiguous array; its first axis is split over the CPU's threads."""
    xp = get_array_module(a)
    out = xp.empty(tuple(a.shape[k] for k in axes), dtype=a.dtype)

    def copy(r0, r1):
        rows = tuple(slice(r0, r1) if k == axes[0] else slice(None) for k in range(a.ndim))
        out[r0:r1] = a[rows].transpose(axes)

    parallel_slices(copy, out.shape[0], xp, a.size)
    return out


def swap_batch_and_channels(a):
    """(A, B, H, W) -> (B, A, H, W), copied: convolution's GEMMs work channel-major, (C, N, H, W)."""
    return transposed_copy(a, (1, 0, 2, 3))


def window_slices(kernel_size, stride, dilation, out_size):
    """Yield (i, j, index): ``padded[index]`` is the (N, C, OH, OW) view of kernel offset (i, j)."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel_size, stride, dilation, out_size
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        for j in range(kw):
            cols = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
            yield i, j, (slice(None), slice(None), rows, cols)


def im2col(x, kernel_size, stride, padding, dilation, out_size, pad_value=0.0):
    """Unfold every window of ``x`` into columns, channel-major.

    x: (N, C, H, W). Returns cols of shape (C, kh, kw, N, OH, OW), C-contiguous:
    ``cols[c, i, j, n, oh, ow] = padded[n, c, oh*sh + i*dh, ow*sw + j*dw]``.
    Reshaped to (C*kh*kw, N*OH*OW) (a free view) it is the matrix that ONE
    matrix product with the weight viewed as (C_out, C*kh*kw) turns into the
    whole batch's output (one large GEMM keeps BLAS busier than one per image).
    The copies are memory-bound: the channels are split over the CPU's threads.
    """
    xp = get_array_module(x)
    n, c = x.shape[:2]
    cols = xp.empty((c,) + tuple(kernel_size) + (n,) + tuple(out_size), dtype=x.dtype)

    def unfold(c0, c1):
        padded = pad_image(x[:, c0:c1].transpose(1, 0, 2, 3), padding, pad_value)  # (c1 - c0, N, Hp, Wp)
        for i, j, index in window_slices(kernel_size, stride, dilation, out_size):
            cols[c0:c1, i, j] = padded[index]

    parallel_slices(unfold, c, xp, cols.size)
    return cols


def col2im(cols, x_shape, kernel_size, stride, padding, dilation, batch_last=False):
    """The adjoint of im2col: add every column entry back where it was read from.

    cols: (C, kh, kw, N, OH, OW) as returned by im2col, or (C, kh, kw, OH, OW, N) with
    ``batch_last``. Returns dx of ``x_shape`` (N, C, H, W). Overlapping windows accumulate:
    one strided add per kernel offset. With the batch innermost each add moves rows of OW*N
    numbers instead of OW, and NumPy's loops run faster over longer rows.
    """
    xp = get_array_module(cols)
    fast = kernel("col2im", xp)
    if fast is not None:  # CUDA: one gather kernel, the same sums as the strided adds below
        return fast(cols, x_shape, kernel_size, stride, padding, dilation, batch_last)
    (top, bottom), (left, right) = padding
    n, c, h, w = x_shape
    hp, wp = h + top + bottom, w + left + right
    dx = xp.empty(x_shape, dtype=cols.dtype)

    def fold(c0, c1):
        # the padded image seen as (c, Hp, Wp, N) in either layout, so one index serves both
        if batch_last:
            image = xp.zeros((c1 - c0, hp, wp, n), dtype=cols.dtype)
            blocks = cols[c0:c1]  # (c, kh, kw, OH, OW, N)
        else:
            image = xp.zeros((c1 - c0, n, hp, wp), dtype=cols.dtype).transpose(0, 2, 3, 1)
            blocks = cols[c0:c1].transpose(0, 1, 2, 4, 5, 3)
        for i, j, (_, _, rows, columns) in window_slices(kernel_size, stride, dilation, blocks.shape[3:5]):
            image[:, rows, columns] += blocks[:, i, j]
        dx[:, c0:c1] = image[:, top : top + h, left : left + w].transpose(3, 0, 1, 2)

    parallel_slices(fold, c, xp, cols.size)  # channels split over the CPU's threads
    return dx
