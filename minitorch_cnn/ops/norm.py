"""Batch normalisation and local response normalisation (AlexNet's "Norm").

Both work on the channel axis 1 of (N, C), (N, C, L) or (N, C, H, W) input, in
the input's own layout (no NCHW <-> NHWC copies). The definition comes first:
``batch_norm_reference``.

next: ``models/resnet.py`` (``BasicBlock``: convolution, batch norm, ReLU and a shortcut).
"""
import numpy as np

from ..autograd.function import Function
from .._threads import parallel_slices
from ..backend import get_array_module
from ..tensor import Tensor
from . import dual


def batch_norm_reference(x, weight=None, bias=None, eps=1e-5, mean=None, var=None):
    """The definition: y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (axis 1).

    Training (``mean``/``var`` None) uses the batch's mean and biased variance over every axis
    but 1. x: (N, C, *rest) -> (y, mean, var), the statistics as (C,) vectors.
    """
    axes = (0,) + tuple(range(2, x.ndim))
    if mean is None:
        mean, var = x.mean(axis=axes), x.var(axis=axes)
    shape = (1, -1) + (1,) * (x.ndim - 2)  # a (C,) vector against x
    y = (x - mean.reshape(shape)) / (var.reshape(shape) + eps) ** 0.5
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y, mean, var


