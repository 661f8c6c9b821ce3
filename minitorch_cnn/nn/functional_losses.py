"""The loss functions of ``mt.nn.functional`` (re-exported there): PyTorch's names, defaults and numerics.

The losses that PyTorch computes as one graph node (mse, smooth_l1, huber, binary cross-entropy
with or without logits, nll) are one Function each in ``ops/loss.py``; the others (l1, the
weighted regression losses, cross_entropy's log_softmax + nll) are compositions, as in PyTorch.
``reduction`` is 'mean', 'sum' or 'none'; the legacy ``size_average``/``reduce`` flags map to it
as in PyTorch.
"""
import warnings

import numpy as np

from .. import functions as T
from ..autograd import is_grad_enabled
from ..backend import get_array_module
from ..ops import kernel
from ..cuda import is_current_stream_capturing
from ..ops import loss as loss_ops
from ._checks import broadcast, broadcast_into, floating_only, loss_dtypes
from ._reduction import legacy_get_string


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
    """PyTorch's checks of class-index targets, in its order (nll_loss_nd, then the 1-2-D or spatial kernel):
    shapes, the weight, the target's dtype (int64 or uint8), then each target's range."""
    if input.ndim < 1:
        raise ValueError(f"{op}: Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim != 1 and (target.ndim == 0 or target.shape[0] != input.shape[0]):
        raise ValueError(f"{op}: Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0] if target.ndim else 0}).")
    shape, spatial = list(input.shape), list(input.shape[2:])
    if input.ndim <= 2 and target.ndim > 1:
        raise RuntimeError(f"{op}: 0D or 1D target tensor expected, multi-target not supported")
    if input.ndim == 4 and target.ndim != 3:
        raise RuntimeError(f"{op}: only batches of spatial targets supported (3D tensors) but got targets of "
                           f"dimension: {target.ndim}")
    if input.ndim == 4 and list(target.shape) != shape[:1] + spatial:
        raise RuntimeError(f"{op}: size mismatch (got input: {shape}, target: {list(target.shape)}")
    if input.ndim >= 3 and input.ndim != 4 and list(target.shape[1:]) != spatial:
        raise RuntimeError(f"{op}: Expected target size {shape[:1] + spatial}, got {list(target.shape)}")
    if input.ndim >= 3 and input.ndim != 4 and input.numel() == 0 and target.numel():  # (PyTorch views them so)
        raise RuntimeError(f"{op}: size mismatch (got input: {shape[:2] + [0, 0]} , target: "
                           f"{[shape[0], 1, target.numel() // shape[0]]}")
    c = input.shape[0] if input.ndim == 1 else input.shape[1]
    if weight is not None and tuple(weight.shape) != (c,):
        raise RuntimeError(f"{op}: weight tensor should be defined either for all {c} classes or no classes but "
                           f"got weight tensor of shape: {list(weight.shape)}")
    if target.dtype.name not in ("int64", "uint8"):
        raise RuntimeError(f"{op}: expected target dtype to be Long or Byte, but got {target.dtype.scalar_name}")
    if input.ndim == 1 and target.ndim == 1 and target.shape[0] != 1:
        raise ValueError(f"{op}: For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}")
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
    probabilities = input.ndim >= 1 and tuple(target.shape) == tuple(input.shape)  # (PyTorch's test: the shape)
    if probabilities and not target.dtype.is_floating_point:
        raise RuntimeError(f"cross_entropy: Expected floating point type for target with class probabilities, got "
                           f"{target.dtype.scalar_name}")
    if probabilities and ignore_index >= 0:
        raise RuntimeError("cross_entropy: ignore_index is not supported for floating point target")
    if label_smoothing > 1.0:
        raise RuntimeError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    label_smoothing = label_smoothing if label_smoothing > 0 else 0.0  # (a negative or NaN one: none, as PyTorch)
    if (weight is None and label_smoothing == 0 and input.ndim == 2 and target._data.dtype == np.int64
            and input._data.dtype in (np.float32, np.float64)
            and kernel("cross_entropy_forward", get_array_module(input._data)) is not None):
        _check_class_target("cross_entropy", input, target, None, ignore_index)
        return loss_ops.FusedCrossEntropy(target._data, ignore_index, reduction)(input)  # CUDA: one kernel each way
    class_dim = 0 if input.ndim == 1 else 1
    c = input.shape[class_dim]
    if not probabilities:  # class indices: refused before any arithmetic (0 classes included)
        _check_class_target("cross_entropy", input, target, weight, ignore_index)
    # log_softmax of no elements is no elements (its max would have no identity)
    logp = input if input.numel() == 0 else T.log_softmax(input, class_dim)
    w_shape = (c,) + (1,) * (input.ndim - class_dim - 1)
    if probabilities:
        if weight is not None and tuple(weight.shape) != (c,):
            raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {c} classes or no "
                               f"classes but got weight tensor of shape: {list(weight.shape)}")
        if label_smoothing > 0 and c:
            target = target * (1 - label_smoothing) + label_smoothing / c
        terms = logp * target if weight is None else logp * target * T.reshape(weight, w_shape)
        if reduction == "none":
            return -T.sum(terms, class_dim)
        total = -T.sum(terms)
        # (the mean over the items: PyTorch's Scalar division, DivBackward1)
        items = input.numel() // c if c else float("nan")  # (no classes: PyTorch's 0 / 0)
        return total if reduction == "sum" else loss_ops.ScalarMul(items, divide=True)(total)
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing == 0:
        return nll
    if c == 0:  # PyTorch's smoothing term is then 0 * (eps / 0): NaN
        return nll if reduction == "none" else nll + float("nan")
    ignored = target == ignore_index
    terms = logp if weight is None else logp * T.reshape(weight, w_shape)
    smooth = (-T.sum(terms, class_dim)).masked_fill(ignored, 0.0)
    if reduction == "mean":
        kept = target._data[~ignored._data]
        denom = float(kept.size) if weight is None else float(weight._data[kept].sum())
        smooth = T.sum(smooth) / denom
    else:
        smooth = _reduce(smooth, reduction)
    # (1 - eps) nll + smooth eps / C, each scaled by a number as PyTorch's composition does (MulBackward1)
    return loss_ops.ScalarMul(1 - label_smoothing)(nll) + loss_ops.ScalarMul(label_smoothing / c)(smooth)


