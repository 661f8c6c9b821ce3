"""The chunked channels-last route of ``conv.py``'s convolution (NumPy, one group).

The im2col route builds the columns of the whole batch at once: kh*kw times the input, far
bigger than the CPU's caches, so that copy and the GEMM reading it stream through main memory.
Here the batch is cut into chunks of a few images. Per chunk, the images are laid out
channels-last (N, H, W, C) and padded, and each output pixel's window becomes one row:

    rows (n*OH*OW, kh*kw*C)  @  W_rows^T (kh*kw*C, C_out)  =  out rows (n*OH*OW, C_out)

with W_rows = W laid out (C_out, kh, kw, C). A chunk's rows fit in a core's cache (about
``CHUNK_BYTES``), so they are still there when the GEMM reads them. The chunks are split over
the CPU's threads, each running a one-thread GEMM (``_threads.parallel_gemm_slices``); the chunks
and the order their partial sums are added in do not depend on the thread count, so neither
do the results.

The backward formulas are the same as the im2col route's, per chunk:

    dW = sum over chunks of rows^T dY_rows            (partial sums added in chunk order)
    dX = conv(dY, rot180(W)^T), stride 1              (this same route, on dY)
    dX = scatter-add of dY_rows W_rows, stride > 1    (each tap's rows added where they were read)
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._threads import parallel_gemm_slices
from .im2col import window_slices

# Bytes of one chunk's rows, which sets how many images a chunk holds (at least one): about a core's
# share of the caches nearest to it, so that the rows are still cached when the GEMM reads them. A
# setting (``minitorch_cnn.ops.conv_chunked.CHUNK_BYTES``); the sweep behind the default is in
# benchmarks/results/cpu_speed.md.
CHUNK_BYTES = 1 << 21


def chunks(n, oh, row_bytes_per_image, whole_images=False):
    """[(n0, n1, r0, r1)]: images n0..n1, output rows r0..r1, about ``CHUNK_BYTES`` of window rows each.

    Several whole images when one image's rows fit, else bands of one image's output rows
    (``whole_images``: one image, whatever its size).
    """
    per_chunk = CHUNK_BYTES // max(1, row_bytes_per_image)
    if per_chunk >= 1 or whole_images:
        per_chunk = max(1, per_chunk)
        return [(n0, min(n, n0 + per_chunk), 0, oh) for n0 in range(0, n, per_chunk)]
    bands = -(-row_bytes_per_image // CHUNK_BYTES)
    rows = -(-oh // bands)
    return [(i, i + 1, r0, min(oh, r0 + rows)) for i in range(n) for r0 in range(0, oh, rows)]


def padded_nhwc(x, padding, rows=None):
    """x (n, C, H, W) -> (n, Hp, Wp, C): channels-last, zero-padded by ((top, bottom), (left, right));
    only the padded image's rows ``rows = (p0, p1)`` when given."""
    (top, bottom), (left, right) = padding
    n, c, h, w = x.shape
    p0, p1 = rows or (0, h + top + bottom)
    out = np.zeros((n, p1 - p0, w + left + right, c), dtype=x.dtype)
    i0, i1 = max(p0, top), min(p1, top + h)  # the rows that hold input (the others are padding)
    if i1 > i0:
        out[:, i0 - p0:i1 - p0, left:left + w] = x[:, :, i0 - top:i1 - top].transpose(0, 2, 3, 1)
    return out


def window_rows(x, padding, kernel_size, stride, dilation, out_size, band):
    """Rows (n*(r1-r0)*OW, kh*kw*C) of x (n, C, H, W): row (n, oh, ow) is the window of output pixel
    (oh, ow), for the output rows ``band = (r0, r1)``."""
    c = x.shape[1]
    (kh, kw), (sh, sw), (dh, dw), (_, ow) = kernel_size, stride, dilation, out_size
    r0, r1 = band
    padded = padded_nhwc(x, padding, (r0 * sh, (r1 - 1) * sh + dh * (kh - 1) + 1))  # the rows they read
    s0, s1, s2, s3 = padded.strides
    windows = as_strided(padded, (x.shape[0], r1 - r0, ow, kh, kw, c), (s0, sh * s1, sw * s2, dh * s1, dw * s2, s3),
                         writeable=False)
    return windows.reshape(-1, kh * kw * c)  # (the copy that lays the windows out as rows)


