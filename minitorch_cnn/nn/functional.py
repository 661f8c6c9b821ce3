"""``mt.nn.functional`` (imported as F): PyTorch's functional API for CNNs.

Each function checks its arguments the way PyTorch does (same exception type,
a message naming the op and the numbers), normalises them (int -> pair,
'same' -> explicit padding, ceil_mode -> extra bottom/right padding) and calls
one ``Function`` from ``minitorch_cnn/ops``. The losses live in
``functional_losses.py`` and are re-exported here.
"""
import builtins
import math
import os
import warnings

import numpy as np

from .. import functions as T
from ..autograd.grad_mode import no_grad
from ..backend import get_array_module
from ..ops import activation, conv, dropout as dropout_ops, linalg as linalg_ops, norm, padding as padding_ops, pool
from ..ops.im2col import pair, pool_out_size
from ..ops.interpolate import Resample2d, linear_matrix, linear_weights, nearest_index, nearest_matrix
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
    """y = x W^T + b. input (*, in), weight (out, in), bias (out,) or anything that expands to y's shape."""
    _check_tensor("linear", "input", input)
    _check_tensor("linear", "weight", weight)
    if input.ndim >= 1 and weight.ndim == 2 and input.shape[-1] != weight.shape[1]:
        rows = int(np.prod(input.shape[:-1], dtype=np.int64))
        raise RuntimeError(f"linear: mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
                           f"{weight.shape[1]}x{weight.shape[0]})")
    if bias is not None:
        _check_tensor("linear", "bias", bias)
        out_shape = tuple(input.shape[:-1]) + tuple(weight.shape[:1]) if weight.ndim == 2 else input.shape[:-1]
        _check_expands("linear", bias.shape, out_shape)
    if bias is not None and input.ndim == 2 and weight.ndim == 2:
        return linalg_ops.Addmm()(bias, input, T.t(weight))  # one node: PyTorch's AddmmBackward0
    out = T.matmul(input, T.t(weight))
    return out if bias is None else out + bias