def _check_same_size(op, input, target):
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(f"{op}: Using a target size ({list(target.shape)}) that is different to the input size "
                      f"({list(input.shape)}). This will likely lead to incorrect results due to broadcasting. "
                      f"Please ensure they have the same size.", stacklevel=4)  # (the loss's caller)


def _broadcast_pair(op, input, target):
    """PyTorch's ``broadcast_tensors(input, target)``: each expanded to the common shape (one already of
    that shape is itself, so that the loss node's inputs are the tensors given)."""
    _check_same_size(op, input, target)
    input, target = T._promote(op, input, target)  # (an integer target counts as floats)
    a, b = tuple(input.shape), tuple(target.shape)
    if a == b:
        return input, target
    try:
        shape = np.broadcast_shapes(a, b)
    except ValueError:
        T._raise_broadcast_error(op, a, b)
        raise
    return tuple(t if tuple(t.shape) == shape else T.expand(t, *shape) for t in (input, target))


def _constant_weight(op, name, weight, input):
    """The raw array of a loss's ``weight`` / ``pos_weight`` in ``input``'s dtype, refused (as PyTorch does)
    if it requires grad."""
    if weight is None:
        return None
    if weight.requires_grad:
        raise RuntimeError(f"The function '{op}' is not differentiable with respect to argument '{name}'. This "
                           f"input cannot have requires_grad True.")
    return weight._data.astype(input._data.dtype, copy=False)


def _weighted_reduce(loss, weight, reduction, mean_by_weight=True):
    """PyTorch's per-element ``weight`` of the regression losses: 'mean' divides by the sum of the weights
    (huber_loss's by the number of elements)."""
    loss = loss * weight
    if reduction == "mean":
        return T.sum(loss) / T.sum(weight) if mean_by_weight else T.mean(loss)
    return _reduce(loss, reduction)


