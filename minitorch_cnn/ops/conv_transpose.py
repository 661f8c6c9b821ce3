"""Transposed 2-D convolution: the idea in ``conv_transpose2d_reference``, then the Function.

The idea: every input pixel x[n, c, h, w] stamps the kernel w[c] (scaled by the pixel) onto the
output, its top-left tap at (h*s - p, w*s - q), its taps d apart. For one kernel offset (i, j)
the pixels every input pixel writes form ONE strided slice of the output before its padding is
cropped off, so ``conv_transpose2d_reference`` adds kh*kw slices and the fast path is tested to
give the same numbers.

Shapes (G = groups, s = stride, p = padding, d = dilation, op = output_padding, per axis):

    x    (N, C_in, H, W)
    w    (C_in, C_out/G, kh, kw)
    b    (C_out,) or None
    out  (N, C_out, OH, OW),  OH = (H - 1)*s - 2p + d*(kh - 1) + op + 1

It is the input gradient of the convolution conv2d(., w) that maps (N, C_out, OH, OW) to
(N, C_in, H, W) with the same s, p, d and groups (``output_padding`` picks which of the input
sizes that convolution maps to H). So the three formulas of ``ops/conv.py`` appear with their
roles swapped:

    forward   out = col2im(W^T x)           (conv2d's dX, x in the role of dY)
    dX        conv2d(dY, W)                 (conv2d's forward)
    dW        x cols(dY)^T                  (conv2d's dW, dY in the role of its input)

next: ``pool.py``.
"""
import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from . import dual
from .conv import Conv2d, grouped_cols, input_grad_by_col2im, weight_grad
from .im2col import swap_batch_and_channels


def conv_transpose_out_size(size, kernel, stride, padding, output_padding, dilation):
    """(size - 1)*stride - 2*padding + dilation*(kernel - 1) + output_padding + 1, PyTorch's formula."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def conv_transpose2d_reference(x, w, b=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0), dilation=(1, 1),
                               groups=1):
    """The definition in plain array code: a scatter-add of every input pixel's kernel stamp.

    x: (N, C_in, H, W), w: (C_in, C_out/G, kh, kw), b: (C_out,) or None. Returns (N, C_out, OH, OW).
    For each kernel offset (i, j), input pixel (h, w) lands on row h*s + i*d, column w*s + j*d of
    the uncropped output: all pixels together fill one strided slice of it.
    """
    xp = get_array_module(x)
    n, c_in, h, wd = x.shape
    _, c_out_g, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    full_h = conv_transpose_out_size(h, kh, sh, 0, output_padding[0], dh)  # before cropping the padding
    full_w = conv_transpose_out_size(wd, kw, sw, 0, output_padding[1], dw)
    x_g = x.reshape(n, groups, c_in // groups, h, wd)           # (N, G, C_in/G, H, W)
    w_g = w.reshape(groups, c_in // groups, c_out_g, kh, kw)    # (G, C_in/G, C_out/G, kh, kw)
    full = xp.zeros((n, groups, c_out_g, full_h, full_w), dtype=np.result_type(x.dtype, w.dtype))
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dh, i * dh + sh * (h - 1) + 1, sh)
            cols = slice(j * dw, j * dw + sw * (wd - 1) + 1, sw)
            full[..., rows, cols] += xp.einsum("ngchw,gco->ngohw", x_g, w_g[..., i, j])
    out = full.reshape(n, groups * c_out_g, full_h, full_w)[:, :, ph : full_h - ph, pw : full_w - pw]
    return out if b is None else out + b.reshape(1, -1, 1, 1)


def _pads(padding):
    """(p, q) -> ((p, p), (q, q)): im2col's per-side form (the output_padding rows are never read)."""
    return tuple((p, p) for p in padding)


def _crop(a, size):
    """``a`` cut to ``size`` on its last two axes (a no-op when it has that size already)."""
    if tuple(dual.shape(a)[2:]) == tuple(size):
        return a
    return a[:, :, : size[0], : size[1]]