def _channel_shape(x):
    """(1, C, 1, ...): broadcasts a per-channel vector against x."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _per_channel(v, like):
    """The (c,) vector v laid out like one sample of ``like``: (1, c, *rest), contiguous.

    NumPy combines an array with this faster than with the (1, c, 1, 1) view: a stride-0
    operand inside the inner loop leaves its fast path. The copy is 1/N of the array; below
    4 samples the view is kept, and on CuPy (no such slow path there, and every copy is one
    more kernel launch).
    """
    xp = get_array_module(v)
    view = v.reshape(_channel_shape(like))
    if like.shape[0] < 4 or xp is not np:
        return view
    return xp.ascontiguousarray(xp.broadcast_to(view, (1,) + like.shape[1:]))


def _channel_dot(a, b=None):
    """sum over every axis except 1 of a (or of a * b), as a (C,) vector.

    One einsum pass over (N, C, rest) views, with no a * b temporary (``(a * b).sum(...)``
    would write and re-read one).
    """
    xp = get_array_module(a)
    a = a.reshape(a.shape[0], a.shape[1], -1)
    if b is None:
        return xp.einsum("ncl->c", a)
    return xp.einsum("ncl,ncl->c", a, b.reshape(a.shape))


class BatchNorm(Function):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (the numbers of ``batch_norm_reference``).

    Training (``mean``/``var`` None): the batch's mean and *biased* variance over
    every axis but 1; they are kept as ``batch_mean`` / ``batch_var`` so the
    caller can update the running statistics. Eval: the given running mean/var.
    ``weight`` and ``bias`` may be None (affine=False).

    Channels are independent, so both passes run on channel slices split over the
    CPU's threads (``_threads.parallel_slices``; one slice, the whole x, on CuPy).
    """
    node_name = "NativeBatchNormBackward0"  # PyTorch's name of this backward node
    differentiable_backward = True  # recorded: ``_recorded_backward``

    def __init__(self, eps, mean=None, var=None):
        self.eps, self.mean, self.var = eps, mean, var
        self.training = mean is None

    def forward(self, x, weight=None, bias=None):
        xp = get_array_module(x)
        self.count = x.size // x.shape[1]  # M: values per channel
        centered, out = xp.empty_like(x), xp.empty_like(x)
        mean, var, invstd, scale = (xp.empty(x.shape[1], dtype=x.dtype) for _ in range(4))

        def normalise(c0, c1):
            ch, x_ch = slice(c0, c1), x[:, c0:c1]
            if self.training:
                mean[ch] = _channel_dot(x_ch) / self.count
                xp.subtract(x_ch, _per_channel(mean[ch], x_ch), out=centered[:, ch])
                var[ch] = _channel_dot(centered[:, ch], centered[:, ch]) / self.count
            else:
                mean[ch], var[ch] = self.mean[ch], self.var[ch]
                xp.subtract(x_ch, _per_channel(mean[ch], x_ch), out=centered[:, ch])
            invstd[ch] = 1.0 / xp.sqrt(var[ch] + self.eps)
            # x_hat * weight = centered * scale: x_hat itself is never formed (one pass fewer)
            scale[ch] = invstd[ch] if weight is None else invstd[ch] * weight[ch]
            if self.training:
                xp.multiply(centered[:, ch], _per_channel(scale[ch], x_ch), out=out[:, ch])
                if bias is not None:
                    out[:, ch] += _per_channel(bias[ch], x_ch)
            else:  # PyTorch's eval form, x * scale + (b - mean * scale): the same inf/NaN where var + eps is 0
                shift = -mean[ch] * scale[ch] if bias is None else bias[ch] - mean[ch] * scale[ch]
                xp.multiply(x_ch, _per_channel(scale[ch], x_ch), out=out[:, ch])
                out[:, ch] += _per_channel(shift, x_ch)

        parallel_slices(normalise, x.shape[1], xp, x.size)
        if self.training:
            self.batch_mean, self.batch_var = mean, var
        self.save_for_backward(centered, invstd, scale)  # (saved buffers are freed once backward has run)
        return out

    def backward(self, grad):
        if dual.is_graph(grad):
            return self._recorded_backward(grad)
        xp = get_array_module(grad)
        centered, invstd, scale = self.saved_tensors  # x_hat = centered * invstd; d out / d centered = scale
        needs_dx, needs_dw = self.needs_input_grad[:2]
        needs_sum_g_xhat = needs_dw or (needs_dx and self.training)
        sum_g, sum_g_xhat = xp.empty_like(invstd), xp.empty_like(invstd)
        dx = xp.empty_like(grad) if needs_dx else None

        def differentiate(c0, c1):
            ch, g = slice(c0, c1), grad[:, c0:c1]
            sum_g[ch] = _channel_dot(g)  # = db
            if needs_sum_g_xhat:
                sum_g_xhat[ch] = _channel_dot(g, centered[:, ch]) * invstd[ch]  # = dW
            if not needs_dx:
                return
            d = dx[:, ch]
            if self.training:
                # dX = w / std * (dY - mean(dY) - x_hat * mean(dY * x_hat))
                xp.multiply(centered[:, ch], _per_channel(-invstd[ch] * sum_g_xhat[ch] / self.count, g), out=d)
                d += g
                d -= _per_channel(sum_g[ch] / self.count, g)
                d *= _per_channel(scale[ch], g)
            else:
                # dX = dY * w / sqrt(running_var + eps)
                xp.multiply(g, _per_channel(scale[ch], g), out=d)

        parallel_slices(differentiate, grad.shape[1], xp, grad.size)
        # dW = sum(dY * x_hat), db = sum(dY)
        dw = sum_g_xhat if self.needs_input_grad[1] else None
        db = sum_g if self.needs_input_grad[2] else None
        return dx, dw, db

    def _recorded_backward(self, grad):
        """The formulas of ``backward`` as differentiable ops of x, weight and dY (create_graph=True).

        ``backward`` runs them fused, in place and threaded on arrays; here the batch statistics
        are recomputed from x as ops, so that the result can be differentiated again. x is rebuilt
        from the saved centered values (centered + mean), wired to x's producer in the graph.
        """
        centered, invstd, scale = (dual.value(t) for t in self.saved_tensors)
        shape = [1, -1] + [1] * (centered.ndim - 2)  # a per-channel vector against (N, C, ...)
        axes = (0,) + tuple(range(2, centered.ndim))
        x_parent, w_parent = self.parents[0], self.parents[1] if len(self.parents) > 1 else None
        mean = self.batch_mean if self.training else self.mean
        x = x_parent if isinstance(x_parent, Tensor) else Tensor._from_op(centered + mean.reshape(shape), x_parent)
        if w_parent is not None:
            weight = w_parent if isinstance(w_parent, Tensor) else None
        else:
            weight = scale / invstd  # a constant (or ones for affine=False)
        if self.training:
            mu = dual.mean(x, axes, keepdims=True)
            xc = x - mu
            inv = (dual.mean(xc * xc, axes, keepdims=True) + self.eps) ** -0.5
        else:
            xc, inv = x - self.mean.reshape(shape), (self.var.reshape(shape) + self.eps) ** -0.5
        x_hat = xc * inv
        w = dual.reshape(weight, shape) if dual.is_graph(weight) else weight.reshape(shape)
        sum_g = dual.sum(grad, axes, keepdims=True)
        sum_g_xhat = dual.sum(grad * x_hat, axes, keepdims=True)
        dx = dw = db = None
        if self.needs_input_grad[0]:
            if self.training:
                # dX = w / std * (dY - mean(dY) - x_hat * mean(dY * x_hat))
                dx = (w * inv) * (grad - sum_g / self.count - x_hat * (sum_g_xhat / self.count))
            else:
                # dX = dY * w / sqrt(running_var + eps)
                dx = grad * (w * inv)
        if self.needs_input_grad[1]:
            dw = dual.reshape(sum_g_xhat, (-1,))  # dW = sum(dY * x_hat)
        if len(self.needs_input_grad) > 2 and self.needs_input_grad[2]:
            db = dual.reshape(sum_g, (-1,))  # db = sum(dY)
        return dx, dw, db