def _check_weight(weight, input):
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """(input - target)^2: one node (``MseLossBackward0``); with ``weight``, a composition as in PyTorch."""
    reduction = _reduction("mse_loss", size_average, reduce, reduction)
    loss_dtypes("mse_loss", "mse_cpu", input, target)
    input, target = _broadcast_pair("mse_loss", input, target)
    if weight is None:
        return loss_ops.MseLoss(reduction)(input, target)
    _check_weight(weight, input)
    return _weighted_reduce(T.pow(input - target, 2), weight, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """|input - target|, a composition (abs, then mean or sum) as in PyTorch."""
    reduction = _reduction("l1_loss", size_average, reduce, reduction)
    input, target = _broadcast_pair("l1_loss", input, target)
    if weight is None:
        return _reduce(T.abs(input - target), reduction)
    _check_weight(weight, input)
    return _weighted_reduce(T.abs(input - target), weight, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta = 0 is l1_loss)."""
    reduction = _reduction("smooth_l1_loss", size_average, reduce, reduction)
    if beta != 0:  # (beta = 0 is PyTorch's l1_loss, whatever the dtypes)
        loss_dtypes("smooth_l1_loss", "smooth_l1_cpu", input, target)
    if not beta >= 0:  # (NaN included, as PyTorch)
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    input, target = _broadcast_pair("smooth_l1_loss", input, target)
    if beta == 0:
        return _reduce(T.abs(input - target), reduction)
    return loss_ops.SmoothL1Loss(reduction, float(beta))(input, target)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta): delta * smooth_l1_loss with beta = delta."""
    reduction = _reduction("huber_loss", None, None, reduction)
    loss_dtypes("huber_loss", "huber_cpu", input, target, into_input=True)
    if not delta > 0:  # (NaN included, as PyTorch)
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    in_dtype = input.dtype
    if in_dtype is not target.dtype and in_dtype.is_floating_point and target.dtype.is_floating_point:
        if is_grad_enabled() and (input.requires_grad or target.requires_grad):  # (PyTorch's backward refuses)
            raise RuntimeError(f"Found dtype {target.dtype.scalar_name} but expected {in_dtype.scalar_name}")
        # computed in the wider dtype, written in input's, as PyTorch
        return T.cast(huber_loss(*T._wider_float(input, target), reduction, delta, weight), in_dtype)
    input, target = _broadcast_pair("huber_loss", input, target)
    if weight is None:
        return loss_ops.HuberLoss(reduction, float(delta))(input, target)
    _check_weight(weight, input)
    return _weighted_reduce(loss_ops.HuberLoss("none", float(delta))(input, target), weight, reduction,
                            mean_by_weight=False)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(t log x + (1-t) log(1-x)), logs clamped at -100, for probabilities x: one node, as in PyTorch."""
    reduction = _reduction("binary_cross_entropy", size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"binary_cross_entropy: Using a target size ({list(target.shape)}) that is different to "
                         f"the input size ({list(input.shape)}) is deprecated. Please ensure they have the same size.")
    op = "binary_cross_entropy"
    shape = tuple(target.shape) if weight is None else broadcast(op, target.shape, weight.shape)
    if target.dtype is not input.dtype:
        raise RuntimeError(f"{op}: Found dtype {target.dtype.scalar_name} but expected {input.dtype.scalar_name}")
    floating_only(op, op, input)
    x, t = input._data.reshape(-1), target._data.reshape(-1)
    # PyTorch checks each element in turn, its input before its target (NaN fails both)
    bad_x, bad_t = ~((x >= 0) & (x <= 1)), ~((t >= 0) & (t <= 1))
    if bool(bad_x.any() | bad_t.any()):
        first = int((bad_x | bad_t).argmax())
        raise RuntimeError(f"{op}: all elements of {'input' if bad_x[first] else 'target'} should be between 0 and 1")
    w = _constant_weight("binary_cross_entropy", "weight", weight, input)
    if w is not None:
        w = get_array_module(w).broadcast_to(w, shape)
    return loss_ops.BinaryCrossEntropy(w, reduction)(input, target)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """bce(sigmoid(x), t) computed stably: (1 - t) x - (1 + (pos_weight - 1) t) log sigmoid(x); one node."""
    reduction = _reduction("binary_cross_entropy_with_logits", size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"binary_cross_entropy_with_logits: Target size ({list(target.shape)}) must be the same "
                         f"as input size ({list(input.shape)})")
    op = "binary_cross_entropy_with_logits"
    floating_only(op, "log_sigmoid_cpu", input)  # PyTorch's steps: log_sigmoid(x), then (pos_weight - 1) * t,
    if pos_weight is not None:  # into log_sigmoid(x) in place, then (1 - t) * x in place into t's dtype ...
        broadcast_into(op, input.shape, broadcast(op, pos_weight.shape, target.shape))
    if target.dtype.name == "bool":
        raise RuntimeError(f"{op}: Subtraction, the `-` operator, with two bool tensors is not supported. Use the "
                           f"`^` or `logical_xor()` operator instead.")
    if not target.dtype.is_floating_point:
        raise RuntimeError(f"{op}: result type {input.dtype.scalar_name} can't be cast to the desired output type "
                           f"{target.dtype.scalar_name}")
    if weight is not None:  # ... and the weight multiplied in place
        broadcast_into(op, input.shape, weight.shape)
    if input._data.dtype != target._data.dtype:  # PyTorch's in-place steps leave the result in target's dtype
        input = T.cast(input, target.dtype)
    fn = loss_ops.BinaryCrossEntropyWithLogits(_constant_weight(op, "weight", weight, input),
                                               _constant_weight(op, "pos_weight", pos_weight, input), reduction)
    return fn(input, target)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Pointwise KL divergence target * (log target - input), for log-probabilities ``input`` (and ``target``
    if ``log_target``); 'batchmean' divides the sum by the batch size. A composition, as in PyTorch."""
    if size_average is not None or reduce is not None:
        reduction = legacy_get_string(size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    batchmean = reduction == "batchmean"
    reduction = _reduction("kl_div", None, None, "sum" if batchmean else reduction)
    if not (input.dtype.is_floating_point and target.dtype.is_floating_point):
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        loss = T.exp(target) * (target - input)
    else:  # xlogy(t, t) - t * input, with 0 log 0 = 0
        loss = T.where(target == 0, 0.0, target * T.log(target)) - target * input
    loss = _reduce(loss, reduction)
    return loss / input.shape[0] if batchmean and input.ndim != 0 else loss
