"""Pooling of ``torch.nn.functional``: max and average pooling over k x k windows and their adaptive
forms, with PyTorch's argument checks, output sizes and messages (the windows are ``ops/pool.py``).
``nn.functional`` re-exports them."""
import builtins

import numpy as np

from .. import functions as T
from ..backend import get_array_module
from ..ops import pool
from ..ops.im2col import pair, pool_out_size
from ..tensor import Tensor
from ._checks import _check_output_size, _check_tensor, _pair_of_ints, _unbatch


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


def _pool_args(op, input, kernel_size, stride, padding, dilation, divisor_override=None):
    """The pooling arguments as pairs, and the input as (N, C, H, W), checked in PyTorch's order: argument
    types and lengths, the input's rank, then per dim (H, W) a zero stride and the padding against the
    dilated kernel, then kernel, stride and dilation signs, empty C/H/W, and the padding against the kernel."""
    _check_tensor(op, "input", input)
    kernel = _pool_pair(op, "kernel_size", kernel_size)
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and not stride) else \
        _pool_pair(op, "stride", stride)
    padding, dilation = _pool_pair(op, "padding", padding), _pool_pair(op, "dilation", dilation)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{op}: divisor must be not zero")
    if op == "max_pool2d" and input.ndim not in (3, 4):
        raise RuntimeError(f"{op}: non-empty 3D or 4D (batch mode) tensor expected for input")
    if input.ndim < 3:  # (PyTorch reads input.size(-3) first)
        n = builtins.max(input.ndim, 1)
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got -3)")
    for k, st, p, d in zip(kernel, stride, padding, dilation):
        if st == 0:
            raise RuntimeError(f"{op}: stride should not be zero")
        if p < 0:
            raise RuntimeError(f"{op}: pad must be non-negative, but got pad: {p}")
        effective = d * (k - 1) + 1
        if p > (effective // 2 if effective >= 0 else -(-effective // 2)):  # (C++'s division: toward zero)
            raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")
    if builtins.min(kernel) <= 0:
        raise RuntimeError(f"{op}: kernel size should be greater than zero, but got kH: {kernel[0]} kW: {kernel[1]}")
    if builtins.min(stride) < 0:
        raise RuntimeError(f"{op}: stride should be greater than zero, but got dH: {stride[0]} dW: {stride[1]}")
    if builtins.min(dilation) <= 0:
        raise RuntimeError(f"{op}: dilation should be greater than zero, but got dilationH: {dilation[0]} "
                           f"dilationW: {dilation[1]}")
    if input.ndim not in (3, 4) or 0 in input.shape[-3:]:
        raise RuntimeError(f"{op}: Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, "
                           f"but got:{list(input.shape)}")
    if builtins.any(2 * p > k for k, p in zip(kernel, padding)):  # PyTorch's second check ignores dilation
        raise RuntimeError(f"{op}: pad should be smaller than or equal to half of kernel size, but got padW = "
                           f"{padding[1]}, padH = {padding[0]}, kW = {kernel[1]}, kH = {kernel[0]}")
    x, squeeze = (T.unsqueeze(input, 0), True) if input.ndim == 3 else (input, False)
    return x, squeeze, kernel, stride, padding, dilation


def _pool_geometry(op, x, kernel, stride, padding, dilation, ceil_mode):
    """Output size, and per axis the pieces the op walks (``_pool_pieces``)."""
    out = tuple(pool_out_size(s, k, st, p, d, ceil_mode)
                for s, k, st, p, d in zip(x.shape[2:], kernel, stride, padding, dilation))
    if builtins.min(out) < 1:
        raise RuntimeError(f"{op}: Given input size: ({x.shape[1]}x{x.shape[2]}x{x.shape[3]}). Calculated output "
                           f"size: ({x.shape[1]}x{out[0]}x{out[1]}). Output size is too small")
    return out, [_pool_pieces(*axis) for axis in zip(x.shape[2:], out, kernel, stride, padding, dilation)]


def _pool_crop(size, out, kernel, stride, padding, dilation):
    """(kernel, (before, after)) along one axis, keeping only the kernel offsets that some window reads
    inside the input: the others read padding alone, which never changes a max or a sum (PyTorch clips
    each window to the input). A kernel and padding of 10**9 around a few pixels so walk a few offsets on a
    slightly padded image. ``after`` is just what the last window (ceil_mode) reaches."""
    last = builtins.min(kernel, (size - 1 + padding) // dilation + 1)  # window 0's last offset inside, + 1
    first = builtins.min(builtins.max(0, -(-(padding - (out - 1) * stride) // dilation)), padding // dilation)
    kernel = builtins.max(last, first + 1) - first
    before = padding - first * dilation
    return kernel, (before, builtins.max(0, (out - 1) * stride - before + (kernel - 1) * dilation + 1 - size))


def _pool_pieces(size, out, kernel, stride, padding, dilation):
    """[(o0, o1, skip, kernel, (before, after))]: outputs o0..o1-1 along one axis pool the input from
    index ``skip`` on with that kernel and padding (``_pool_crop``). One piece, unless ceil_mode's extra
    window lies a huge stride past the first: the offsets between them would then be walked for nothing,
    so each window is its own piece (padding <= kernel/2 keeps the crop of a single piece within 2*size/d
    + 4 offsets, and leaves at most two windows when the stride exceeds the input)."""
    whole = _pool_crop(size, out, kernel, stride, padding, dilation)
    if whole[0] <= 2 * size // dilation + 4:
        return [(0, out, 0) + whole]
    skips = [builtins.max(0, o * stride - padding) for o in range(out)]
    return [(o, o + 1, skip) + _pool_crop(size - skip, 1, kernel, stride, builtins.max(0, padding - o * stride),
                                          dilation) for o, skip in enumerate(skips)]


def _pool_walk(x, pieces, pool_piece):
    """Run ``pool_piece(sub_input, kernel, pads, out_size, (o0, o1) per axis)`` on every pair of pieces and
    put the outputs side by side; the common single piece is one call on x itself."""
    rows = []
    for h0, h1, skip_h, kh, pads_h in pieces[0]:
        row = [pool_piece(x[:, :, skip_h:, skip_w:] if skip_h or skip_w else x, (kh, kw), (pads_h, pads_w),
                          (h1 - h0, w1 - w0), ((h0, h1), (w0, w1)), (skip_h, skip_w))
               for w0, w1, skip_w, kw, pads_w in pieces[1]]
        rows.append(row[0] if len(row) == 1 else T.cat(row, 3))
    return rows[0] if len(rows) == 1 else T.cat(rows, 2)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over each window (padding reads as -inf). With return_indices also the flat h*W+w argmax."""
    x, squeeze, kernel, stride, padding, dilation = _pool_args("max_pool2d", input, kernel_size, stride, padding,
                                                               dilation)
    out_size, pieces = _pool_geometry("max_pool2d", x, kernel, stride, padding, dilation, ceil_mode)
    xp, width, indices = get_array_module(x._data), x.shape[3], []

    def pool_piece(sub, walked, pads, size, _, skip):
        fn = pool.MaxPool2d(walked, stride, pads, dilation, size, return_indices)
        out = fn(sub)
        if return_indices:  # the piece's own flat h*w, back to the input's
            flat = fn.indices
            indices.append(flat if skip == (0, 0) else
                           (flat // sub.shape[3] + skip[0]) * width + flat % sub.shape[3] + skip[1])
        return out

    out = _unbatch(_pool_walk(x, pieces, pool_piece), squeeze)
    if not return_indices:
        return out
    per_row = len(pieces[1])
    rows = [xp.concatenate(indices[r:r + per_row], axis=3) for r in range(0, len(indices), per_row)]
    return out, _unbatch(Tensor._from_op(xp.concatenate(rows, axis=2), None), squeeze)


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
    x, squeeze, kernel, stride, padding, _ = _pool_args("avg_pool2d", input, kernel_size, stride, padding, 1,
                                                        divisor_override)
    out_size, pieces = _pool_geometry("avg_pool2d", x, kernel, stride, padding, (1, 1), ceil_mode)
    if divisor_override is not None:
        divisor = divisor_override
    else:
        xp = get_array_module(x._data)
        rows, cols = (_avg_divisor(xp, s, o, k, st, p, count_include_pad)
                      for s, o, k, st, p in zip(x.shape[2:], out_size, kernel, stride, padding))
        divisor = xp.outer(rows, cols).astype(x._data.dtype)
    def pool_piece(sub, walked, pads, size, window, _):
        part = divisor if builtins.isinstance(divisor, (int, float)) else \
            divisor[window[0][0]:window[0][1], window[1][0]:window[1][1]]
        return pool.AvgPool2d(walked, stride, pads, size, part)(sub)

    return _unbatch(_pool_walk(x, pieces, pool_piece), squeeze)


def _adaptive_input(op, input, output_size, empty_channels_ok):
    """Input as (N, C, H, W) and the output size, with PyTorch's checks and messages."""
    _check_tensor(op, "input", input)
    if isinstance(output_size, (tuple, list)) and input.ndim <= len(output_size):  # (PyTorch's Python check)
        raise ValueError(f"{op}: Input dimension should be at least {len(output_size) + 1}")
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
    if input._data.dtype.kind not in "fc" and (op != "adaptive_avg_pool2d" or (builtins.min(size) > 0
                                                                             and input.numel() > 0)):
        # (an adaptive average pooling to nothing returns before PyTorch's kernel looks at the dtype)
        raise NotImplementedError(f"{op}: \"{op}\" not implemented for '{input.dtype.scalar_name}'")
    x, squeeze = (T.unsqueeze(input, 0), True) if input.ndim == 3 else (input, False)
    size = tuple(int(s) for s in size)
    _check_output_size(op, tuple(x.shape[:2]) + size, x._data.dtype)
    return x, squeeze, size


def adaptive_avg_pool2d(input, output_size):
    """Average over PyTorch's adaptive bins [floor(i*H/OH), ceil((i+1)*H/OH))."""
    _check_tensor("adaptive_avg_pool2d", "input", input)
    if pair(output_size) == (1, 1) and input.ndim > (2 if isinstance(output_size, (tuple, list)) else 1):
        return T.mean(input, (-2, -1), keepdim=True)  # PyTorch's shortcut: any leading dims, NaN when empty
    x, squeeze, (oh, ow) = _adaptive_input("adaptive_avg_pool2d", input, output_size, empty_channels_ok=True)
    xp = get_array_module(x._data)
    if x.numel() == 0 or oh * ow == 0:  # nothing in or nothing out: an empty result of the input's dtype
        empty = Tensor._from_op(xp.zeros(tuple(x.shape[:2]) + (oh, ow), dtype=x._data.dtype), None)
        return _unbatch(empty + T.sum(x) * 0.0 if x.dtype.is_floating_point else empty, squeeze)
    a_h = pool.averaging_matrix(xp, x.shape[2], oh, x._data.dtype)
    a_w = pool.averaging_matrix(xp, x.shape[3], ow, x._data.dtype)
    return _unbatch(pool.AdaptiveAvgPool2d(a_h, a_w)(x), squeeze)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over PyTorch's adaptive bins; with return_indices also the flat h*W+w argmax."""
    x, squeeze, size = _adaptive_input("adaptive_max_pool2d", input, output_size, empty_channels_ok=False)
    if x.shape[0] == 0:  # no images: empty results, without the bins of a possibly huge output
        xp = get_array_module(x._data)
        out = _unbatch(Tensor._from_op(xp.zeros((0, x.shape[1]) + size, x._data.dtype), None) + T.sum(x) * 0.0, squeeze)
        return (out, _unbatch(Tensor._from_op(xp.zeros(out.shape, np.int64), None), squeeze)) if return_indices else out
    fn = pool.AdaptiveMaxPool2d(size)
    out = _unbatch(fn(x), squeeze)
    if not return_indices:
        return out
    return out, _unbatch(Tensor._from_op(fn.indices, None), squeeze)