def _check_expands(op, shape, target):
    """PyTorch's ``expand`` rule: ``shape`` (aligned on the right) equals ``target`` or is 1 on each axis."""
    shape, target = list(shape), list(target)
    if len(shape) > len(target):
        raise RuntimeError(f"{op}: expand(tensor{shape}, size={target}): the number of sizes provided "
                           f"({len(target)}) must be greater or equal to the number of dimensions in the tensor "
                           f"({len(shape)})")
    for i in range(1, len(shape) + 1):
        if shape[-i] != 1 and shape[-i] != target[-i]:
            raise RuntimeError(f"{op}: The expanded size of the tensor ({target[-i]}) must match the existing size "
                               f"({shape[-i]}) at non-singleton dimension {len(target) - i}.  Target sizes: "
                               f"{target}.  Tensor sizes: {shape}")


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
    for name, value in (("stride", stride), ("padding", padding), ("dilation", dilation)):
        if isinstance(value, (list, tuple)) and len(value) not in (1, 2):
            raise RuntimeError(f"conv2d: expected {name} to be a single integer value or a list of 2 values to match "
                               f"the convolution dimensions, but got {name}={list(value)}")
    stride, dilation = _pair_of_ints("conv2d", "stride", stride), _pair_of_ints("conv2d", "dilation", dilation)
    if builtins.min(stride) <= 0:
        raise RuntimeError(f"conv2d: non-positive stride is not supported, got stride={stride}")
    if builtins.min(dilation) <= 0 and x.numel():  # (PyTorch checks it only when there is input to convolve)
        raise RuntimeError(f"conv2d: dilation should be greater than zero, got dilation={dilation}")
    if x.numel() == 0 and x.shape[0] and x.shape[1]:
        raise RuntimeError(f"conv2d: Only zero batch or zero channel inputs are supported, but got input shape: "
                           f"{list(input.shape)}")
    if not isinstance(groups, int) or groups <= 0:
        raise RuntimeError(f"conv2d: non-positive groups is not supported, got groups={groups}")
    c_out, c_per_group, kh, kw = weight.shape
    if c_out < groups:
        raise RuntimeError(f"conv2d: Given groups={groups}, expected weight to be at least {groups} at dimension 0, "
                           f"but got weight of size {list(weight.shape)} instead")
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
    if x.numel() == 0 or weight.numel() == 0:  # no products to sum: the output is the bias (or 0)
        out_hw = [(p - e) // s + 1 for p, e, s in zip(padded, effective, stride)]
        if x.shape[1] == 0:  # PyTorch: no input channels give no output channels
            c_out, bias = 0, None
        zero = (T.sum(x) + T.sum(weight)) * 0.0  # (keeps the graph to x and weight)
        xp = get_array_module(x._data)
        out = Tensor._from_op(xp.zeros((x.shape[0], c_out, *out_hw), dtype=x._data.dtype), None) + zero
        if bias is not None:
            out = out + T.reshape(bias, (1, c_out, 1, 1))
        return _unbatch(out, squeeze)
    out = conv.Conv2d(stride, pads, dilation, groups)(x, weight, bias)
    return _unbatch(out, squeeze)


# ------------------------------------------------------------------ pooling
_POOL_ARG_RULES = {"kernel_size": "must either be a single int, or a tuple of two ints",
                   "stride": "must either be omitted, a single int, or a tuple of two ints",
                   "padding": "must either be a single int, or a tuple of two ints",
                   "dilation": "must be either a single int, or a tuple of two ints"}


def _pool_pair(op, name, value):
    """A pooling argument as two ints: an int, or a tuple of one or two ints (PyTorch's rule and message)."""
    value = pair(value)
    if len(value) == 1:
        value = value * 2
    if len(value) != 2:
        raise RuntimeError(f"{op}: {name} {_POOL_ARG_RULES[name]}")
    return _pair_of_ints(op, name, value)


def _pool_args(op, kernel_size, stride, padding, dilation):
    kernel = _pool_pair(op, "kernel_size", kernel_size)
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and not stride) else \
        _pool_pair(op, "stride", stride)
    padding, dilation = _pool_pair(op, "padding", padding), _pool_pair(op, "dilation", dilation)
    if 0 in stride:
        raise RuntimeError(f"{op}: stride should not be zero")
    if builtins.min(kernel) <= 0:
        raise RuntimeError(f"{op}: kernel size should be greater than zero, but got kH: {kernel[0]} kW: {kernel[1]}")
    if builtins.min(stride) < 0:
        raise RuntimeError(f"{op}: stride should be greater than zero, but got dH: {stride[0]} dW: {stride[1]}")
    if builtins.min(dilation) <= 0:
        raise RuntimeError(f"{op}: dilation should be greater than zero, but got dilationH: {dilation[0]} "
                           f"dilationW: {dilation[1]}")
    for k, p, d in zip(kernel, padding, dilation):
        if p < 0:
            raise RuntimeError(f"{op}: pad must be non-negative, but got pad: {p}")
        if 2 * p > d * (k - 1) + 1:
            raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")
    if builtins.any(2 * p > k for k, p in zip(kernel, padding)):  # PyTorch's second check ignores dilation
        raise RuntimeError(f"{op}: pad should be smaller than or equal to half of kernel size, but got padW = "
                           f"{padding[1]}, padH = {padding[0]}, kW = {kernel[1]}, kH = {kernel[0]}")
    return kernel, stride, padding, dilation


def _pool_input(op, input):
    """(N, C, H, W) or unbatched (C, H, W) with non-empty C, H, W (N may be 0), as PyTorch's pooling wants."""
    x, squeeze = _batched(op, input)
    if 0 in x.shape[1:]:
        raise RuntimeError(f"{op}: Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, "
                           f"but got:{list(input.shape)}")
    return x, squeeze


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
    x, squeeze = _pool_input("max_pool2d", input)
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
    x, squeeze = _pool_input("avg_pool2d", input)
    kernel, stride, padding, _ = _pool_args("avg_pool2d", kernel_size, stride, padding, 1)
    out_size, pads = _pool_geometry("avg_pool2d", x, kernel, stride, padding, (1, 1), ceil_mode)
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError("avg_pool2d: divisor must be not zero")
        divisor = divisor_override
    else:
        xp = get_array_module(x._data)
        rows, cols = (_avg_divisor(xp, s, o, k, st, p, count_include_pad)
                      for s, o, k, st, p in zip(x.shape[2:], out_size, kernel, stride, padding))
        divisor = xp.outer(rows, cols).astype(x._data.dtype)
    out = pool.AvgPool2d(kernel, stride, pads, out_size, divisor)(x)
    return _unbatch(out, squeeze)