class LocalResponseNorm(Function):
    """y = x / (k + alpha/size * sum_{c' near c} x_c'^2) ** beta, PyTorch's convention.

    The window around channel c is c - size//2 ... c + (size-1)//2 (zero outside).
    """
    node_name = "DivBackward0"  # PyTorch's name of this backward node
    differentiable_backward = True

    def __init__(self, size, alpha, beta, k):
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def _window_sum(self, a, before, after):
        """s[:, c] = sum of a[:, c - before ... c + after] (zero-padded), a loop over the window only."""
        c = a.shape[1]
        before, after = min(before, c - 1), min(after, c - 1)  # the rest of a huge window reads only zeros
        if dual.is_graph(a):  # recorded: the same sum, of a zero-padded copy made by the pad op
            from .shape import ConstantPad

            padded = ConstantPad([(0, 0), (before, after)] + [(0, 0)] * (a.ndim - 2))(a)
            out = padded[:, 0:c]
            for offset in range(1, before + after + 1):
                out = out + padded[:, offset : offset + c]
            return out
        xp = get_array_module(a)
        padded = xp.zeros((a.shape[0], c + before + after) + a.shape[2:], dtype=a.dtype)
        padded[:, before : before + c] = a
        out = padded[:, 0:c].copy()
        for offset in range(1, before + after + 1):
            out += padded[:, offset : offset + c]
        return out

    def forward(self, x):
        scale = self.k + self.alpha / self.size * self._window_sum(x * x, self.size // 2, (self.size - 1) // 2)
        self.save_for_backward(x, scale)
        return x * scale ** -self.beta

    def backward(self, grad):
        # dX = dY * s^-beta - 2 alpha beta / size * x * windowsum^T(dY * x * s^(-beta-1))
        x, s = self.saved_tensors
        if dual.is_graph(x):  # recorded: s as a function of x
            s = self.k + self.alpha / self.size * self._window_sum(x * x, self.size // 2, (self.size - 1) // 2)
        inner = grad * x * s ** (-self.beta - 1)
        # the adjoint of a window sum is the window sum with the window mirrored
        back = self._window_sum(inner, (self.size - 1) // 2, self.size // 2)
        return grad * s ** -self.beta - 2 * self.alpha * self.beta / self.size * x * back
