"""Cross-entropy over (N, C) logits with int64 class targets: one thread per row forward,
one thread per logit backward. ``ignore_index`` rows get zero loss and zero gradient.
Class weights and label smoothing are not handled here (the generic op covers them);
(N, C, H, W) inputs are handled by the caller as (N*H*W, C) rows.

    lse_i = log(sum_c exp(x_ic)),   loss_i = lse_i - x_i,t_i,   dx_ic = g_i * (exp(x_ic - lse_i) - [c == t_i])
"""
from ._common import cp

_FORWARD = cp.ElementwiseKernel(
    "raw T logits, int64 target, int32 C, int64 ignore_index", "T loss, T lse",
    """
    const T* row = &logits[0] + (long long)i * C;
    T top = row[0];
    for (int c = 1; c < C; ++c) top = max(top, row[c]);
    T total = 0;
    for (int c = 0; c < C; ++c) total += exp(row[c] - top);  // shifted by the max: no overflow
    lse = top + log(total);
    loss = (target == ignore_index) ? (T)0 : lse - row[target];
    """,
    "minitorch_cross_entropy_forward",
)

_BACKWARD = cp.ElementwiseKernel(
    "T x, raw int64 target, raw T lse, raw T grad_loss, int32 C, int64 ignore_index", "T grad_x",
    """
    const long long row = i / C;
    const int c = i % C;
    const long long t = target[row];
    grad_x = (t == ignore_index) ? (T)0 : grad_loss[row] * (exp(x - lse[row]) - (c == t ? (T)1 : (T)0));
    """,
    "minitorch_cross_entropy_backward",
)


def cross_entropy_forward(logits, target, ignore_index=-100):
    """logits (N, C), target (N,) int64 -> (loss (N,) per row, lse (N,) saved for backward)."""
    logits = cp.ascontiguousarray(logits)
    return _FORWARD(logits, target, logits.shape[1], ignore_index)


def cross_entropy_backward(logits, target, lse, grad_loss, ignore_index=-100):
    """dlogits (N, C) from the per-row loss gradient ``grad_loss`` (N,) (already divided by the
    number of counted rows for reduction='mean')."""
    logits = cp.ascontiguousarray(logits)
    return _BACKWARD(logits, target, lse, cp.ascontiguousarray(grad_loss), logits.shape[1], ignore_index)
