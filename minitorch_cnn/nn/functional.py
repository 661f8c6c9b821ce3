"""``mt.nn.functional`` (imported as F): PyTorch's functional API for CNNs.

Each function checks its arguments the way PyTorch does (same exception type,
a message naming the op and the numbers), normalises them (int -> pair,
'same' -> explicit padding, ceil_mode -> extra bottom/right padding) and calls
one ``Function`` from ``minitorch_cnn/ops``. The losses live in
``functional_losses.py`` and are re-exported here.
"""
import builtins
import math
import warnings

import numpy as np

from .. import functions as T
from ..autograd.grad_mode import no_grad
from ..backend import get_array_module
from ..ops import activation, conv, dropout as dropout_ops, norm, padding as padding_ops, pool
from ..ops.im2col import pair, pool_out_size
from ..ops.interpolate import Separable2d, linear_matrix, nearest_matrix
from ..tensor import Tensor
from .functional_losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, l1_loss,  # noqa: F401
                                mse_loss, nll_loss, smooth_l1_loss)

__all__ = [
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "avg_pool2d", "batch_norm", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "conv2d", "cross_entropy", "dropout", "dropout2d", "elu", "flatten", "gelu",
    "hardtanh", "interpolate", "l1_loss", "leaky_relu", "linear", "local_response_norm", "log_softmax",
    "max_pool2d", "mse_loss", "nll_loss", "one_hot", "pad", "relu", "relu6", "sigmoid", "silu", "smooth_l1_loss",
    "softmax", "tanh",
]


