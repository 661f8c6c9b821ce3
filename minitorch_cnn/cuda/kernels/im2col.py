"""im2col and col2im on the GPU, both as gathers: one thread per output element, no atomics,
so the results are deterministic.

Drop-in for ``minitorch_cnn.ops.im2col`` (the generic version): same arguments ((h, w) pairs,
padding per side ((top, bottom), (left, right)), the output size) and the same cols layout,
(C, KH, KW, N, OH, OW), which viewed as (C*KH*KW, N*OH*OW) is one GEMM for the whole batch::

    cols[c, i, j, n, oh, ow] = x_padded[n, c, oh * SH + i * DH, ow * SW + j * DW]

The kernels index cols through its strides as a (N, C, KH, KW, OH, OW) view, so following
another layout only means changing ``COLS_AXES``.
"""
import numpy as np

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


# cols axis k holds canonical axis COLS_AXES[k] of (N, C, KH, KW, OH, OW): here (C, KH, KW, N, OH, OW)
COLS_AXES = (1, 2, 3, 0, 4, 5)
_TO_CANONICAL = tuple(int(a) for a in np.argsort(COLS_AXES))


def im2col(x, kernel_size, stride, padding, dilation, out_size, pad_value=0.0):
    """x (N, C, H, W) -> cols (C, KH, KW, N, OH, OW); windows reaching outside x read ``pad_value``."""
    N, C, H, W = x.shape
    (KH, KW), (SH, SW), (DH, DW), (OH, OW) = kernel_size, stride, dilation, out_size
    (PH, _), (PW, _) = padding  # bottom/right padding only shows in out_size
    canonical_shape = (N, C, KH, KW, OH, OW)
    cols = cp.empty(tuple(canonical_shape[a] for a in COLS_AXES), dtype=x.dtype)
    view = cols.transpose(_TO_CANONICAL)
    _IM2COL(cp.ascontiguousarray(x), pad_value, C, H, W, KH, KW, OH, OW, SH, SW, PH, PW, DH, DW,
            *element_strides(view), view, size=view.size)
    return cols


def col2im(cols, x_shape, kernel_size, stride, padding, dilation):
    """cols (C, KH, KW, N, OH, OW) -> dx (N, C, H, W): the adjoint of ``im2col``."""
    N, C, H, W = x_shape
    (KH, KW), (SH, SW), (DH, DW) = kernel_size, stride, dilation
    (PH, _), (PW, _) = padding
    view = cols.transpose(_TO_CANONICAL)
    OH, OW = view.shape[4], view.shape[5]
    x = cp.empty((N, C, H, W), dtype=cols.dtype)
    _COL2IM(view, C, H, W, KH, KW, OH, OW, SH, SW, PH, PW, DH, DW, *element_strides(view), x)
    return x