def weight_rows(w):
    """W (C_out, C, kh, kw) -> (C_out, kh*kw*C), the layout of ``window_rows``' columns."""
    return np.ascontiguousarray(w.transpose(0, 2, 3, 1)).reshape(w.shape[0], -1)


def conv2d_chunked(x, w, b, stride, padding, dilation, out_size):
    """out (N, C_out, OH, OW) = conv2d(x, w) + b, chunk by chunk."""
    n, c = x.shape[:2]
    c_out, _, kh, kw = w.shape
    oh, ow = out_size
    w_rows_t = np.ascontiguousarray(weight_rows(w).T)  # (K, C_out), laid out as the GEMM reads it fastest
    out = np.empty((n, c_out, oh, ow), dtype=np.result_type(x.dtype, w.dtype))
    blocks = chunks(n, oh, oh * ow * kh * kw * c * x.itemsize)

    def run(k0, k1):
        for n0, n1, r0, r1 in blocks[k0:k1]:
            rows = window_rows(x[n0:n1], padding, (kh, kw), stride, dilation, out_size, (r0, r1))
            out_rows = rows @ w_rows_t  # (n*(r1-r0)*OW, C_out)
            if b is not None:
                out_rows += b
            out[n0:n1, :, r0:r1] = out_rows.reshape(n1 - n0, r1 - r0, ow, c_out).transpose(0, 3, 1, 2)

    parallel_gemm_slices(run, len(blocks))
    return out


def weight_grad_chunked(x, grad, w_shape, stride, padding, dilation):
    """dW (C_out, C, kh, kw) = sum over chunks of rows^T dY_rows."""
    n = x.shape[0]
    c_out, c, kh, kw = w_shape
    oh, ow = grad.shape[2:]
    blocks = chunks(n, oh, oh * ow * kh * kw * c * x.itemsize)
    partial = np.empty((len(blocks), kh * kw * c, c_out), dtype=grad.dtype)

    def run(k0, k1):
        for k in range(k0, k1):
            n0, n1, r0, r1 = blocks[k]
            rows = window_rows(x[n0:n1], padding, (kh, kw), stride, dilation, (oh, ow), (r0, r1))
            dy_rows = grad[n0:n1, :, r0:r1].transpose(0, 2, 3, 1).reshape(-1, c_out)  # (n*(r1-r0)*OW, C_out)
            np.matmul(rows.T, dy_rows, out=partial[k])

    parallel_gemm_slices(run, len(blocks))
    dw = partial.sum(axis=0) if len(blocks) > 1 else partial[0]  # (K, C_out), K = (kh, kw, C)
    return np.ascontiguousarray(dw.reshape(kh, kw, c, c_out).transpose(3, 2, 0, 1))


def input_grad_chunked(grad, w, x_shape, stride, padding, dilation, full=None):
    """dX (N, C, H, W): a convolution of dY when ``full``, dY's padding for that form, is given
    (``conv.full_padding``), else the scatter-add of dY_rows W_rows."""
    c_out, c, kh, kw = w.shape
    (top, bottom), (left, right) = padding
    if full is not None:
        # dX = conv2d(dY, rot180(W)^T, padding = d*(k-1) - p)
        w_t = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
        return conv2d_chunked(grad, w_t, None, (1, 1), full, dilation, x_shape[2:])
    n, _, h, wd = x_shape
    oh, ow = grad.shape[2:]
    w_rows = weight_rows(w)  # (C_out, K)
    dx = np.empty(x_shape, dtype=grad.dtype)
    blocks = chunks(n, oh, oh * ow * kh * kw * c * grad.itemsize, whole_images=True)

    def run(k0, k1):
        for n0, n1, _, _ in blocks[k0:k1]:
            dy_rows = grad[n0:n1].transpose(0, 2, 3, 1).reshape(-1, c_out)
            taps = (dy_rows @ w_rows).reshape(n1 - n0, oh, ow, kh, kw, c)  # each row's window gradient
            image = np.zeros((n1 - n0, h + top + bottom, wd + left + right, c), dtype=grad.dtype)
            for i, j, (_, _, rows, cols) in window_slices((kh, kw), stride, dilation, (oh, ow)):
                image[:, rows, cols] += taps[:, :, :, i, j]
            dx[n0:n1] = image[:, top:top + h, left:left + wd].transpose(0, 3, 1, 2)

    parallel_gemm_slices(run, len(blocks))
    return dx
