"""2-D convolution as im2col + one batched matrix product.

Shapes (G = groups, K = C_in/G * kh * kw, P = OH * OW):

    x    (N, C_in, H, W)       --im2col-->  cols (N, G, K, P)
    w    (C_out, C_in/G, kh, kw)  viewed as  (G, C_out/G, K)
    out  = w @ cols                          (N, G, C_out/G, P) = (N, C_out, OH, OW)

The product broadcasts w over the batch, so all groups and images go through
one ``matmul`` call (no Python loop over groups: ResNeXt uses 32).
"""
from ..autograd.function import Function
from ..backend import get_array_module
from .im2col import col2im, conv_out_size, im2col


class Conv2d(Function):
    """out = conv2d(x, w) + b. ``padding`` is ((top, bottom), (left, right)); b may be None."""

    def __init__(self, stride, padding, dilation, groups):
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups

    def forward(self, x, w, b=None):
        n, c, h, wd = x.shape
        c_out, _, kh, kw = w.shape
        g = self.groups
        out_size = tuple(
            conv_out_size(size, k, s, *p, d)
            for size, k, s, p, d in zip((h, wd), (kh, kw), self.stride, self.padding, self.dilation)
        )
        cols = im2col(x, (kh, kw), self.stride, self.padding, self.dilation, out_size)
        cols = cols.reshape(n, g, -1, out_size[0] * out_size[1])
        out = w.reshape(g, c_out // g, -1) @ cols
        out = out.reshape(n, c_out, *out_size)
        if b is not None:
            out += b.reshape(-1, 1, 1)
        self.x_shape, self.w_shape = x.shape, w.shape
        self.save_for_backward(w)
        self.cols = cols  # a derived buffer, not an input: no version check needed
        return out

    def backward(self, grad):
        (w,) = self.saved_tensors
        n, g = self.x_shape[0], self.groups
        c_out, _, kh, kw = self.w_shape
        dy = grad.reshape(n, g, c_out // g, -1)  # (N, G, C_out/G, P)
        dx = dw = db = None
        if self.needs_input_grad[0]:
            # dX = col2im(W^T dY)
            dcols = w.reshape(g, c_out // g, -1).swapaxes(1, 2) @ dy  # (N, G, K, P)
            dcols = dcols.reshape(n, self.x_shape[1], kh, kw, *grad.shape[2:])
            dx = col2im(dcols, self.x_shape, (kh, kw), self.stride, self.padding, self.dilation)
        if self.needs_input_grad[1]:
            # dW = sum_n dY_n cols_n^T
            dw = (dy @ self.cols.swapaxes(2, 3)).sum(axis=0).reshape(self.w_shape)
        if self.needs_input_grad[2]:
            # db = sum of dY over batch and pixels
            db = grad.sum(axis=(0, 2, 3))
        return dx, dw, db
