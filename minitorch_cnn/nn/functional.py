"""``mt.nn.functional`` (imported as F): PyTorch's functional API for CNNs.

Each function checks its arguments the way PyTorch does (same exception type,
a message naming the op and the numbers), normalises them (int -> pair,
'same' -> explicit padding, ceil_mode -> extra bottom/right padding) and calls
one ``Function`` from ``minitorch_cnn/ops``. The losses live in ``functional_losses.py``, pooling in
``functional_pooling.py``; both are re-exported here.
"""
import builtins
import math
import warnings

import numpy as np

from .. import functions as T
from ..autograd.grad_mode import no_grad
from ..backend import get_array_module
from ..ops import activation, conv, dropout as dropout_ops, linalg as linalg_ops, norm, padding as padding_ops
from ..ops import conv_transpose
from ..ops.im2col import pool_out_size
from ..ops.interpolate import (Resample2d, linear_matrix, linear_weights, nearest_index, nearest_matrix,
                               vectorised_kernel)
from ..tensor import Tensor
from ._checks import (_batched, _check_output_size, _check_tensor, _cpp_name, _pair_of_ints, _unbatch,
                      floating_only, no_bool, scalar_for)
from .functional_pooling import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d  # noqa: F401
from .functional_losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,  # noqa: F401
                                huber_loss, kl_div, l1_loss, mse_loss, nll_loss, smooth_l1_loss)

__all__ = [
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "avg_pool2d", "batch_norm", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "conv2d", "conv_transpose1d", "conv_transpose2d", "cross_entropy",
    "dropout", "dropout2d", "elu", "flatten", "gelu",
    "hardtanh", "huber_loss", "interpolate", "kl_div", "l1_loss", "leaky_relu", "linear", "local_response_norm",
    "log_softmax",
    "max_pool2d", "mse_loss", "nll_loss", "one_hot", "pad", "pixel_shuffle", "pixel_unshuffle",
    "relu", "relu6", "sigmoid", "silu", "smooth_l1_loss",
    "softmax", "tanh",
]


# ------------------------------------------------------------------ linear and convolution
def linear(input, weight, bias=None):
    """y = x W^T + b. input (*, in), weight (out, in), bias (out,) or anything that expands to y's shape."""
    _check_tensor("linear", "input", input)
    _check_tensor("linear", "weight", weight)
    if weight.ndim > 2:
        raise RuntimeError(f"linear: t() expects a tensor with <= 2 dimensions, but self is {weight.ndim}D")
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(f"linear: both arguments to linear need to be at least 1D, but they are {input.ndim}D and "
                           f"{weight.ndim}D")
    # PyTorch's addmm path (2-D input, or a contiguous input with a 1-D bias) needs a 2-D weight
    if weight.ndim == 1 and bias is not None and (input.ndim == 2 or (
            bias.ndim == 1 and input._data.flags.c_contiguous)):
        raise RuntimeError("linear: mat2 must be a matrix, got 1-D tensor")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"linear: expected m1 and m2 to have the same dtype, but got: {_cpp_name(input)} != "
                           f"{_cpp_name(weight)}")
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
    for name, value in (("stride", stride), ("padding", padding), ("dilation", dilation)):  # (argument parsing first)
        for i, v in enumerate(value if isinstance(value, (tuple, list)) else ()):
            if not isinstance(v, (int, np.integer)):
                raise TypeError(f"conv2d(): argument '{name}' must be tuple of ints, but found element of type "
                                f"{type(v).__name__} at pos {i}")
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


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution (conv2d's input gradient). input (N, C_in, H, W) or (C_in, H, W);
    weight (C_in, C_out/groups, kh, kw); out H_out = (H-1)*stride - 2*padding + dilation*(kh-1) + output_padding + 1."""
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def _int_tuple(op, name, value, spatial):
    """An int (one per spatial axis) or a tuple/list of ints, as PyTorch's argument parser takes them."""
    is_int = lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, bool)  # noqa: E731
    if is_int(value):
        return (int(value),) * spatial
    if isinstance(value, (tuple, list)) and builtins.all(is_int(v) for v in value):
        return tuple(int(v) for v in value)
    raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, not {type(value).__name__}")