class ConvTranspose2d(Function):
    """out = conv_transpose2d(x, w) + b, the same numbers as ``conv_transpose2d_reference``.

    ``padding`` and ``output_padding`` are (height, width) pairs; b may be None.
    """

    node_name = "ConvolutionBackward0"  # PyTorch's name of this backward node
    differentiable_backward = True  # dX is a convolution, dW a Function of its own, both differentiable

    def __init__(self, stride, padding, output_padding, dilation, groups):
        self.stride, self.padding, self.output_padding = tuple(stride), tuple(padding), tuple(output_padding)
        self.dilation, self.groups = tuple(dilation), groups

    def conv(self):
        """The convolution whose input gradient this op is: conv2d(., w) with the same s, p, d, groups.

        It computes a gradient, so its node takes PyTorch's name of a convolution's double backward.
        """
        conv = Conv2d(self.stride, _pads(self.padding), self.dilation, self.groups)
        conv.node_name = "ConvolutionBackwardBackward0"
        return conv

    def forward(self, x, w, b=None):
        xp = get_array_module(x)
        n, c_in, h, wd = x.shape
        _, c_out_g, kh, kw = w.shape
        g = self.groups
        out_size = tuple(conv_transpose_out_size(*a) for a in zip(
            (h, wd), (kh, kw), self.stride, self.padding, self.output_padding, self.dilation))
        out_shape = (n, g * c_out_g, *out_size)
        self.kernel_size = (kh, kw)
        self.save_for_backward(x, w)
        # out = col2im(W^T x): conv2d's input gradient, x in the role of dY
        out = input_grad_by_col2im(x, w, out_shape, self.stride, _pads(self.padding), self.dilation, g,
                                   batch_last=xp is np)
        if b is not None:
            out += b.reshape(1, -1, 1, 1)
        return out

    def backward(self, grad):
        # dX = conv2d(dY, W) (stride s, padding p, dilation d): the convolution whose input gradient the
        # forward is; it reads H + op//s rows when op >= s (allowed when op < d), cut back to H
        # dW = x cols(dY)^T (``ConvTranspose2dWeightGrad``); db = sum of dY over batch and pixels
        x, w = self.saved_tensors
        dx = dw = db = None
        if self.needs_input_grad[0]:
            dx = _crop(dual.apply(self.conv(), grad, w, None), dual.shape(x)[2:])
        if self.needs_input_grad[1]:
            dw = dual.apply(ConvTranspose2dWeightGrad(self), x, grad)
        if self.needs_input_grad[2]:
            db = dual.sum(grad, (0, 2, 3))
        return dx, dw, db


class ConvTranspose2dWeightGrad(Function):
    """dW of ``op`` (a ConvTranspose2d): (x, dY) -> x cols(dY)^T, linear in each of them.

    x (N, C_in, H, W), dY (N, C_out, OH, OW) -> dW (C_in, C_out/G, kh, kw): the weight gradient of
    conv2d(dY, W) for output gradient x. Its backward, for a cotangent U of W's shape:
    d<U, dW>/dx = conv2d(dY, U), d<U, dW>/d dY = conv_transpose2d(x, U).
    """

    node_name = "ConvolutionBackwardBackward0"
    differentiable_backward = True

    def __init__(self, op):
        self.op = op

    def forward(self, x, grad):
        op = self.op
        _, c_in, h, wd = x.shape
        g, c_out = op.groups, grad.shape[1]
        kh, kw = op.kernel_size  # (op has run its forward)
        self.save_for_backward(x, grad)
        # dW = x cols(dY)^T: conv2d's weight gradient, x in the role of dY and dY in that of its input
        cols = grouped_cols(grad, (kh, kw), op.stride, _pads(op.padding), op.dilation, (h, wd), g)  # (G, K, M)
        x_cm = swap_batch_and_channels(x).reshape(g, c_in // g, -1)  # (G, C_in/G, M)
        return weight_grad(x_cm, cols, (c_in, c_out // g, kh, kw))

    def backward(self, u):
        # d<U, dW>/dx = conv2d(dY, U) (cut to x's size, as in ConvTranspose2d.backward);
        # d<U, dW>/d dY = conv_transpose2d(x, U): dW is linear in each argument, the forward its pairing
        x, grad = self.saved_tensors
        op = self.op
        dx = _crop(dual.apply(op.conv(), grad, u, None), dual.shape(x)[2:]) if self.needs_input_grad[0] else None
        dgrad = None
        if self.needs_input_grad[1]:
            same = ConvTranspose2d(op.stride, op.padding, op.output_padding, op.dilation, op.groups)
            same.node_name = self.node_name  # (a gradient's gradient, as PyTorch names it)
            dgrad = dual.apply(same, x, u, None)
        return dx, dgrad