def _adaptive_input(op, input, output_size, empty_channels_ok):
    """Input as (N, C, H, W) and the output size, with PyTorch's checks and messages."""
    _check_tensor(op, "input", input)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{op}(): Expected 3D or 4D tensor, but got: {list(input.shape)}")
    size = pair(output_size)
    if len(size) != 2:
        raise RuntimeError(f"{op}: output_size must be 2" if op == "adaptive_avg_pool2d" else
                           f"{op}(): internal error: output_size.size() must be 2")
    size = tuple(s if s is not None else input.shape[input.ndim - 2 + i] for i, s in enumerate(size))
    if not builtins.all(isinstance(s, (int, np.integer)) for s in size):
        raise TypeError(f"{op}(): argument 'output_size' must be a tuple of ints, got {output_size!r}")
    if builtins.min(size) < 0:
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal to 0 but received "
                           f"{{{size[0]}, {size[1]}}}")
    first = input.ndim - 2 if empty_channels_ok else 1
    for dim in range(first, input.ndim):
        if input.shape[dim] == 0:
            raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {list(input.shape)} with dimension {dim} being empty")
    if input._data.dtype.kind not in "fc":
        if op == "adaptive_avg_pool2d":
            raise RuntimeError(f"{op}: mean(): could not infer output dtype. Input dtype must be either a floating "
                               f"point or complex dtype. Got: {_torch_type_name(input)}")
        raise NotImplementedError(f"\"{op}\" not implemented for '{_torch_type_name(input)}'")
    x, squeeze = (T.unsqueeze(input, 0), True) if input.ndim == 3 else (input, False)
    size = tuple(int(s) for s in size)
    _check_output_size(op, tuple(x.shape[:2]) + size, x._data.dtype)
    return x, squeeze, size


def _memory_bytes():
    """The machine's physical memory (1 TiB where the OS does not say): no result larger than it can be made."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 1 << 40


def _check_output_size(op, shape, dtype):
    """Refuse an output too large to allocate, with PyTorch's allocator message, before building anything."""
    nbytes = math.prod(shape) * np.dtype(dtype).itemsize
    if nbytes >= _memory_bytes():
        raise RuntimeError(f"{op}: DefaultCPUAllocator: can't allocate memory: you tried to allocate {nbytes} bytes "
                           f"(output of size {list(shape)})")


def _torch_type_name(t):
    """PyTorch's scalar-type name in its messages: 'Long', 'Float', 'Bool' ..."""
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
            "float32": "Float", "float64": "Double", "float16": "Half"}.get(t.dtype.name, t.dtype.name)


