"""The loss functions of ``mt.nn.functional`` (re-exported there): PyTorch's names, defaults and numerics.

Cross-entropy and NLL have their own Functions in ``ops/loss.py``; the others are
compositions of differentiable tensor functions. ``reduction`` is 'mean', 'sum' or
'none'; the legacy ``size_average``/``reduce`` flags map to it as in PyTorch.
"""
import warnings

import numpy as np

from .. import functions as T
from ..backend import get_array_module
from ..ops import kernel
from ..cuda import is_current_stream_capturing
from ..ops import loss as loss_ops
from ._reduction import legacy_get_string


def _named(loss, node_name):
    """``loss`` with its top graph node carrying PyTorch's name for the loss (``MseLossBackward0``)."""
    if loss.grad_fn is not None:
        loss.grad_fn.node_name = node_name
    return loss


def _reduce(loss, reduction):
    if reduction == "mean":
        return T.mean(loss)
    if reduction == "sum":
        return T.sum(loss)
    return loss


def _reduction(op, size_average, reduce, reduction):
    """PyTorch's legacy size_average/reduce flags override ``reduction`` (with its deprecation warning)."""
    if size_average is not None or reduce is not None:
        reduction = legacy_get_string(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{op}: {reduction} is not a valid value for reduction")
    return reduction


def _check_class_target(op, input, target, weight, ignore_index):
    if input.ndim < 1:
        raise ValueError(f"{op}: input must have at least 1 dimension (C,) or (N, C, ...)")
    batch_in = () if input.ndim == 1 else (input.shape[0],) + tuple(input.shape[2:])
    if tuple(target.shape) != batch_in:
        if input.ndim > 1 and (target.ndim == 0 or target.shape[0] != input.shape[0]):
            raise ValueError(f"{op}: Expected input batch_size ({input.shape[0]}) to match target batch_size "
                             f"({target.shape[0] if target.ndim else 0}).")
        raise RuntimeError(f"{op}: expected target of size {list(batch_in)} for input of size "
                           f"{list(input.shape)}, got {list(target.shape)}")
    c = input.shape[0] if input.ndim == 1 else input.shape[1]
    if weight is not None and tuple(weight.shape) != (c,):
        raise RuntimeError(f"{op}: weight tensor should be defined either for all {c} classes or no classes but "
                           f"got weight tensor of shape: {list(weight.shape)}")
    t = target._data
    bad = (t != ignore_index) & ((t < 0) | (t >= c))
    # reading `bad` back is a host sync, which a CUDA graph cannot hold: checked in the eager warm-up steps
    if not is_current_stream_capturing() and bool(bad.any()):
        raise IndexError(f"{op}: Target {int(t[bad].reshape(-1)[0])} is out of bounds.")


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """-weight[t] * input[n, t] averaged by the summed weights (input holds log-probabilities)."""
    reduction = _reduction("nll_loss", size_average, reduce, reduction)
    _check_class_target("nll_loss", input, target, weight, ignore_index)
    unbatched = input.ndim == 1
    if unbatched:
        input, target = T.unsqueeze(input, 0), T.unsqueeze(target, 0)
    if input.shape[1] == 0:  # no classes: every target is ignore_index (checked), each item's loss is 0
        zero = T.sum(input) * 0.0  # (keeps the graph to input)
        if reduction == "none":
            out = T.where(target == ignore_index, zero, zero)  # zeros of target's shape
        else:
            out = zero if reduction == "sum" else zero + float("nan")  # 'mean': 0 / 0 summed weights
        return T.squeeze(out, 0) if unbatched and reduction == "none" else out
    fn = loss_ops.NLLLoss(target._data, None if weight is None else weight._data, ignore_index, reduction)
    out = fn(input)
    return T.squeeze(out, 0) if unbatched and reduction == "none" else out


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """log_softmax over the class axis + nll_loss; or class-probability targets of input's shape.

    label_smoothing eps mixes in the uniform distribution:
    loss = (1 - eps) * nll + eps / C * (-sum_c w_c log p_c), as PyTorch computes it.
    """
    reduction = _reduction("cross_entropy", size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if (weight is None and label_smoothing == 0 and input.ndim == 2 and target._data.dtype == np.int64
            and input._data.dtype in (np.float32, np.float64)
            and kernel("cross_entropy_forward", get_array_module(input._data)) is not None):
        _check_class_target("cross_entropy", input, target, None, ignore_index)
        return loss_ops.FusedCrossEntropy(target._data, ignore_index, reduction)(input)  # CUDA: one kernel each way
    class_dim = 0 if input.ndim == 1 else 1
    c = input.shape[class_dim]
    if target._data.dtype.kind != "f":  # class indices: refused before any arithmetic (0 classes included)
        _check_class_target("cross_entropy", input, target, weight, ignore_index)
    # log_softmax of no elements is no elements (its max would have no identity)
    logp = input if input.numel() == 0 else T.log_softmax(input, class_dim)
    w_shape = (c,) + (1,) * (input.ndim - class_dim - 1)
    if target._data.dtype.kind == "f":  # class probabilities
        if tuple(target.shape) != tuple(input.shape):
            raise RuntimeError(f"cross_entropy: expected probability target of size {list(input.shape)}, got "
                               f"{list(target.shape)}")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / c
        terms = logp * target if weight is None else logp * target * T.reshape(weight, w_shape)
        per_item = -T.sum(terms, class_dim)
        if reduction == "mean":
            return T.sum(per_item) / (input.numel() // c)
        return _reduce(per_item, reduction)
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing == 0 or c == 0:
        return nll
    ignored = target == ignore_index
    terms = logp if weight is None else logp * T.reshape(weight, w_shape)
    smooth = T.where(ignored, 0.0, -T.sum(terms, class_dim))
    if reduction == "mean":
        kept = target._data[~ignored._data]
        denom = float(kept.size) if weight is None else float(weight._data[kept].sum())
        smooth = T.sum(smooth) / denom
    else:
        smooth = _reduce(smooth, reduction)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / c)


def _check_same_size(op, input, target):
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(f"{op}: Using a target size ({list(target.shape)}) that is different to the input size "
                      f"({list(input.shape)}). This will likely lead to incorrect results due to broadcasting. "
                      f"Please ensure they have the same size.", stacklevel=3)


def _weighted_reduce(op, loss, weight, reduction):
    """PyTorch's per-element ``weight``: the weighted mean divides by the sum of the weights."""
    if weight is None:
        return _reduce(loss, reduction)
    if tuple(weight.shape) != tuple(loss.shape):
        raise ValueError(f"{op}: Weights and input must have the same size (weight {list(weight.shape)}, "
                         f"input {list(loss.shape)}).")
    loss = loss * weight
    return T.sum(loss) / T.sum(weight) if reduction == "mean" else _reduce(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _reduction("mse_loss", size_average, reduce, reduction)
    _check_same_size("mse_loss", input, target)
    d = input - target
    return _named(_weighted_reduce("mse_loss", d * d, weight, reduction), "MseLossBackward0")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _reduction("l1_loss", size_average, reduce, reduction)
    _check_same_size("l1_loss", input, target)
    return _weighted_reduce("l1_loss", T.abs(input - target), weight, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta = 0 is l1_loss)."""
    reduction = _reduction("smooth_l1_loss", size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss: smooth_l1_loss does not support negative values for beta, got {beta}")
    _check_same_size("smooth_l1_loss", input, target)
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    d = T.abs(input - target)
    return _named(_reduce(T.where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta), reduction),
                  "SmoothL1LossBackward0")


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(t log x + (1-t) log(1-x)), logs clamped at -100, for probabilities x."""
    reduction = _reduction("binary_cross_entropy", size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"binary_cross_entropy: Using a target size ({list(target.shape)}) that is different to "
                         f"the input size ({list(input.shape)}) is deprecated. Please ensure they have the same size.")
    x = input._data
    if bool(((x < 0) | (x > 1)).any()):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1")
    loss = loss_ops.BinaryCrossEntropy()(input, target)
    return _named(_reduce(loss if weight is None else loss * weight, reduction), "BinaryCrossEntropyBackward0")


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """bce(sigmoid(x), t) computed stably: (1 - t) x + (1 + (pos_weight - 1) t) * log(1 + exp(-x))."""
    reduction = _reduction("binary_cross_entropy_with_logits", size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"binary_cross_entropy_with_logits: Target size ({list(target.shape)}) must be the same "
                         f"as input size ({list(input.shape)})")
    max_val = T.clamp(-input, min=0)
    # log(1 + exp(-x)) = log(exp(-m) + exp(-x - m)) + m with m = max(-x, 0): no overflow
    softplus = T.log(T.exp(-max_val) + T.exp(-input - max_val)) + max_val
    log_weight = 1 if pos_weight is None else (pos_weight - 1) * target + 1
    loss = (1 - target) * input + log_weight * softplus
    return _named(_reduce(loss if weight is None else loss * weight, reduction), "BinaryCrossEntropyWithLogitsBackward0")


