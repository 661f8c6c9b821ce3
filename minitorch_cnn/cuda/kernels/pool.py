"""Max and average pooling over NCHW planes, forward and backward, one thread per output element.

Window geometry is PyTorch's: output (oh, ow) covers input rows ``oh * SH - PH + i * DH`` for
``i < KH`` (likewise columns), and padding never wins a max. Arguments are those of
``minitorch_cnn.ops.pool``: (h, w) pairs, padding per side, and the output size computed by
the caller (it knows ``ceil_mode``). Max pooling returns the argmax as a
flat ``h * W + w`` index into each input plane (int64), PyTorch's ``return_indices`` convention.
Both backward kernels gather (one thread per input element, looping over the outputs whose
window covers it), so they need no atomics and are deterministic.
"""
from ._common import cp

_GEOMETRY = ("int32 H, int32 W, int32 OH, int32 OW, int32 KH, int32 KW, "
             "int32 SH, int32 SW, int32 PH, int32 PW")

_MAX_POOL_FORWARD = cp.ElementwiseKernel(
    "raw T x, " + _GEOMETRY + ", int32 DH, int32 DW",
    "T y, int64 index",
    """
    const int ow = i % OW;
    const int oh = (i / OW) % OH;
    const T* plane = &x[0] + (long long)(i / ((long long)OW * OH)) * H * W;
    int h0 = oh * SH - PH, w0 = ow * SW - PW;
    const int h1 = min(h0 + (KH - 1) * DH + 1, H), w1 = min(w0 + (KW - 1) * DW + 1, W);
    while (h0 < 0) h0 += DH;
    while (w0 < 0) w0 += DW;
    T best = 0;
    long long best_index = (long long)h0 * W + w0;
    bool first = true;
    for (int h = h0; h < h1; h += DH) {
        for (int w = w0; w < w1; w += DW) {
            const T v = plane[h * W + w];
            if (first || v > best || isnan(v)) {  // NaN propagates, like PyTorch
                best = v;
                best_index = (long long)h * W + w;
                first = false;
            }
        }
    }
    y = best;
    index = best_index;
    """,
    "minitorch_max_pool2d_forward",
)

_MAX_POOL_BACKWARD = cp.ElementwiseKernel(
    "raw T grad_y, raw int64 index, " + _GEOMETRY + ", int32 DH, int32 DW",
    "T grad_x",
    """
    const int w = i % W;
    const int h = (i / W) % H;
    const long long out_base = (long long)(i / ((long long)W * H)) * OH * OW;
    const long long me = (long long)h * W + w;
    T total = 0;
    for (int kh = 0; kh < KH; ++kh) {
        int oh = h + PH - kh * DH;
        if (oh < 0 || oh % SH != 0) continue;
        oh /= SH;
        if (oh >= OH) continue;
        for (int kw = 0; kw < KW; ++kw) {
            int ow = w + PW - kw * DW;
            if (ow < 0 || ow % SW != 0) continue;
            ow /= SW;
            if (ow >= OW) continue;
            const long long o = out_base + oh * OW + ow;
            if (index[o] == me) total += grad_y[o];
        }
    }
    grad_x = total;
    """,
    "minitorch_max_pool2d_backward",
)

_AVG_POOL_FORWARD = cp.ElementwiseKernel(
    "raw T x, raw T divisor, " + _GEOMETRY,
    "T y",
    """
    const int ow = i % OW;
    const int oh = (i / OW) % OH;
    const T* plane = &x[0] + (long long)(i / ((long long)OW * OH)) * H * W;
    const int h0 = max(oh * SH - PH, 0), h1 = min(oh * SH - PH + KH, H);
    const int w0 = max(ow * SW - PW, 0), w1 = min(ow * SW - PW + KW, W);
    T total = 0;
    for (int h = h0; h < h1; ++h)
        for (int w = w0; w < w1; ++w)
            total += plane[h * W + w];
    y = total / divisor[oh * OW + ow];
    """,
    "minitorch_avg_pool2d_forward",
)