def adaptive_avg_pool2d(input, output_size):
    """Average over PyTorch's adaptive bins [floor(i*H/OH), ceil((i+1)*H/OH))."""
    _check_tensor("adaptive_avg_pool2d", "input", input)
    if pair(output_size) == (1, 1) and input.ndim >= 2 and input._data.dtype.kind == "f":
        return T.mean(input, (-2, -1), keepdim=True)  # PyTorch's shortcut: any leading dims, NaN when empty
    x, squeeze, (oh, ow) = _adaptive_input("adaptive_avg_pool2d", input, output_size, empty_channels_ok=True)
    xp = get_array_module(x._data)
    if x.numel() == 0:  # no images or no channels: an empty result, however many bins
        empty = Tensor._from_op(xp.zeros(tuple(x.shape[:2]) + (oh, ow), dtype=x._data.dtype), None)
        return _unbatch(empty + T.sum(x) * 0.0, squeeze)
    a_h = pool.averaging_matrix(xp, x.shape[2], oh, x._data.dtype)
    a_w = pool.averaging_matrix(xp, x.shape[3], ow, x._data.dtype)
    return _unbatch(pool.AdaptiveAvgPool2d(a_h, a_w)(x), squeeze)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over PyTorch's adaptive bins; with return_indices also the flat h*W+w argmax."""
    x, squeeze, size = _adaptive_input("adaptive_max_pool2d", input, output_size, empty_channels_ok=False)
    fn = pool.AdaptiveMaxPool2d(size)
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
    if input.numel() == 0 and input.ndim >= 1:  # no values: nothing to normalise, the statistics stay as they are
        return input * 1
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected 2D or higher input (N, C, ...), got size {list(input.shape)}")
    if not isinstance(momentum, (int, float)):
        raise TypeError(f"batch_norm(): argument 'momentum' must be float, not {type(momentum).__name__}")
    if input._data.dtype.kind not in "fc":
        raise NotImplementedError(f"\"batch_norm\" not implemented for '{_torch_type_name(input)}'")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(f"batch_norm: {name} should contain {c} elements not {t.numel()} "
                               f"(input of size {list(input.shape)})")
    count = input.numel() // c
    if training and count == 1:
        raise ValueError(f"batch_norm: Expected more than 1 value per channel when training, got input size "
                         f"{list(input.shape)}")
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var must be defined in evaluation mode")
        return norm.BatchNorm(eps, running_mean._data, running_var._data)(input, weight, bias)
    fn = norm.BatchNorm(eps)
    out = fn(input, weight, bias)
    with no_grad():
        if running_mean is not None:
            running_mean._data *= 1 - momentum
            running_mean._data += momentum * fn.batch_mean.astype(running_mean._data.dtype, copy=False)
            running_mean._bump()
        if running_var is not None:
            unbiased = fn.batch_var * (count / (count - 1))
            running_var._data *= 1 - momentum
            running_var._data += momentum * unbiased.astype(running_var._data.dtype, copy=False)
            running_var._bump()
    return out


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha/size * sum of x^2 over `size` neighbouring channels) ** beta (AlexNet)."""
    _check_tensor("local_response_norm", "input", input)
    if input.ndim < 3:
        raise ValueError(f"local_response_norm: Expected 3D or higher dimensionality input (got {input.ndim} "
                         f"dimensions)")
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool):
        raise TypeError(f"local_response_norm(): argument 'size' must be int, not {type(size).__name__}")
    if input.numel() == 0:
        return input
    if size < 0:
        raise RuntimeError("local_response_norm: narrow(): length must be non-negative.")
    if size == 0:
        raise RuntimeError("local_response_norm: kernel size should be greater than zero, but got kT: 0 kH: 1 kW: 1")
    if input.numel() == 0:
        return input
    return norm.LocalResponseNorm(int(size), alpha, beta, k)(input)


# ------------------------------------------------------------------ dropout
def _check_p(op, p, input=None, training=True):
    """PyTorch's checks: p in [0, 1] (ValueError), p not NaN (RuntimeError), and a floating input to drop."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    if p != p:
        raise RuntimeError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    if training and 0 < p < 1 and input is not None and input._data.dtype.kind not in "fc" and input.numel():
        raise RuntimeError(f"{op}: result type Float can't be cast to the desired output type "
                           f"{_torch_type_name(input)}")


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (training only).

    ``inplace`` is accepted for PyTorch compatibility; the result is always a new tensor.
    """
    _check_tensor("dropout", "input", input)
    _check_p("dropout", p, input, training)
    if not training or p == 0:
        return input
    mask = dropout_ops.keep_mask(input.shape, p, input._data.dtype, input._data)
    return dropout_ops.Dropout(mask)(input)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels: one draw per (n, c) of (N, C, H, W), or per c of unbatched (C, H, W)."""
    _check_tensor("dropout2d", "input", input)
    _check_p("dropout2d", p, input, training)
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
    mask = dropout_ops.keep_mask(shape, p, input._data.dtype, input._data)
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


