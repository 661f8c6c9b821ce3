"""Losses that PyTorch computes as one graph node, each one Function here (``MseLossBackward0``, ...).

The rest (l1, the weighted regression losses, label smoothing, class-probability targets) are
compositions of differentiable tensor functions in ``nn/functional_losses.py``, as in PyTorch.
Every backward here is written with ``dual`` so that create_graph=True differentiates it again.
"""
import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from . import dual, kernel
from .activation import Sigmoid
from .activation import log_sigmoid as _log_sigmoid


def _reduced(loss, reduction):
    """The per-element ``loss`` summed, averaged ('mean') or kept ('none')."""
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


class ScalarMul(Function):
    """x * c, or x / c (``divide``), for a number c: ATen's Scalar overloads, which PyTorch's own loss
    compositions call, recorded as ``MulBackward1`` / ``DivBackward1`` with one input (x). Any shape."""

    def __init__(self, c, divide=False):
        self.c, self.divide = c, divide
        self.node_name = "DivBackward1" if divide else "MulBackward1"  # PyTorch's names of these nodes

    def forward(self, x):
        return x / self.c if self.divide else x * self.c

    def backward(self, g):
        # dX = dY * c, or dY / c
        return g / self.c if self.divide else g * self.c

    jvp = backward  # linear, and its own transpose: J v = J^T v = c v


class _PairLoss(Function):
    """A loss of d = input - target per element, reduced: (input, target) of one shape -> () or that shape.

    ``forward`` saves the two inputs; ``backward`` gets the input's gradient from the subclass's
    ``derivative(d, norm, grad)`` (norm = 1 / numel for 'mean', else 1) and gives the target its negative.
    """

    differentiable_backward = True

    def __init__(self, reduction):
        self.reduction = reduction

    def forward(self, x, t):
        self.save_for_backward(x, t)
        loss = self.elementwise(get_array_module(x), x - t)
        self.numel = loss.size
        return _reduced(loss, self.reduction)

    def backward(self, grad):
        # dX = dloss/dd * dY (/ numel for 'mean'); dT = -dX, since d = x - t
        x, t = self.saved_tensors
        norm = 1.0 / self.numel if self.reduction == "mean" else 1.0
        dx = self.derivative(x - t, norm, grad)
        return (dx if self.needs_input_grad[0] else None), (-dx if self.needs_input_grad[1] else None)


class MseLoss(_PairLoss):
    """d^2 per element."""

    node_name = "MseLossBackward0"  # PyTorch's name of this backward node

    def elementwise(self, xp, d):
        return d * d

    def derivative(self, d, norm, grad):
        # dloss/dd = 2 d
        return (2.0 * norm) * d * grad


class SmoothL1Loss(_PairLoss):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta > 0)."""

    node_name = "SmoothL1LossBackward0"  # PyTorch's name of this backward node

    def __init__(self, reduction, beta):
        super().__init__(reduction)
        self.beta = beta

    def elementwise(self, xp, d):
        z = abs(d)
        return xp.where(z < self.beta, 0.5 * z * z / self.beta, z - 0.5 * self.beta)

    def derivative(self, d, norm, grad):
        # dloss/dd = d / beta where |d| < beta, else sign(d)
        v = dual.value(d)
        xp = get_array_module(v)
        return dual.where(abs(v) < self.beta, norm * d * grad / self.beta, norm * xp.sign(v) * grad)


class HuberLoss(_PairLoss):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (delta > 0): delta * smooth_l1 with beta = delta."""

    node_name = "HuberLossBackward0"  # PyTorch's name of this backward node

    def __init__(self, reduction, delta):
        super().__init__(reduction)
        self.delta = delta

    def elementwise(self, xp, d):
        z = abs(d)
        return xp.where(z < self.delta, 0.5 * z * z, self.delta * (z - 0.5 * self.delta))

    def derivative(self, d, norm, grad):
        # dloss/dd = d where |d| < delta, else delta sign(d)
        v = dual.value(d)
        xp = get_array_module(v)
        return dual.where(abs(v) < self.delta, norm * d * grad, norm * self.delta * xp.sign(v) * grad)


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


