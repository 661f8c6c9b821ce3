"""Losses written as single Functions where the composite would be slow or inexact.

The rest (mse, l1, smooth_l1, bce_with_logits, label smoothing) are compositions
of differentiable tensor functions in ``nn/functional.py``.
"""
from ..autograd.function import Function
from ..backend import get_array_module
from . import dual, kernel


class NLLLoss(Function):
    """Per-item loss -weight[t] * logp[n, t, ...], zero where t == ignore_index.

    logp: (N, C) or (N, C, d1, ...); target: (N,) or (N, d1, ...) int64.
    ``reduction`` 'mean' divides by the summed weights of the non-ignored targets.
    """
    node_name = "NllLossBackward0"  # PyTorch's name of this backward node

    def __init__(self, target, weight, ignore_index, reduction):
        self.target, self.weight = target, weight
        self.ignore_index, self.reduction = ignore_index, reduction

    def forward(self, logp):
        xp = get_array_module(logp)
        keep = self.target != self.ignore_index
        safe = xp.where(keep, self.target, 0)
        w = xp.ones(logp.shape[1], dtype=logp.dtype) if self.weight is None else self.weight
        # per-item weight w[t], 0 where ignored
        item_weight = (w[safe] * keep).astype(logp.dtype, copy=False)
        self.save_for_backward(item_weight, safe)
        picked = xp.take_along_axis(logp, xp.expand_dims(safe, 1), axis=1).squeeze(1)
        # an ignored item is left out of the arithmetic (0 * its inf or NaN would be NaN)
        loss = xp.where(keep, -picked * item_weight, 0).astype(logp.dtype, copy=False)
        self.shape = logp.shape
        if self.reduction == "none":
            return loss
        if self.reduction == "sum":
            return loss.sum()
        return loss.sum() / item_weight.sum()

    def backward(self, grad):
        # dlogp[n, t_n] = -w[t_n] * dY_n (/ total weight for 'mean'); zero elsewhere
        xp = get_array_module(grad)
        item_weight, safe = self.saved_tensors
        scale = -item_weight * grad
        if self.reduction == "mean":
            scale = scale / item_weight.sum()  # the total weight of the items counted
        # one write per item into zeros, with the class axis moved last so that a row is one item
        n, c = self.shape[:2]
        dlogp = xp.zeros((n,) + tuple(self.shape[2:]) + (c,), dtype=grad.dtype)
        rows = dlogp.reshape(-1, c)
        rows[xp.arange(rows.shape[0]), safe.reshape(-1)] = scale.reshape(-1)
        return xp.moveaxis(dlogp, -1, 1)

    def jvp(self, v):
        # J v = the same weighted pick of v (the loss is linear in logp)
        xp = get_array_module(v)
        item_weight, safe = self.saved_tensors
        loss = -xp.take_along_axis(v, xp.expand_dims(safe, 1), axis=1).squeeze(1) * item_weight
        if self.reduction == "none":
            return loss
        return loss.sum() if self.reduction == "sum" else loss.sum() / item_weight.sum()


class FusedCrossEntropy(Function):
    """cross_entropy of (N, C) logits by the CUDA kernels: loss_n = logsumexp(x_n) - x[n, t_n].

    The fast path for the common case (no class weights, no label smoothing); it exists only
    where ``kernel("cross_entropy_forward", xp)`` does (CuPy). Everywhere else cross_entropy is
    log_softmax + NLLLoss. Rows whose target is ``ignore_index`` count zero; 'mean' divides by
    the number of the others.
    """
    node_name = "NllLossBackward0"  # PyTorch's name of this backward node

    def __init__(self, target, ignore_index, reduction):
        self.target, self.ignore_index, self.reduction = target, ignore_index, reduction

    def forward(self, logits):
        xp = get_array_module(logits)
        loss, self.lse = kernel("cross_entropy_forward", xp)(logits, self.target, self.ignore_index)
        self.save_for_backward(logits)
        if self.reduction == "none":
            return loss
        if self.reduction == "sum":
            return loss.sum()
        self.count = (self.target != self.ignore_index).sum().astype(loss.dtype)  # stays on the GPU: no sync
        return loss.sum() / self.count

    def backward(self, grad):
        # dX[n, c] = dY_n * (softmax(x_n)_c - [c == t_n]), dY_n = dY / count for 'mean'; zero for ignored rows
        xp = get_array_module(grad)
        (logits,) = self.saved_tensors
        if self.reduction == "mean":
            grad = grad / self.count
        grad_rows = xp.broadcast_to(grad, self.target.shape)
        return kernel("cross_entropy_backward", xp)(logits, self.target, self.lse, grad_rows, self.ignore_index)


class BinaryCrossEntropy(Function):
    """-(t log x + (1-t) log(1-x)), each log clamped at -100 as in PyTorch; elementwise (no reduction)."""

    differentiable_backward = True

    def forward(self, x, t):
        xp = get_array_module(x)
        self.save_for_backward(x, t)
        log_x = xp.maximum(xp.log(x), -100)
        log_1mx = xp.maximum(xp.log1p(-x), -100)
        return -(t * log_x + (1 - t) * log_1mx)

    def backward(self, grad):
        # dX = dY * (x - t) / max(x (1 - x), 1e-12);  dT = dY * (log(1-x) - log(x)), each log at least -100
        x, t = self.saved_tensors
        dx = dt = None
        if self.needs_input_grad[0]:
            var = x * (1 - x)
            dx = grad * (x - t) / dual.where(dual.value(var) > 1e-12, var, 1e-12)
        if self.needs_input_grad[1]:
            log_x, log_1mx = dual.log(x), dual.log1p(-x)
            dt = grad * (dual.where(dual.value(log_1mx) > -100, log_1mx, -100.0)
                         - dual.where(dual.value(log_x) > -100, log_x, -100.0))
        return dx, dt