def _check_softmax(op, input, dim):
    """PyTorch's dim check; True when there is nothing to normalise (no elements: their max has no identity)."""
    _check_tensor(op, "input", input)
    n = builtins.max(input.ndim, 1)
    if not isinstance(dim, (int, np.integer)) or not -n <= dim < n:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return input.numel() == 0


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    dim = _softmax_dim("softmax", input.ndim, dim)
    if _check_softmax("softmax", input, dim):
        return input * 1.0
    return T.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    dim = _softmax_dim("log_softmax", input.ndim, dim)
    if _check_softmax("log_softmax", input, dim):
        return input * 1.0
    return T.log_softmax(input, dim, dtype=dtype)


# ------------------------------------------------------------------ shape utilities
def one_hot(tensor, num_classes=-1):
    """(..., ) int64 class indices -> (..., num_classes) int64 with a single 1."""
    if tensor._data.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot: one_hot is only applicable to index tensor, got dtype {tensor.dtype}")
    t = tensor._data
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
    xp, out = get_array_module(input._data), input
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
    """Resize (N, C, H, W) by 'nearest' or 'bilinear' (or (N, C, L) by 'nearest') with PyTorch's source-index rules."""
    if mode not in ("nearest", "bilinear"):
        raise NotImplementedError(f"interpolate: mode '{mode}' is not implemented (nearest, bilinear)")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not implemented")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("interpolate: align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    _check_tensor("interpolate", "input", input)
    if input.ndim not in (3, 4, 5):
        raise NotImplementedError(f"interpolate: Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input.ndim}D) for the modes: nearest | linear | bilinear | bicubic | trilinear "
                                  f"| lanczos | area | nearest-exact (got {mode})")
    if input.ndim != 4 and not (input.ndim == 3 and mode == "nearest"):
        raise NotImplementedError(f"interpolate: Got {input.ndim}D input, but {mode} mode needs 4D input" if
                                  mode == "bilinear" else f"interpolate: {input.ndim}D input is not implemented for "
                                  f"mode '{mode}' (3D and 4D are)")
    if size is not None and scale_factor is not None:
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("interpolate: either size or scale_factor should be defined")
    in_size = tuple(input.shape[2:])
    out_size, scales = _interpolate_size(in_size, size, scale_factor, recompute_scale_factor)
    _check_interpolate_sizes(input, in_size, out_size)
    x = T.unsqueeze(input, 2) if input.ndim == 3 else input  # (N, C, L) is (N, C, 1, L)
    if input.ndim == 3:
        in_size, out_size, scales = (1,) + in_size, (1,) + out_size, (None,) + scales
    taps, mats = [], []
    for i, o, s in zip(in_size, out_size, scales):
        if mode == "nearest":
            taps.append([(nearest_index(i, o, s, x._data), None)])
            mats.append(nearest_matrix(i, o, s, x._data))
        else:
            h0, h1, w0, w1 = linear_weights(i, o, s, bool(align_corners), x._data)
            taps.append([(h0, w0), (h1, w1)])
            mats.append(linear_matrix(i, o, s, bool(align_corners), x._data))
    out = Resample2d(*mats, *taps)(x)
    return T.squeeze(out, 2) if input.ndim == 3 else out