class _WeightedPairLoss(Function):
    """A binary loss of (input, target) of one shape, times a constant per-element ``weight`` (an array
    broadcast to the target's shape, or None), reduced; 'mean' divides by the number of elements."""

    differentiable_backward = True

    def __init__(self, weight, reduction):
        self.weight, self.reduction = weight, reduction

    def _finish(self, loss):
        """forward's last step: weighted and reduced."""
        if self.weight is not None:
            loss = loss * self.weight
        self.numel = loss.size
        return _reduced(loss, self.reduction)

    def _spread(self, grad_per_element):
        """backward's last step: an element's gradient weighted, and divided by numel for 'mean'."""
        if self.weight is not None:
            grad_per_element = grad_per_element * self.weight
        return grad_per_element / self.numel if self.reduction == "mean" else grad_per_element


class BinaryCrossEntropy(_WeightedPairLoss):
    """(t - 1) max(log(1 - x), -100) - t max(log x, -100) per element, as PyTorch clamps the logs."""

    node_name = "BinaryCrossEntropyBackward0"  # PyTorch's name of this backward node

    def forward(self, x, t):
        xp = get_array_module(x)
        self.save_for_backward(x, t)
        with np.errstate(divide="ignore"):  # log 0 = -inf, then clamped, as in PyTorch
            return self._finish((t - 1) * xp.maximum(xp.log1p(-x), -100) - t * xp.maximum(xp.log(x), -100))

    def backward(self, grad):
        # dX = dY (x - t) / max((1 - x) x, 1e-12);  dT = -dY logit(x) = dY log((1 - x) / x); each times
        # the weight, / numel for 'mean'
        x, t = self.saved_tensors
        dx = dt = None
        if self.needs_input_grad[0]:
            var = (1 - x) * x
            dx = self._spread(grad * (x - t) / dual.where(dual.value(var) > 1e-12, var, 1e-12))
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore"):  # an infinite logit at x = 0 or 1, as in PyTorch
                dt = self._spread(-dual.log(x / (1 - x)) * grad)
        return dx, dt


class BinaryCrossEntropyWithLogits(_WeightedPairLoss):
    """(1 - t) x - (1 + (pos_weight - 1) t) log sigmoid(x) per element: bce(sigmoid(x), t) without overflow.

    ``pos_weight`` (an array broadcast against the target, or None) scales the positive term.
    """

    node_name = "BinaryCrossEntropyWithLogitsBackward0"  # PyTorch's name of this backward node

    def __init__(self, weight, pos_weight, reduction):
        super().__init__(weight, reduction)
        self.pos_weight = pos_weight

    def forward(self, x, t):
        self.save_for_backward(x, t)
        log_sigmoid = _log_sigmoid(x)
        if self.pos_weight is not None:
            log_sigmoid = log_sigmoid * ((self.pos_weight - 1) * t + 1)
        return self._finish((1 - t) * x - log_sigmoid)

    def backward(self, grad):
        # dX = dY (sigmoid(x) - t), or with p = pos_weight: dY ((p t + 1 - t) sigmoid(x) - p t);
        # dT = -dY x, or dY (log sigmoid(-x) - p log sigmoid(x)); each times the weight, / numel for 'mean'
        x, t = self.saved_tensors
        p = self.pos_weight
        dx = dt = None
        if self.needs_input_grad[0]:
            s = dual.apply(Sigmoid(), x)
            dx = self._spread((s - t if p is None else (p * t + 1 - t) * s - p * t) * grad)
        if self.needs_input_grad[1]:
            dt = self._spread((-x if p is None else _log_sigmoid(-x) - _log_sigmoid(x) * p) * grad)
        return dx, dt
