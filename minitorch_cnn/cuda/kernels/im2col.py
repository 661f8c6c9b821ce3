"""col2im on the GPU as a gather: one thread per image element sums the cols entries read from
it, with no atomics, so the result is deterministic (the generic version adds kh*kw strided
slices). It takes the arguments of ``minitorch_cnn.ops.im2col.col2im``: (h, w) pairs, padding
per side ((top, bottom), (left, right)) and cols in the layout of the generic im2col,
(C, KH, KW, N, OH, OW)::

    cols[c, i, j, n, oh, ow] = x_padded[n, c, oh * SH + i * DH, ow * SW + j * DW]

The kernel indexes cols through its strides as a (N, C, KH, KW, OH, OW) view, so following
another layout only means changing ``COLS_AXES``. (im2col stays generic: CuPy's strided copies
beat a kernel for it; see benchmarks/results/NOTES.md.)
"""
import numpy as np

from ._common import cp, element_strides

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


# cols axis k holds canonical axis COLS_AXES[k] of (N, C, KH, KW, OH, OW): here (C, KH, KW, N, OH, OW),
# or (C, KH, KW, OH, OW, N) with batch_last
COLS_AXES = (1, 2, 3, 0, 4, 5)
COLS_AXES_BATCH_LAST = (1, 2, 3, 4, 5, 0)
# the transposes that bring either layout back to the canonical order
_TO_CANONICAL = {batch_last: tuple(int(a) for a in np.argsort(axes))
                 for batch_last, axes in ((False, COLS_AXES), (True, COLS_AXES_BATCH_LAST))}


def col2im(cols, x_shape, kernel_size, stride, padding, dilation, batch_last=False):
    """cols (C, KH, KW, N, OH, OW), or (C, KH, KW, OH, OW, N) -> dx (N, C, H, W): the adjoint of ``im2col``."""
    N, C, H, W = x_shape
    (KH, KW), (SH, SW), (DH, DW) = kernel_size, stride, dilation
    (PH, _), (PW, _) = padding
    view = cols.transpose(_TO_CANONICAL[batch_last])
    OH, OW = view.shape[4], view.shape[5]
    x = cp.empty((N, C, H, W), dtype=cols.dtype)
    _COL2IM(view, C, H, W, KH, KW, OH, OW, SH, SW, PH, PW, DH, DW, *element_strides(view), x)
    return x