def _interpolate_size(in_size, size, scale_factor, recompute_scale_factor):
    """(output size, per-axis scale or None) from ``size`` or ``scale_factor``, as PyTorch checks them."""
    spatial = len(in_size)
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != spatial:
                raise ValueError(f"interpolate: Input and output must have the same number of spatial dimensions, "
                                 f"but got input with spatial dimensions of {list(in_size)} and output size of "
                                 f"{size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and output "
                                 f"size in (o1, o2, ...,oK) format.")
        else:
            size = (size,) * spatial
        if not builtins.all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in size):
            raise TypeError(f"interpolate: size must be an int or a tuple of ints, got {size!r}")
        return tuple(int(v) for v in size), (None,) * spatial
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != spatial:
            raise ValueError(f"interpolate: Input and scale_factor must have the same number of spatial dimensions, "
                             f"but got input with spatial dimensions of {list(in_size)} and scale_factor of shape "
                             f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                             f"scale_factor in (s1, s2, ...,sK) format.")
        scales = tuple(scale_factor)
    else:
        scales = (scale_factor,) * spatial
    if not builtins.all(isinstance(f, (int, float, np.number)) for f in scales):
        raise TypeError(f"interpolate: scale_factor must be a float or a tuple of floats, got {scale_factor!r}")
    out_size = []
    for s, f in zip(in_size, scales):
        o = float(s) * float(f)
        if not math.isfinite(o) or builtins.abs(o) >= 2.0 ** 63:
            raise RuntimeError("interpolate: value cannot be converted to type int64_t without overflow")
        out_size.append(int(math.floor(o)))
    return tuple(out_size), ((None,) * spatial if recompute_scale_factor else tuple(float(f) for f in scales))


def _check_interpolate_sizes(input, in_size, out_size):
    """PyTorch's refusals: empty input or output axes, no channels, an output too large to address."""
    names = ("H", "W") if len(in_size) == 2 else ("W",)
    if builtins.min(in_size) <= 0 or builtins.min(out_size) <= 0:
        shown = lambda sizes: ", ".join(f"{n}: {v}" for n, v in zip(names, sizes))  # noqa: E731
        raise RuntimeError(f"interpolate: Input and output sizes should be greater than 0, but got input "
                           f"({shown(in_size)}) output ({shown(out_size)})")
    if input.shape[1] == 0:
        raise RuntimeError(f"interpolate: Non-empty {input.ndim}D data tensor expected but got a tensor with sizes "
                           f"{list(input.shape)}")
    sizes = list(input.shape[:2]) + list(out_size)
    if math.prod(sizes) * input._data.dtype.itemsize >= 2 ** 63:
        raise RuntimeError(f"interpolate: Storage size calculation overflowed with sizes={sizes}")
    _check_output_size("interpolate", sizes, input._data.dtype)


# ------------------------------------------------------------------ 1-D convolution and pooling: the 2-D ops
# with a height of 1

def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation of (N, C, L) or (C, L): ``conv2d`` with a height of 1."""
    one = lambda v: (1, v[0] if isinstance(v, (tuple, list)) else v)  # noqa: E731
    squeeze = input.ndim == 2
    x = T.unsqueeze(input, 0) if squeeze else input
    pad = padding if isinstance(padding, str) else (0, padding[0] if isinstance(padding, (tuple, list)) else padding)
    out = conv2d(T.unsqueeze(x, 2), T.unsqueeze(weight, 2), bias, one(stride), pad, one(dilation), groups)
    out = T.squeeze(out, 2)
    return T.squeeze(out, 0) if squeeze else out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """1-D max pooling of (N, C, L) or (C, L): ``max_pool2d`` with a height of 1."""
    if return_indices:
        raise NotImplementedError("max_pool1d(return_indices=True) is not implemented in minitorch_cnn")
    first = lambda v: v[0] if isinstance(v, (tuple, list)) else v  # noqa: E731
    k = first(kernel_size)
    s = k if stride is None else first(stride)
    out = max_pool2d(T.unsqueeze(input, -2), (1, k), (1, s), (0, first(padding)), (1, first(dilation)), ceil_mode)
    return T.squeeze(out, -2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling of (N, C, L) or (C, L): ``avg_pool2d`` with a height of 1."""
    first = lambda v: v[0] if isinstance(v, (tuple, list)) else v  # noqa: E731
    k = first(kernel_size)
    s = k if stride is None else first(stride)
    out = avg_pool2d(T.unsqueeze(input, -2), (1, k), (1, s), (0, first(padding)), ceil_mode, count_include_pad)
    return T.squeeze(out, -2)


# more of torch.nn.functional, written with differentiable tensor functions
from .functional_more import (celu, cosine_similarity, embedding, group_norm, hardsigmoid,  # noqa: E402,F401
                              hardswish, layer_norm, logsigmoid, mish, normalize, pairwise_distance, prelu, selu,
                              softplus, softsign, threshold)