_AVG_POOL_BACKWARD = cp.ElementwiseKernel(
    "raw T grad_y, raw T divisor, " + _GEOMETRY,
    "T grad_x",
    """
    const int w = i % W;
    const int h = (i / W) % H;
    const T* g = &grad_y[0] + (long long)(i / ((long long)W * H)) * OH * OW;
    // outputs whose window [o * S - P, o * S - P + K) contains (h, w)
    const int oh_first = (h + PH < KH) ? 0 : (h + PH - KH) / SH + 1;
    const int oh_last = min((h + PH) / SH + 1, OH);
    const int ow_first = (w + PW < KW) ? 0 : (w + PW - KW) / SW + 1;
    const int ow_last = min((w + PW) / SW + 1, OW);
    T total = 0;
    for (int oh = oh_first; oh < oh_last; ++oh)
        for (int ow = ow_first; ow < ow_last; ++ow)
            total += g[oh * OW + ow] / divisor[oh * OW + ow];
    grad_x = total;
    """,
    "minitorch_avg_pool2d_backward",
)


def _geometry(x_shape, out_size, kernel_size, stride, padding):
    """The ints every pooling kernel takes; ``padding`` is ((top, bottom), (left, right)) and only
    top/left enter the index math (bottom/right are implied by ``out_size``)."""
    (KH, KW), (SH, SW), ((PH, _), (PW, _)) = kernel_size, stride, padding
    return x_shape[-2], x_shape[-1], out_size[0], out_size[1], KH, KW, SH, SW, PH, PW


def max_pool2d_forward(x, kernel_size, stride, padding, dilation, out_size):
    """x (N, C, H, W) -> (y, indices), both (N, C, OH, OW); indices are flat h*W+w (int64).

    Arguments as ``minitorch_cnn.ops.pool.MaxPool2d``: pairs, and padding per side.
    """
    y = cp.empty(tuple(x.shape[:2]) + tuple(out_size), dtype=x.dtype)
    indices = cp.empty(y.shape, dtype=cp.int64)
    _MAX_POOL_FORWARD(cp.ascontiguousarray(x), *_geometry(x.shape, out_size, kernel_size, stride, padding),
                      *dilation, y, indices)
    return y, indices


def max_pool2d_backward(grad_y, indices, x_shape, kernel_size, stride, padding, dilation):
    """dX[n, c, p] = sum of dY over the outputs whose argmax is p."""
    grad_x = cp.empty(tuple(x_shape), dtype=grad_y.dtype)
    _MAX_POOL_BACKWARD(cp.ascontiguousarray(grad_y), cp.ascontiguousarray(indices),
                       *_geometry(x_shape, grad_y.shape[-2:], kernel_size, stride, padding), *dilation, grad_x)
    return grad_x


def _divisor_map(divisor, out_size, dtype):
    """The (OH, OW) divisors as a contiguous array (``divisor`` is a number or such an array)."""
    if isinstance(divisor, (int, float)):
        return cp.full(tuple(out_size), divisor, dtype=dtype)
    return cp.ascontiguousarray(cp.broadcast_to(cp.asarray(divisor, dtype=dtype), tuple(out_size)))


def avg_pool2d_forward(x, kernel_size, stride, padding, out_size, divisor):
    """x (N, C, H, W) -> y (N, C, OH, OW) = window sum / divisor, as ``ops.pool.AvgPool2d``
    (``divisor`` a number or an (OH, OW) array; padding counts as zeros)."""
    y = cp.empty(tuple(x.shape[:2]) + tuple(out_size), dtype=x.dtype)
    _AVG_POOL_FORWARD(cp.ascontiguousarray(x), _divisor_map(divisor, out_size, x.dtype),
                      *_geometry(x.shape, out_size, kernel_size, stride, padding), y)
    return y


def avg_pool2d_backward(grad_y, x_shape, kernel_size, stride, padding, divisor):
    """dX[p] = sum over the windows covering p of dY / divisor."""
    grad_x = cp.empty(tuple(x_shape), dtype=grad_y.dtype)
    _AVG_POOL_BACKWARD(cp.ascontiguousarray(grad_y), _divisor_map(divisor, grad_y.shape[-2:], grad_y.dtype),
                       *_geometry(x_shape, grad_y.shape[-2:], kernel_size, stride, padding), grad_x)
    return grad_x
