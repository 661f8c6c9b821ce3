"""2-D convolution as im2col + one matrix product per group set.

Shapes (G = groups, K = C_in/G * kh * kw, M = N * OH * OW):

    x    (N, C_in, H, W)          --im2col-->  cols (G, K, M)
    w    (C_out, C_in/G, kh, kw)  viewed as    (G, C_out/G, K)
    out  = w @ cols                            (G, C_out/G, M) = (C_out, N, OH, OW) -> (N, C_out, OH, OW)

For groups=1 this is one large GEMM for the whole batch; for groups > 1 it is
one batched product over the groups (no Python loop: ResNeXt uses 32).

The input gradient of a stride-1 convolution is itself a convolution: the
"full" correlation of dY with the kernel flipped in space and transposed in its
channels, dX = conv2d(dY, rot180(W)^T, padding = d*(k-1) - p). It reuses
im2col + GEMM and replaces col2im's kh*kw strided adds: for ResNet-20's 3x3
convolutions it made the whole training step 1.2x faster here. It unfolds dY,
C_out*kh*kw rows where col2im's W^T dY has C_in*kh*kw, so it is used when
C_out <= C_in (LeNet-5's 6->16 5x5 step ran 1.35x slower with it). Strided convolutions, and
CUDA, where col2im is one gather kernel, use col2im.

A pointwise convolution (1x1 kernel, stride 1, no padding, one group) skips
im2col, which would only transpose x: each image is already a (C_in, H*W)
matrix, so out_n = W x_n is one batched matmul over the images, with no
transposes either way (measured 3x faster than im2col + GEMM for 64->128, 32x32).
"""
import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module, kernel
from .im2col import col2im, conv_out_size, im2col, swap_batch_and_channels, transposed_copy


def grouped_matmul(a, b):
    """(G, n, k) @ (G, k, m) -> (G, n, m): one product per group, in one call.

    With one group it is a plain 2-D GEMM (BLAS). With several, NumPy's stacked
    ``matmul`` makes one small multi-threaded BLAS call per group, which measured
    up to 40x slower here than einsum's single C loop; on CuPy both batch on the GPU.
    """
    if a.shape[0] == 1:
        return (a[0] @ b[0])[None]
    return get_array_module(a).einsum("gnk,gkm->gnm", a, b)


def _grouped_cols(x, kernel_size, stride, padding, dilation, out_size, groups):
    """im2col of x viewed as (G, K, M): the right-hand matrices of the grouped product."""
    cols = im2col(x, kernel_size, stride, padding, dilation, out_size)
    return cols.reshape(groups, -1, x.shape[0] * out_size[0] * out_size[1])


