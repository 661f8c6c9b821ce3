"""im2col and col2im on the GPU, both as gathers: one thread per output element, no atomics,
so the results are deterministic.

The arguments are those of ``minitorch_cnn.ops.im2col`` (the generic version): (h, w) pairs,
padding per side ((top, bottom), (left, right)), and the output size. ``cols`` has the 6-D
shape (N, C, KH, KW, OH, OW)::

    cols[n, c, i, j, oh, ow] = x_padded[n, c, oh * SH + i * DH, ow * SW + j * DW]

but any strides: the caller passes a view of its own GEMM layout (for example
``buf.reshape(N, OH, OW, C, KH, KW).transpose(0, 3, 4, 5, 1, 2)``), and the kernels read and
write through the strides, so no transpose copy is ever made.
"""
from ._common import cp, element_strides

_IM2COL = cp.ElementwiseKernel(
    "raw T x, T pad_value, int32 C, int32 H, int32 W, int32 KH, int32 KW, int32 OH, int32 OW, "
    "int32 SH, int32 SW, int32 PH, int32 PW, int32 DH, int32 DW, "
    "int64 s_n, int64 s_c, int64 s_kh, int64 s_kw, int64 s_oh, int64 s_ow",
    "raw T cols",
    """
    // thread i <-> cols element (n, c, kh, kw, oh, ow), in C order
    long long r = i;
    const int ow = r % OW; r /= OW;
    const int oh = r % OH; r /= OH;
    const int kw = r % KW; r /= KW;
    const int kh = r % KH; r /= KH;
    const int c = r % C;
    const long long n = r / C;
    const int h = oh * SH - PH + kh * DH;
    const int w = ow * SW - PW + kw * DW;
    T value = pad_value;  // outside the image
    if (h >= 0 && h < H && w >= 0 && w < W) {
        value = x[((n * C + c) * H + h) * W + w];
    }
    T* out = &cols[0];
    out[n * s_n + c * s_c + kh * s_kh + kw * s_kw + oh * s_oh + ow * s_ow] = value;
    """,
    "minitorch_im2col",
)

_COL2IM = cp.ElementwiseKernel(
    "raw T cols, int32 C, int32 H, int32 W, int32 KH, int32 KW, int32 OH, int32 OW, "
    "int32 SH, int32 SW, int32 PH, int32 PW, int32 DH, int32 DW, "
    "int64 s_n, int64 s_c, int64 s_kh, int64 s_kw, int64 s_oh, int64 s_ow",
    "T x",
    """
    // thread i <-> x element (n, c, h, w): sum every cols entry that was read from it
    long long r = i;
    const int w = r % W; r /= W;
    const int h = r % H; r /= H;
    const int c = r % C;
    const long long n = r / C;
    const T* col = &cols[0];
    const long long base = n * s_n + c * s_c;
    T total = 0;
    for (int kh = 0; kh < KH; ++kh) {
        int oh = h + PH - kh * DH;  // = oh * SH when (h, kh) is a tap of output row oh
        if (oh < 0 || oh % SH != 0) continue;
        oh /= SH;
        if (oh >= OH) continue;
        for (int kw = 0; kw < KW; ++kw) {
            int ow = w + PW - kw * DW;
            if (ow < 0 || ow % SW != 0) continue;
            ow /= SW;
            if (ow >= OW) continue;
            total += col[base + kh * s_kh + kw * s_kw + oh * s_oh + ow * s_ow];
        }
    }
    x = total;
    """,
    "minitorch_col2im",
)


def im2col(x, kernel_size, stride, padding, dilation, out_size, pad_value=0.0, out=None):
    """x (N, C, H, W) -> cols (N, C, KH, KW, OH, OW), written into ``out`` (any strides) if given.

    Same arguments as ``minitorch_cnn.ops.im2col.im2col``: pairs for the kernel, stride and
    dilation, ``padding`` per side ((top, bottom), (left, right)), and the output size. Only
    top/left padding enter the index math; bottom/right padding are implied by ``out_size``.
    """
    N, C, H, W = x.shape
    (KH, KW), (SH, SW), (DH, DW), (OH, OW) = kernel_size, stride, dilation, out_size
    (PH, _), (PW, _) = padding
    shape = (N, C, KH, KW, OH, OW)
    if out is None:
        out = cp.empty(shape, dtype=x.dtype)
    elif tuple(out.shape) != shape or out.dtype != x.dtype:
        raise ValueError(f"im2col: out must have shape {shape} and dtype {x.dtype}, got {tuple(out.shape)} {out.dtype}")
    _IM2COL(cp.ascontiguousarray(x), pad_value, C, H, W, KH, KW, OH, OW, SH, SW, PH, PW, DH, DW,
            *element_strides(out), out, size=out.size)
    return out


def col2im(cols, x_shape, kernel_size, stride, padding, dilation):
    """cols (N, C, KH, KW, OH, OW), any strides -> dx of ``x_shape``: the adjoint of ``im2col``."""
    N, C, H, W = x_shape
    (KH, KW), (SH, SW), (DH, DW) = kernel_size, stride, dilation
    (PH, _), (PW, _) = padding
    OH, OW = cols.shape[4], cols.shape[5]
    x = cp.empty((N, C, H, W), dtype=cols.dtype)
    _COL2IM(cols, C, H, W, KH, KW, OH, OW, SH, SW, PH, PW, DH, DW, *element_strides(cols), x)
    return x