# ------------------------------------------------------------------ helpers
def _check_tensor(op, name, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")


def _batched(op, x, what="(unbatched) or 4D (batched)"):
    """(C, H, W) -> (1, C, H, W) and a flag to squeeze the result back, as PyTorch accepts unbatched input."""
    _check_tensor(op, "input", x)
    if x.ndim not in (3, 4):
        raise RuntimeError(f"{op}: Expected 3D {what} input, but got input of size: {list(x.shape)}")
    return (T.unsqueeze(x, 0), True) if x.ndim == 3 else (x, False)


def _unbatch(out, squeeze):
    return T.squeeze(out, 0) if squeeze else out


def _pair_of_ints(op, name, value):
    value = pair(value)
    if len(value) == 1:
        value = value * 2
    if len(value) != 2 or not builtins.all(isinstance(v, (int, np.integer)) for v in value):
        raise TypeError(f"{op}(): argument '{name}' must be an int or a tuple of two ints, got {value!r}")
    return tuple(int(v) for v in value)


# ------------------------------------------------------------------ linear and convolution
def linear(input, weight, bias=None):
    """y = x W^T + b. input (*, in), weight (out, in), bias (out,)."""
    out = T.matmul(input, T.t(weight))
    return out if bias is None else out + bias


def _conv_padding(op, padding, kernel, dilation, stride):
    """Per-side ((top, bottom), (left, right)) padding; 'same' pads d*(k-1) in total, the extra one after."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0), (0, 0))
        if padding != "same":
            raise ValueError(f"{op}: Invalid padding string '{padding}', should be one of ('valid', 'same')")
        if stride != (1, 1):
            raise RuntimeError(f"{op}: padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    padding = _pair_of_ints(op, "padding", padding)
    if builtins.min(padding) < 0:
        raise RuntimeError(f"{op}: negative padding is not supported, got padding={padding}")
    return tuple((p, p) for p in padding)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation. input (N, C_in, H, W) or (C_in, H, W); weight (C_out, C_in/groups, kh, kw)."""
    x, squeeze = _batched("conv2d", input)
    _check_tensor("conv2d", "weight", weight)
    if weight.ndim != 4:
        raise RuntimeError(f"conv2d: weight must be 4-D (C_out, C_in/groups, kh, kw), got size {list(weight.shape)}")
    stride, dilation = _pair_of_ints("conv2d", "stride", stride), _pair_of_ints("conv2d", "dilation", dilation)
    if builtins.min(stride) <= 0:
        raise RuntimeError(f"conv2d: non-positive stride is not supported, got stride={stride}")
    if builtins.min(dilation) <= 0:
        raise RuntimeError(f"conv2d: dilation should be greater than zero, got dilation={dilation}")
    if not isinstance(groups, int) or groups <= 0:
        raise RuntimeError(f"conv2d: non-positive groups is not supported, got groups={groups}")
    c_out, c_per_group, kh, kw = weight.shape
    if c_out % groups:
        raise RuntimeError(f"conv2d: Given groups={groups}, expected weight to be divisible by {groups} at "
                           f"dimension 0, but got weight of size {list(weight.shape)} instead")
    if x.shape[1] != c_per_group * groups:
        raise RuntimeError(f"conv2d: Given groups={groups}, weight of size {list(weight.shape)}, expected "
                           f"input{list(x.shape)} to have {c_per_group * groups} channels, but got {x.shape[1]} "
                           f"channels instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != c_out):
        raise RuntimeError(f"conv2d: Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional "
                           f"with {c_out} elements, but got bias of size {list(bias.shape)} instead")
    pads = _conv_padding("conv2d", padding, (kh, kw), dilation, stride)
    padded = [s + a + b for s, (a, b) in zip(x.shape[2:], pads)]
    effective = [d * (k - 1) + 1 for k, d in zip((kh, kw), dilation)]
    if builtins.any(p < e for p, e in zip(padded, effective)):
        raise RuntimeError(f"conv2d: Calculated padded input size per channel: ({padded[0]} x {padded[1]}). "
                           f"Kernel size: ({effective[0]} x {effective[1]}). Kernel size can't be greater than "
                           f"actual input size")
    out = conv.Conv2d(stride, pads, dilation, groups)(x, weight, bias)
    return _unbatch(out, squeeze)


# ------------------------------------------------------------------ pooling
def _pool_args(op, kernel_size, stride, padding, dilation):
    kernel = _pair_of_ints(op, "kernel_size", kernel_size)
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and not stride) else \
        _pair_of_ints(op, "stride", stride)
    padding, dilation = _pair_of_ints(op, "padding", padding), _pair_of_ints(op, "dilation", dilation)
    if builtins.min(kernel) <= 0:
        raise RuntimeError(f"{op}: kernel_size must be greater than zero, but got kernel_size={kernel}")
    if builtins.min(stride) <= 0:
        raise RuntimeError(f"{op}: stride must be greater than zero, but got stride={stride}")
    if builtins.min(dilation) <= 0:
        raise RuntimeError(f"{op}: dilation must be greater than zero, but got dilation={dilation}")
    for k, p, d in zip(kernel, padding, dilation):
        if p < 0 or 2 * p > d * (k - 1) + 1:
            raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")
    return kernel, stride, padding, dilation


def _pool_geometry(op, x, kernel, stride, padding, dilation, ceil_mode):
    """Output size and per-side padding; bottom/right grow so the last (ceil_mode) window fits."""
    out = tuple(pool_out_size(s, k, st, p, d, ceil_mode)
                for s, k, st, p, d in zip(x.shape[2:], kernel, stride, padding, dilation))
    if builtins.min(out) < 1:
        raise RuntimeError(f"{op}: Given input size: ({x.shape[1]}x{x.shape[2]}x{x.shape[3]}). Calculated output "
                           f"size: ({x.shape[1]}x{out[0]}x{out[1]}). Output size is too small")
    pads = tuple((p, builtins.max(p, (o - 1) * st + d * (k - 1) + 1 - s - p))
                 for s, o, k, st, p, d in zip(x.shape[2:], out, kernel, stride, padding, dilation))
    return out, pads


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over each window (padding reads as -inf). With return_indices also the flat h*W+w argmax."""
    x, squeeze = _batched("max_pool2d", input, "(unbatched) or 4D (batched)")
    kernel, stride, padding, dilation = _pool_args("max_pool2d", kernel_size, stride, padding, dilation)
    out_size, pads = _pool_geometry("max_pool2d", x, kernel, stride, padding, dilation, ceil_mode)
    fn = pool.MaxPool2d(kernel, stride, pads, dilation, out_size, return_indices)
    out = _unbatch(fn(x), squeeze)
    if not return_indices:
        return out
    indices = Tensor._from_op(fn.indices, None)
    return out, _unbatch(indices, squeeze)


def _avg_divisor(xp, size, out, kernel, stride, padding, count_include_pad):
    """PyTorch's per-window divisor along one axis: the window clipped to the padded
    input (count_include_pad) or to the input itself. Built with ``xp`` on the input's
    device (no host-to-GPU copy, so a CUDA graph can hold it)."""
    start = xp.arange(out) * stride - padding
    end = xp.minimum(start + kernel, size + padding)
    if count_include_pad:
        return end - start
    return xp.minimum(end, size) - xp.maximum(start, 0)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over each window; see ``_avg_divisor`` for what is counted."""
    x, squeeze = _batched("avg_pool2d", input, "(unbatched) or 4D (batched)")
    kernel, stride, padding, _ = _pool_args("avg_pool2d", kernel_size, stride, padding, 1)
    out_size, pads = _pool_geometry("avg_pool2d", x, kernel, stride, padding, (1, 1), ceil_mode)
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError("avg_pool2d: divisor must be not zero")
        divisor = divisor_override
    else:
        xp = get_array_module(x.data)
        rows, cols = (_avg_divisor(xp, s, o, k, st, p, count_include_pad)
                      for s, o, k, st, p in zip(x.shape[2:], out_size, kernel, stride, padding))
        divisor = xp.outer(rows, cols).astype(x.data.dtype)
    out = pool.AvgPool2d(kernel, stride, pads, out_size, divisor)(x)
    return _unbatch(out, squeeze)


def _adaptive_size(op, x, output_size):
    size = pair(output_size)
    size = tuple(s if s is not None else x.shape[2 + i] for i, s in enumerate(size))
    if len(size) != 2 or builtins.min(size) < 1:
        raise RuntimeError(f"{op}: output_size must be two positive ints (or None), got {output_size!r} for "
                           f"input of size {list(x.shape)}")
    return size


def adaptive_avg_pool2d(input, output_size):
    """Average over PyTorch's adaptive bins [floor(i*H/OH), ceil((i+1)*H/OH))."""
    x, squeeze = _batched("adaptive_avg_pool2d", input)
    (oh, ow), xp = _adaptive_size("adaptive_avg_pool2d", x, output_size), get_array_module(x.data)
    a_h = pool.averaging_matrix(xp, x.shape[2], oh, x.data.dtype)
    a_w = pool.averaging_matrix(xp, x.shape[3], ow, x.data.dtype)
    return _unbatch(Separable2d(a_h, a_w)(x), squeeze)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over PyTorch's adaptive bins; with return_indices also the flat h*W+w argmax."""
    x, squeeze = _batched("adaptive_max_pool2d", input)
    fn = pool.AdaptiveMaxPool2d(_adaptive_size("adaptive_max_pool2d", x, output_size))
    out = _unbatch(fn(x), squeeze)
    if not return_indices:
        return out
    return out, _unbatch(Tensor._from_op(fn.indices, None), squeeze)


# ------------------------------------------------------------------ normalisation
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Per-channel normalisation of (N, C), (N, C, L) or (N, C, H, W).

    training: normalise with the batch mean and biased variance, and update
    running_mean/var in place (running_var with the unbiased variance):
    running = (1 - momentum) * running + momentum * batch. Otherwise use the running statistics.
    """
    _check_tensor("batch_norm", "input", input)
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected 2D or higher input (N, C, ...), got size {list(input.shape)}")
    if not isinstance(momentum, (int, float)):
        raise TypeError(f"batch_norm(): argument 'momentum' must be float, not {type(momentum).__name__}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(f"batch_norm: {name} should contain {c} elements not {t.numel()} "
                               f"(input of size {list(input.shape)})")
    count = input.numel() // c
    if training and count <= 1:
        raise ValueError(f"batch_norm: Expected more than 1 value per channel when training, got input size "
                         f"{list(input.shape)}")
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var must be defined in evaluation mode")
        return norm.BatchNorm(eps, running_mean.data, running_var.data)(input, weight, bias)
    fn = norm.BatchNorm(eps)
    out = fn(input, weight, bias)
    with no_grad():
        if running_mean is not None:
            running_mean.data *= 1 - momentum
            running_mean.data += momentum * fn.batch_mean.astype(running_mean.data.dtype, copy=False)
            running_mean._bump()
        if running_var is not None:
            unbiased = fn.batch_var * (count / (count - 1))
            running_var.data *= 1 - momentum
            running_var.data += momentum * unbiased.astype(running_var.data.dtype, copy=False)
            running_var._bump()
    return out


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha/size * sum of x^2 over `size` neighbouring channels) ** beta (AlexNet)."""
    _check_tensor("local_response_norm", "input", input)
    if input.ndim < 3:
        raise ValueError(f"local_response_norm: Expected 3D or higher dimensionality input (got {input.ndim} "
                         f"dimensions)")
    if input.numel() == 0:
        return input
    return norm.LocalResponseNorm(size, alpha, beta, k)(input)


# ------------------------------------------------------------------ dropout
def _check_p(op, p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (training only).

    ``inplace`` is accepted for PyTorch compatibility; the result is always a new tensor.
    """
    _check_p("dropout", p)
    if not training or p == 0:
        return input
    mask = dropout_ops.keep_mask(input.shape, p, input.data.dtype, input.data)
    return dropout_ops.Dropout(mask)(input)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels: one draw per (n, c) of (N, C, H, W), or per c of unbatched (C, H, W)."""
    _check_p("dropout2d", p)
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will "
                      f"result in an error in a future release.")
    if not training or p == 0:
        return input
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel "
                      "dim.")
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    mask = dropout_ops.keep_mask(shape, p, input.data.dtype, input.data)
    return dropout_ops.Dropout(mask)(input)