class Conv2d(Function):
    """out = conv2d(x, w) + b. ``padding`` is ((top, bottom), (left, right)); b may be None."""

    def __init__(self, stride, padding, dilation, groups):
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups

    def _cols(self, x, out_size):
        """im2col of x viewed as (G, K, M)."""
        return _grouped_cols(x, self.w_shape[2:], self.stride, self.padding, self.dilation, out_size, self.groups)

    def _pointwise(self):
        """1x1 kernel, stride 1, no padding, one group: the matmul form below replaces im2col."""
        no_padding = not any(any(side) for side in self.padding)
        return self.w_shape[2:] == (1, 1) and tuple(self.stride) == (1, 1) and no_padding and self.groups == 1

    def forward(self, x, w, b=None):
        xp = get_array_module(x)
        n, _, h, wd = x.shape
        c_out, _, kh, kw = w.shape
        g = self.groups
        self.x_shape, self.w_shape = x.shape, w.shape
        if self._pointwise():
            # out_n = W x_n for every image n: (C_out, C_in) @ (N, C_in, H*W) -> (N, C_out, H*W)
            out = w.reshape(c_out, -1) @ x.reshape(n, -1, h * wd)
            if b is not None:
                out += b.reshape(-1, 1)
            self.save_for_backward(w, x)
            return out.reshape(n, c_out, h, wd)
        out_size = tuple(
            conv_out_size(size, k, s, *p, d)
            for size, k, s, p, d in zip((h, wd), (kh, kw), self.stride, self.padding, self.dilation)
        )
        cols = self._cols(x, out_size)  # (G, K, M)
        out = grouped_matmul(w.reshape(g, c_out // g, -1), cols).reshape(c_out, n, *out_size)
        if b is not None:
            out += b.reshape(-1, 1, 1, 1)
        # dW needs cols. The CPU keeps them (a second im2col costs time there); CuPy keeps x and redoes
        # im2col in backward: cols are kh*kw times x and made ResNet-20's peak GPU memory 3.65x PyTorch's.
        self.save_for_backward(w, cols if xp is np else x)  # (saved buffers are freed once backward has run)
        return swap_batch_and_channels(out)

    def backward(self, grad):
        xp = get_array_module(grad)
        if self._pointwise():
            return self._pointwise_backward(grad)
        w, cols_or_x = self.saved_tensors
        g = self.groups
        c_out, _, kh, kw = self.w_shape
        dy = swap_batch_and_channels(grad).reshape(g, c_out // g, -1)  # (G, C_out/G, M)
        dx = dw = db = None
        if self.needs_input_grad[1]:  # (first: recomputed cols are freed before dX's buffers exist)
            # dW = dY cols^T
            cols = cols_or_x if xp is np else self._cols(cols_or_x, grad.shape[2:])
            dw = self._weight_grad(xp, dy, cols)
        # (where col2im has its own kernel, on CUDA, that kernel is kept: it was what the GPU runs measured)
        full_padding = self._full_padding() if kernel("col2im", xp) is None else None
        if self.needs_input_grad[0] and full_padding is not None:
            # dX = conv2d(dY, rot180(W)^T, padding = d*(k-1) - p)
            dx = self._input_grad_by_convolution(grad, w, full_padding)
        elif self.needs_input_grad[0]:
            # dX = col2im(W^T dY)
            dx = self._input_grad_by_col2im(xp, grad, dy, w)
        if self.needs_input_grad[2]:
            # db = sum of dY over batch and pixels
            db = dy.reshape(c_out, -1).sum(axis=1)
        return dx, dw, db

    def _full_padding(self):
        """dY's padding ((top, bottom), (left, right)) = d*(k-1) - p for the input gradient as a convolution.

        None when that form does not apply: a stride above 1 (dY would need zeros between its
        pixels) or a padding wider than the dilated kernel (dY would need cropping); or does
        not pay: more output than input channels (dY's columns would outgrow W^T dY).
        """
        reach = [d * (k - 1) for d, k in zip(self.dilation, self.w_shape[2:])]
        full = tuple((r - before, r - after) for r, (before, after) in zip(reach, self.padding))
        if tuple(self.stride) != (1, 1) or min(min(side) for side in full) < 0:
            return None
        if self.w_shape[0] > self.w_shape[1] * self.groups:
            return None
        return full

    def _input_grad_by_convolution(self, grad, w, full_padding):
        """dX (N, C_in, H, W) as the correlation of dY (padded by ``full_padding``) with W flipped in
        space, in/out channels swapped per group."""
        g = self.groups
        c_out, c_in_g, kh, kw = self.w_shape
        # (G, C_out/G, C_in/G, kh, kw) -> (G, C_in/G, C_out/G * kh * kw), flipped along kh and kw
        w_t = w.reshape(g, c_out // g, c_in_g, kh, kw)[:, :, :, ::-1, ::-1].transpose(0, 2, 1, 3, 4)
        w_t = w_t.reshape(g, c_in_g, -1)
        cols = _grouped_cols(grad, (kh, kw), (1, 1), full_padding, self.dilation, self.x_shape[2:], g)
        dx = grouped_matmul(w_t, cols).reshape(self.x_shape[1], self.x_shape[0], *self.x_shape[2:])
        return swap_batch_and_channels(dx)

    def _input_grad_by_col2im(self, xp, grad, dy, w):
        """dX = col2im(W^T dY). dY: (G, C_out/G, M) with M = (N, OH, OW).

        NumPy's col2im is fastest with the batch innermost, so there dY is first laid out
        (C_out, OH, OW, N) (the copy costs less than it saves); CUDA's col2im kernel takes M as it is.
        """
        g = self.groups
        c_out, _, kh, kw = self.w_shape
        batch_last = kernel("col2im", xp) is None
        if batch_last:
            dy = transposed_copy(grad, (1, 2, 3, 0)).reshape(dy.shape)  # M = (OH, OW, N)
        dcols = grouped_matmul(w.reshape(g, c_out // g, -1).swapaxes(1, 2), dy)  # (G, K, M)
        m_shape = grad.shape[2:] + grad.shape[:1] if batch_last else grad.shape[:1] + grad.shape[2:]
        dcols = dcols.reshape(self.x_shape[1], kh, kw, *m_shape)
        return col2im(dcols, self.x_shape, (kh, kw), self.stride, self.padding, self.dilation, batch_last)

    def _pointwise_backward(self, grad):
        w, x = self.saved_tensors
        n, c_out = grad.shape[:2]
        w2 = w.reshape(c_out, -1)
        x = x.reshape(n, w2.shape[1], -1)
        dy = grad.reshape(n, c_out, -1)  # (N, C_out, H*W)
        dx = dw = db = None
        if self.needs_input_grad[0]:
            # dX_n = W^T dY_n
            dx = (w2.T @ dy).reshape(self.x_shape)
        if self.needs_input_grad[1]:
            # dW = sum over n of dY_n X_n^T
            dw = (dy @ x.swapaxes(1, 2)).sum(axis=0).reshape(self.w_shape)
        if self.needs_input_grad[2]:
            # db = sum of dY over batch and pixels
            db = dy.sum(axis=(0, 2))
        return dx, dw, db

    def _weight_grad(self, xp, dy, cols):
        """dW = dY cols^T, (G, C_out/G, M) x (G, K, M) -> w's shape.

        The inner dimension M is long and the result small; OpenBLAS parallelises over the
        result's rows, so the longer of C_out/G and K is made the rows: (cols dY^T)^T when K is
        longer (measured 2-4x faster).
        """
        if cols.shape[1] > dy.shape[1]:
            dw = grouped_matmul(cols, dy.swapaxes(1, 2)).swapaxes(1, 2)
        else:
            dw = grouped_matmul(dy, cols.swapaxes(1, 2))
        return xp.ascontiguousarray(dw).reshape(self.w_shape)