def _conv_transpose(op, spatial, input, weight, bias, stride, padding, output_padding, groups, dilation):
    """conv_transpose1d/2d: PyTorch's checks in its order and words, then one ConvTranspose2d (1-D: height 1)."""
    _check_tensor(op, "input", input)
    _check_tensor(op, "weight", weight)
    if bias is not None:
        _check_tensor(op, "bias", bias)
    given = {name: _int_tuple(op, name, value, spatial) for name, value in
             (("stride", stride), ("padding", padding), ("dilation", dilation), ("output_padding", output_padding))}
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool):
        raise TypeError(f"{op}(): argument 'groups' must be int, not {type(groups).__name__}")
    if input.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{op}: Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) input to {op}, but "
                           f"got input of size: {list(input.shape)}")
    squeeze = input.ndim == spatial + 1
    x = T.unsqueeze(input, 0) if squeeze else input
    if weight.ndim < 3:
        raise RuntimeError(f"{op}: weight should have at least three dimensions")
    dims = weight.ndim - 2  # (PyTorch sizes every argument by the weight)
    for name, value in given.items():
        if len(value) not in (1, dims):
            raise RuntimeError(f"{op}: expected {name} to be a single integer value or a list of {dims} values to "
                               f"match the convolution dimensions, but got {name}={list(value)}")
        given[name] = value * dims if len(value) == 1 else value
    stride, padding, dilation, output_padding = given.values()
    if groups <= 0:
        raise RuntimeError(f"{op}: non-positive groups is not supported")
    for bad, message in ((builtins.min(padding) < 0, "negative padding is not supported"),
                         (builtins.min(output_padding) < 0, "negative output_padding is not supported"),
                         (builtins.min(stride) <= 0, "non-positive stride is not supported"),
                         (builtins.min(dilation) < 0, "dilation should be greater than zero")):
        if bad:
            raise RuntimeError(f"{op}: {message}")
    shape = list(weight.shape)
    if weight.ndim != x.ndim:
        raise RuntimeError(f"{op}: Expected {weight.ndim}-dimensional input for {weight.ndim}-dimensional weight "
                           f"{shape}, but got {x.ndim}-dimensional input of size {list(x.shape)} instead")
    if shape[0] < groups:
        raise RuntimeError(f"{op}: Given groups={groups}, expected weight to be at least {groups} at dimension 0, but "
                           f"got weight of size {shape} instead")
    if shape[0] % groups:  # (PyTorch's message has the double brackets)
        raise RuntimeError(f"{op}: Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size [{shape}] instead")
    if x.shape[1] != shape[0]:
        raise RuntimeError(f"{op}: Given transposed=1, weight of size {shape}, expected input{list(x.shape)} to have "
                           f"{shape[0]} channels, but got {x.shape[1]} channels instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != shape[1] * groups):
        raise RuntimeError(f"{op}: Given transposed=1, weight of size {shape}, expected bias to be 1-dimensional with "
                           f"{shape[1] * groups} elements, but got bias of size {list(bias.shape)} instead")
    if x.numel() == 0 and x.shape[0] and x.shape[1]:
        raise RuntimeError(f"{op}: Only zero batch or zero channel inputs are supported, but got input shape: "
                           f"{list(x.shape)}")
    if spatial == 1:  # the 2-D op with a height of 1 (PyTorch's own checks below name that height too)
        x, weight = T.unsqueeze(x, 2), T.unsqueeze(weight, 2)
        stride, padding, dilation = (1,) + stride, (0,) + padding, (1,) + dilation
        output_padding = (0,) + output_padding
    (kh, kw), (sh, sw), (dh, dw), (oph, opw) = weight.shape[2:], stride, dilation, output_padding
    if kh <= 0 or kw <= 0:
        raise RuntimeError(f"{op}: kernel size should be greater than zero, but got kernel_height: {kh} kernel_width: "
                           f"{kw}")
    if dh <= 0 or dw <= 0:
        raise RuntimeError(f"{op}: dilation should be greater than zero, but got dilation_height: {dh}, "
                           f"dilation_width: {dw}")
    if not ((opw < sw or opw < dw) and (oph < sh or oph < dh)):
        raise RuntimeError(f"{op}: output padding must be smaller than either stride or dilation, but got "
                           f"output_padding_height: {oph} output_padding_width: {opw} stride_height: {sh} "
                           f"stride_width: {sw} dilation_height: {dh} dilation_width: {dw}")
    if weight.numel() == 0:
        raise RuntimeError(f"{op}: non-empty 2D or 4D weight tensor expected, but got: {list(weight.shape)}")
    out_hw = [conv_transpose.conv_transpose_out_size(*a)
              for a in zip(x.shape[2:], (kh, kw), stride, padding, output_padding, dilation)]
    if builtins.min(out_hw) < 1:
        raise RuntimeError(f"{op}: Given input size per channel: ({x.shape[2]} x {x.shape[3]}). Calculated output "
                           f"size per channel: ({out_hw[0]} x {out_hw[1]}). Output size is too small")
    if x.shape[0] == 0:  # an empty batch: no products to sum (the graph still reaches x and weight)
        zero = (T.sum(x) + T.sum(weight)) * 0.0
        xp = get_array_module(x._data)
        out = Tensor._from_op(xp.zeros((0, shape[1] * groups, *out_hw), dtype=x._data.dtype), None) + zero
        if bias is not None:
            out = out + T.reshape(bias, (1, -1, 1, 1))
    else:
        out = conv_transpose.ConvTranspose2d(stride, padding, output_padding, dilation, groups)(x, weight, bias)
    if spatial == 1:
        out = T.squeeze(out, 2)
    return _unbatch(out, squeeze)


# ------------------------------------------------------------------ normalisation
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Per-channel normalisation of (N, C), (N, C, L) or (N, C, H, W).

    training: normalise with the batch mean and biased variance, and update
    running_mean/var in place (running_var with the unbiased variance):
    running = (1 - momentum) * running + momentum * batch. Otherwise use the running statistics.
    """
    _check_tensor("batch_norm", "input", input)
    if training:  # PyTorch's Python-level checks come first: values per channel, then eps
        if input.ndim == 0:
            raise IndexError("batch_norm: tuple index out of range")
        if input.shape[0] * math.prod(input.shape[2:]) == 1:
            raise ValueError(f"batch_norm: Expected more than 1 value per channel when training, got input size "
                             f"{list(input.shape)}")
    if training and not eps > 0:
        raise ValueError(f"batch_norm: batch_norm eps must be positive during training, but got {eps}")
    if not eps >= 0:
        raise ValueError(f"batch_norm: batch_norm eps must be non-negative, but got {eps}")
    if input.numel() == 0 and input.ndim >= 1:  # no values: nothing to normalise, the statistics stay as they are
        if input.ndim > 1 and input.shape[1] == 0 and weight is not None:  # (PyTorch reads weight[0] then)
            raise IndexError("batch_norm: select(): index 0 out of range for tensor of size [0] at dimension 0")
        return input * 1
    if not isinstance(momentum, (int, float)):
        raise TypeError(f"batch_norm(): argument 'momentum' must be float, not {type(momentum).__name__}")
    c = input.shape[1] if input.ndim > 1 else 0  # (PyTorch counts no channels below 2-D)
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"batch_norm: {name} should contain {c} elements not {t.numel()} "
                               f"(input of size {list(input.shape)})")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("batch_norm: running_mean must be defined in evaluation mode")
    if input.ndim < 2:
        raise IndexError("batch_norm: Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    if input._data.dtype.kind not in "fc":
        raise NotImplementedError(f"\"batch_norm\" not implemented for '{input.dtype.scalar_name}'")
    params = [t for t in (running_mean, running_var, weight, bias) if t is not None]
    if input.dtype.name == "float16" and any(t.dtype.name == "float32" for t in params):
        # PyTorch's mixed precision: half input, float32 statistics and affine, computed in float32
        return batch_norm(input.float(), running_mean, running_var, weight, bias, training, momentum, eps).half()
    count = input.numel() // c
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
                           f"{input.dtype.scalar_name}")
    if op == "dropout2d" and training and 0 < p < 1 and input.numel() and input.ndim < 2:
        raise RuntimeError("dropout2d: Feature dropout requires at least 2 dimensions in the input")


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (training only).

    ``inplace`` is accepted for PyTorch compatibility; the result is always a new tensor.
    """
    _check_tensor("dropout", "input", input)
    _check_p("dropout", p, input, training)
    if not training or p == 0 or input.numel() == 0:
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
    if not training or p == 0 or input.numel() == 0:
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
    no_bool("relu", input, "Boolean inputs not supported for relu")
    return activation.ReLU()(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("hardtanh: min_val cannot be greater than max_val")
    no_bool("hardtanh", input, "Bool inputs not supported for hardtanh")
    if not (input.dtype.is_floating_point and math.isnan(min_val + max_val)):  # (a NaN bound: all NaN)
        min_val, max_val = scalar_for("hardtanh", input, min_val), scalar_for("hardtanh", input, max_val)
    return activation.Hardtanh(min_val, max_val)(input)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    floating_only("leaky_relu", "leaky_relu_cpu", input)
    return activation.LeakyReLU(negative_slope)(input)


def elu(input, alpha=1.0, inplace=False):
    floating_only("elu", "elu_cpu", input)
    return activation.ELU(alpha)(input)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu: approximate argument must be either none or tanh, got '{approximate}'")
    floating_only("gelu", "GeluKernelImpl", input)
    return activation.GELU(approximate)(input)


def silu(input, inplace=False):
    floating_only("silu", "silu_cpu", input)
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


def _check_softmax(op, input, dim, dtype=None):
    """PyTorch's checks: the dim, then (for a non-empty input without ``dtype``) a floating input, which its
    kernel names by whether dim is the last; True when there is nothing to normalise (an empty result of the
    input's dtype, as PyTorch's)."""
    _check_tensor(op, "input", input)
    n = builtins.max(input.ndim, 1)
    if not isinstance(dim, (int, np.integer)) or not -n <= dim < n:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    if input.numel() and dtype is None:
        floating_only(op, f"{op}_{'lastdim_' if dim % n == n - 1 else ''}kernel_impl", input)
    return input.numel() == 0


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    dim = _softmax_dim("softmax", input.ndim, dim)
    if _check_softmax("softmax", input, dim, dtype):
        return T.clone(input if dtype is None else input.to(dtype))
    return T.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    dim = _softmax_dim("log_softmax", input.ndim, dim)
    if _check_softmax("log_softmax", input, dim, dtype):
        return T.clone(input if dtype is None else input.to(dtype))
    return T.log_softmax(input, dim, dtype=dtype)


# ------------------------------------------------------------------ shape utilities
def one_hot(tensor, num_classes=-1):
    """(..., ) int64 class indices -> (..., num_classes) int64 with a single 1."""
    if tensor.dtype.name != "int64":
        raise RuntimeError(f"one_hot: one_hot is only applicable to index tensor of type LongTensor. (got "
                           f"{tensor.dtype.scalar_name})")
    t = tensor._data
    xp = get_array_module(t)
    if not t.size and num_classes <= 0:
        raise RuntimeError("one_hot: Can not infer total number of classes from empty tensor.")
    if t.size and int(t.min()) < 0:
        raise RuntimeError("one_hot: Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(t.max()) + 1
    if t.size and int(t.max()) >= num_classes:
        raise RuntimeError(f"one_hot: Class values must be smaller than num_classes. (num_classes={num_classes}, "
                           f"largest class {int(t.max())})")
    out = (t[..., None] == xp.arange(num_classes)).astype(np.int64)
    return Tensor._from_op(out, None)


def pad(input, pad, mode="constant", value=None):
    """PyTorch's pad list (last_left, last_right, second_last_left, ...); modes constant, reflect,
    replicate, circular (the last three on the last len(pad)//2 dims of a batched input)."""
    if mode == "constant":
        return T.pad(input, pad, value=scalar_for("pad", input, 0.0 if value is None else value))
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"pad: unsupported padding mode '{mode}'")
    if value is not None and value != 0:
        raise ValueError(f"pad: Padding mode \"{mode}\" doesn't take in value argument")
    dims = len(pad) // 2
    if len(pad) % 2 or dims not in (1, 2, 3) or input.ndim not in (dims + 1, dims + 2):
        raise NotImplementedError(f"pad: Padding size {len(pad)} is not supported for {input.ndim}D input tensor "
                                  f"in mode '{mode}': pad the last 1, 2 or 3 dims of an input with 1 or 2 more "
                                  f"dims (batch and channels)")
    if mode != "circular" and 0 in input.shape[1 if input.ndim == dims + 2 else 0:]:  # (a batch dim may be empty)
        raise RuntimeError(f"pad: Expected {dims + 1}D or {dims + 2}D (batch mode) tensor with possibly 0 batch size "
                           f"and other non-zero dimensions for input, but got: {list(input.shape)}")
    xp, out = get_array_module(input._data), input
    for i in range(len(pad) // 2):
        axis, (before, after) = input.ndim - 1 - i, (int(pad[2 * i]), int(pad[2 * i + 1]))
        size = input.shape[axis]
        # PyTorch: reflect and replicate also take negative pads (they crop); circular's are refused here
        if mode == "reflect" and builtins.max(before, after) >= size:
            raise RuntimeError(f"pad: Argument #4: Padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({before}, {after}) at dimension {axis}")
        if mode == "circular" and builtins.max(before, after) > size:
            raise RuntimeError("pad: Padding value causes wrapping around more than once.")
        if builtins.min(before, after) < 0 and mode == "circular" or size + before + after <= 0:
            raise RuntimeError(f"pad: {mode} padding ({before}, {after}) of dim {axis} leaves no elements, or is a "
                               f"negative circular padding (not supported) for input of size {list(input.shape)}")
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
    if size is not None and scale_factor is not None:
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("interpolate: either size or scale_factor should be defined")
    in_size = tuple(input.shape[2:])
    try:  # (the sizes' lengths are PyTorch's first check; a size past int64 is found only after the mode's)
        out_size, scales = _interpolate_size(in_size, size, scale_factor, recompute_scale_factor)
        overflow = None
    except RuntimeError as e:
        overflow = e
    if input.ndim not in (3, 4, 5):
        raise NotImplementedError(f"interpolate: Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input.ndim}D) for the modes: nearest | linear | bilinear | bicubic | trilinear "
                                  f"| lanczos | area | nearest-exact (got {mode})")
    if input.ndim != 4 and not (input.ndim == 3 and mode == "nearest"):
        raise NotImplementedError(f"interpolate: Got {input.ndim}D input, but {mode} mode needs 4D input" if
                                  mode == "bilinear" else f"interpolate: {input.ndim}D input is not implemented for "
                                  f"mode '{mode}' (3D and 4D are)")
    if overflow is not None:
        raise overflow
    _check_interpolate_sizes(input, in_size, out_size)
    x = T.unsqueeze(input, 2) if input.ndim == 3 else input  # (N, C, L) is (N, C, 1, L)
    if input.ndim == 3:
        in_size, out_size, scales = (1,) + in_size, (1,) + out_size, (None,) + scales
    taps, mats = [], []
    vectorised = input.ndim == 4 and vectorised_kernel(x._data, out_size)  # (PyTorch's nearest depends on it)
    for i, o, s in zip(in_size, out_size, scales):
        if mode == "nearest":
            taps.append([(nearest_index(i, o, s, x._data, vectorised), None)])
            mats.append(nearest_matrix(i, o, s, x._data, vectorised))
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


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution of (N, C_in, L) or (C_in, L), weight (C_in, C_out/groups, k):
    ``conv_transpose2d`` with a height of 1."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def _one(op, name, value, rule):
    """A 1-D pooling argument as one int, with PyTorch's message for a list of another length."""
    value = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if len(value) != 1 and not (name == "stride" and len(value) == 0):
        raise RuntimeError(f"{op}() " + rule.format(name=name, n=len(value)))
    return value[0] if value else None


_MAX1D_RULES = {"kernel_size": "kernel_size must be an int, list of ints or tuple of ints of size 1 but got size {n}",
                "stride": "stride must be None, an int, list of ints, or tuple of ints of size 1 but got size {n}",
                "padding": "padding must be an int, list of ints, or tuple of ints of size 1 but got size {n}",
                "dilation": "dilation must be an int, list of ints or tuple of ints of size 1 but got size {n}"}


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """1-D max pooling of (N, C, L) or (C, L): PyTorch's 1-D checks, then ``max_pool2d`` with a height of 1."""
    op = "max_pool1d"
    _check_tensor(op, "input", input)
    if input.ndim not in (2, 3) or 0 in input.shape[-2:]:
        raise RuntimeError(f"{op}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, "
                           f"but got:{list(input.shape)}")
    k, s, p, d = (_one(op, name, v, _MAX1D_RULES[name]) for name, v in
                  (("kernel_size", kernel_size), ("stride", () if stride is None else stride), ("padding", padding),
                   ("dilation", dilation)))
    s = k if s is None else s
    for name, value, ok in (("kernel_size", k, k > 0), ("stride", s, s > 0)):
        if not ok:
            raise RuntimeError(f"{op}() {name} must be greater than zero, but got {value}")
    if p < 0:
        raise RuntimeError(f"{op}() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError(f"{op}() padding should be at most half of kernel size, but got padding={p} and "
                           f"kernel_size={k}")
    if d <= 0:
        raise RuntimeError(f"{op}() dilation must be greater than zero, but got {d}")
    width = pool_out_size(input.shape[-1], k, s, p, d, ceil_mode)
    if width <= 0:
        raise RuntimeError(f"{op}() Invalid computed output size: {width}")
    if not (return_indices or input.requires_grad):  # (PyTorch's own 1-D kernel, without indices)
        floating_only(op, "max_pool1d_impl", input)
    out = max_pool2d(T.unsqueeze(input, -2), (1, k), (1, s), (0, p), (1, d), ceil_mode, return_indices)
    if return_indices:  # (a flat h * L + w with h = 0: the position along L)
        return T.squeeze(out[0], -2), T.squeeze(out[1], -2)
    return T.squeeze(out, -2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling of (N, C, L) or (C, L): ``avg_pool2d`` with a height of 1."""
    op = "avg_pool1d"
    _check_tensor(op, "input", input)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"{op}: Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for argument "
                           f"#1 'self' (while checking arguments for avg_pool1d)")
    rule = "argument '{name}' should contain one int (got {n})"
    k = _one(op, "kernel_size", kernel_size, rule)
    s = _one(op, "stride", () if stride is None else stride, rule)
    p = _one(op, "padding", padding, rule)
    out = avg_pool2d(T.unsqueeze(input, -2), (1, k), (1, k if s is None else s), (0, p), ceil_mode,
                     count_include_pad)
    return T.squeeze(out, -2)


# more of torch.nn.functional, written with differentiable tensor functions
from .functional_more import (celu, cosine_similarity, embedding, group_norm, hardsigmoid,  # noqa: E402,F401
                              hardswish, layer_norm, logsigmoid, mish, normalize, pairwise_distance, pixel_shuffle,
                              pixel_unshuffle, prelu, selu, softplus, softsign, threshold)