# ------------------------------------------------------------------ activations
def relu(input, inplace=False):
    return activation.ReLU()(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("hardtanh: min_val cannot be greater than max_val")
    return activation.Hardtanh(min_val, max_val)(input)


def relu6(input, inplace=False):
    return activation.Hardtanh(0.0, 6.0)(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return activation.LeakyReLU(negative_slope)(input)


def elu(input, alpha=1.0, inplace=False):
    return activation.ELU(alpha)(input)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu: approximate argument must be either none or tanh, got '{approximate}'")
    return activation.GELU(approximate)(input)


def silu(input, inplace=False):
    return activation.SiLU()(input)


def sigmoid(input):
    return T.sigmoid(input)


def tanh(input):
    return T.tanh(input)


def _softmax_dim(op, ndim, dim):
    """PyTorch's legacy implicit dim: 0 for 0-, 1- and 3-D input, else 1 (with a warning)."""
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call to include dim=X "
                  f"as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return T.softmax(input, _softmax_dim("softmax", input.ndim, dim), dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return T.log_softmax(input, _softmax_dim("log_softmax", input.ndim, dim), dtype=dtype)


# ------------------------------------------------------------------ shape utilities
def one_hot(tensor, num_classes=-1):
    """(..., ) int64 class indices -> (..., num_classes) int64 with a single 1."""
    if tensor.data.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot: one_hot is only applicable to index tensor, got dtype {tensor.dtype}")
    t = tensor.data
    xp = get_array_module(t)
    if num_classes == -1:
        num_classes = int(t.max()) + 1 if t.size else 0
    if t.size and int(t.min()) < 0:
        raise RuntimeError("one_hot: Class values must be non-negative.")
    if t.size and int(t.max()) >= num_classes:
        raise RuntimeError(f"one_hot: Class values must be smaller than num_classes ({num_classes}), got "
                           f"{int(t.max())}.")
    out = (t[..., None] == xp.arange(num_classes)).astype(np.int64)
    return Tensor._from_op(out, None)


def pad(input, pad, mode="constant", value=None):
    """PyTorch's pad list (last_left, last_right, second_last_left, ...); modes constant, reflect,
    replicate, circular (the last three on the last len(pad)//2 dims of a batched input)."""
    if mode == "constant":
        return T.pad(input, pad, value=0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"pad: unsupported padding mode '{mode}'")
    if value is not None and value != 0:
        raise ValueError(f"pad: Padding mode \"{mode}\" doesn't take in value argument")
    dims = len(pad) // 2
    if len(pad) % 2 or dims not in (1, 2, 3) or input.ndim not in (dims + 1, dims + 2):
        raise NotImplementedError(f"pad: Padding size {len(pad)} is not supported for {input.ndim}D input tensor "
                                  f"in mode '{mode}': pad the last 1, 2 or 3 dims of an input with 1 or 2 more "
                                  f"dims (batch and channels)")
    xp, out = get_array_module(input.data), input
    for i in range(len(pad) // 2):
        axis, (before, after) = input.ndim - 1 - i, (int(pad[2 * i]), int(pad[2 * i + 1]))
        size = input.shape[axis]
        limit = size - 1 if mode == "reflect" else size
        if builtins.max(before, after) > limit or builtins.min(before, after) < 0:
            raise RuntimeError(f"pad: {mode} padding ({before}, {after}) of dim {axis} must be non-negative and "
                               f"at most {limit} for input of size {list(input.shape)}")
        out = padding_ops.IndexPad(axis, padding_ops.pad_index(xp, size, before, after, mode))(out)
    return out


def flatten(input, start_dim=0, end_dim=-1):
    return T.flatten(input, start_dim, end_dim)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize (N, C, H, W) by 'nearest' or 'bilinear' with PyTorch's source-index rules."""
    if mode not in ("nearest", "bilinear"):
        raise NotImplementedError(f"interpolate: mode '{mode}' is not implemented (nearest, bilinear)")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not implemented")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("interpolate: align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if input.ndim != 4:
        raise ValueError(f"interpolate: expected 4D input (N, C, H, W) for mode '{mode}', got size "
                         f"{list(input.shape)}")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    in_size = tuple(input.shape[2:])
    if size is not None:
        out_size, scales = pair(size), (None, None)
    else:
        scales = pair(scale_factor)
        out_size = tuple(int(math.floor(s * f)) for s, f in zip(in_size, scales))
        if recompute_scale_factor:
            scales = (None, None)
    if builtins.min(out_size) < 1:
        raise ValueError(f"interpolate: output size {list(out_size)} must be positive (input {list(input.shape)})")
    if mode == "nearest":
        mats = [nearest_matrix(i, o, s, input.data) for i, o, s in zip(in_size, out_size, scales)]
    else:
        corners = bool(align_corners)
        mats = [linear_matrix(i, o, s, corners, input.data) for i, o, s in zip(in_size, out_size, scales)]
    return Separable2d(*mats)(input)
