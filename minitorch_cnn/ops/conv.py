"""2-D convolution: the idea in ``conv2d_reference``, then the Function that computes it fast.

The idea: every output pixel is the dot product of the kernel with the window of the padded
input under it. ``conv2d_reference`` writes exactly that (one kernel offset at a time) and the
fast path is tested to give the same numbers.

The fast path is im2col + one matrix product per group set (G = groups, K = C_in/G * kh * kw,
M = N * OH * OW):

    x    (N, C_in, H, W)          --im2col-->  cols (G, K, M)
    w    (C_out, C_in/G, kh, kw)  viewed as    (G, C_out/G, K)
    out  = w @ cols                            (G, C_out/G, M) = (C_out, N, OH, OW) -> (N, C_out, OH, OW)

and its backward is three formulas: dW = dY cols^T, dX = col2im(W^T dY), db = sum of dY.
How each is computed (its speed route) is chosen in one place, ``Conv2d.routes``, by one rule
of shapes and array module: which CUDA kernels exist never decides (a kernel only makes a
route faster; the only one, col2im's, is asked for inside ``col2im``).

next: ``pool.py`` (the same windows, a max or a mean instead of a dot product).
"""
import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from . import dual
from .conv_chunked import conv2d_chunked, input_grad_chunked, weight_grad_chunked
from .im2col import col2im, conv_out_size, im2col, swap_batch_and_channels, transposed_copy


def conv2d_reference(x, w, b=None, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
    """The definition in plain array code: out[n, o] = b[o] + sum over (c, i, j) of w[o, c, i, j] * window.

    x: (N, C_in, H, W), w: (C_out, C_in/G, kh, kw), b: (C_out,) or None; ``padding`` is
    ((top, bottom), (left, right)). Returns (N, C_out, OH, OW). For each kernel offset (i, j)
    the pixels it reads under every window form one strided slice of the padded input.
    """
    xp = get_array_module(x)
    n, _, _, _ = x.shape
    c_out, c_in_g, kh, kw = w.shape
    (sh, sw), (dh, dw) = stride, dilation
    padded = xp.pad(x, ((0, 0), (0, 0)) + tuple(padding))
    oh = (padded.shape[2] - dh * (kh - 1) - 1) // sh + 1
    ow = (padded.shape[3] - dw * (kw - 1) - 1) // sw + 1
    x_g = padded.reshape(n, groups, c_in_g, *padded.shape[2:])  # (N, G, C_in/G, Hp, Wp)
    w_g = w.reshape(groups, c_out // groups, c_in_g, kh, kw)    # (G, C_out/G, C_in/G, kh, kw)
    out = xp.zeros((n, groups, c_out // groups, oh, ow), dtype=np.result_type(x.dtype, w.dtype))
    for i in range(kh):
        for j in range(kw):
            window = x_g[..., i * dh : i * dh + sh * (oh - 1) + 1 : sh, j * dw : j * dw + sw * (ow - 1) + 1 : sw]
            out += xp.einsum("ngchw,goc->ngohw", window, w_g[..., i, j])
    out = out.reshape(n, c_out, oh, ow)
    return out if b is None else out + b.reshape(1, -1, 1, 1)


# ---- the matrix products, as functions of arrays and shapes ----------------------------------------
def grouped_matmul(a, b):
    """(G, n, k) @ (G, k, m) -> (G, n, m): one product per group, in one call.

    With one group it is a plain 2-D GEMM (BLAS). With several, NumPy's stacked ``matmul``
    makes one small BLAS call per group, while einsum runs one C loop; on CuPy both batch on
    the GPU.
    """
    if a.shape[0] == 1:
        return (a[0] @ b[0])[None]
    return get_array_module(a).einsum("gnk,gkm->gnm", a, b)


def grouped_cols(x, kernel_size, stride, padding, dilation, out_size, groups):
    """im2col of x viewed as (G, K, M): the right-hand matrices of the grouped product."""
    cols = im2col(x, kernel_size, stride, padding, dilation, out_size)
    return cols.reshape(groups, -1, x.shape[0] * out_size[0] * out_size[1])


def weight_grad(dy, cols, w_shape):
    """dW = dY cols^T: (G, C_out/G, M) x (G, K, M) -> ``w_shape``.

    The inner dimension M is long and the result small; BLAS parallelises over the result's
    rows, so the longer of C_out/G and K is made the rows: (cols dY^T)^T when K is longer.
    """
    if cols.shape[1] > dy.shape[1]:
        dw = grouped_matmul(cols, dy.swapaxes(1, 2)).swapaxes(1, 2)
    else:
        dw = grouped_matmul(dy, cols.swapaxes(1, 2))
    return get_array_module(dw).ascontiguousarray(dw).reshape(w_shape)


def full_padding(w_shape, stride, padding, dilation, groups):
    """dY's padding ((top, bottom), (left, right)) = d*(k-1) - p for the input gradient as a convolution.

    None when that form does not apply: a stride above 1 (dY would need zeros between its
    pixels) or a padding wider than the dilated kernel (dY would need cropping); or does not
    pay: more output than input channels (dY's columns would outgrow W^T dY).
    """
    reach = [d * (k - 1) for d, k in zip(dilation, w_shape[2:])]
    full = tuple((r - before, r - after) for r, (before, after) in zip(reach, padding))
    if tuple(stride) != (1, 1) or min(min(side) for side in full) < 0:
        return None
    if w_shape[0] > w_shape[1] * groups:
        return None
    return full


def input_grad_by_convolution(grad, w, x_shape, pads, dilation, groups):
    """dX = conv2d(dY, rot180(W)^T, padding = ``pads``): the stride-1 input gradient as a convolution.

    dY (N, C_out, OH, OW) is correlated with W flipped in space, its in/out channels swapped
    per group; returns dX of ``x_shape`` (N, C_in, H, W). It reuses im2col + GEMM in place of
    col2im's kh*kw strided adds.
    """
    c_out, c_in_g, kh, kw = w.shape
    # (G, C_out/G, C_in/G, kh, kw) -> (G, C_in/G, C_out/G * kh * kw), flipped along kh and kw
    w_t = w.reshape(groups, c_out // groups, c_in_g, kh, kw)[:, :, :, ::-1, ::-1].transpose(0, 2, 1, 3, 4)
    w_t = w_t.reshape(groups, c_in_g, -1)
    cols = grouped_cols(grad, (kh, kw), (1, 1), pads, dilation, x_shape[2:], groups)
    dx = grouped_matmul(w_t, cols).reshape(x_shape[1], x_shape[0], *x_shape[2:])
    return swap_batch_and_channels(dx)


def input_grad_by_col2im(grad, w, x_shape, stride, padding, dilation, groups, batch_last, dy=None):
    """dX = col2im(W^T dY), dY (N, C_out, OH, OW) -> dX of ``x_shape``.

    With ``batch_last`` dY is first laid out (C_out, OH, OW, N), so that each of col2im's
    strided adds moves rows of OW*N numbers instead of OW (NumPy's fast case). Otherwise
    ``dy``, dY already laid out channel-major as (G, C_out/G, N*OH*OW), is used when given.
    """
    c_out, _, kh, kw = w.shape
    if batch_last:
        dy = transposed_copy(grad, (1, 2, 3, 0))  # M = (OH, OW, N)
        m_shape = grad.shape[2:] + grad.shape[:1]
    else:
        dy = swap_batch_and_channels(grad) if dy is None else dy  # M = (N, OH, OW)
        m_shape = grad.shape[:1] + grad.shape[2:]
    dy = dy.reshape(groups, c_out // groups, -1)
    dcols = grouped_matmul(w.reshape(groups, c_out // groups, -1).swapaxes(1, 2), dy)  # (G, K, M)
    dcols = dcols.reshape(x_shape[1], kh, kw, *m_shape)
    return col2im(dcols, x_shape, (kh, kw), stride, padding, dilation, batch_last)


class Conv2d(Function):
    """out = conv2d(x, w) + b, the same numbers as ``conv2d_reference``.

    ``padding`` is ((top, bottom), (left, right)); b may be None.
    """
    node_name = "ConvolutionBackward0"  # PyTorch's name of this backward node
    differentiable_backward = True  # dX and dW are ops of their own, whose backward are convolutions

    def __init__(self, stride, padding, dilation, groups):
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups

    # ---- the one place the speed routes are chosen ----
    def routes(self, xp):
        """(forward, input gradient, saved for dW) routes: one rule of shapes and array module.

        - "pointwise" for both when the kernel is 1x1 with stride 1, no padding and one group:
          each image is then already a (C_in, H*W) matrix and im2col would only copy it.
        - "chunked" for all three on NumPy with one group, unless the convolution is small
          (``_chunked_pays``): a few images at a time in cache-sized blocks (``conv_chunked.py``).
        - input gradient "convolution" on NumPy when ``full_padding`` applies (stride 1, and no
          more output than input channels), else "col2im" (on CuPy always: there col2im is one
          gather, or strided adds the GPU runs in parallel, and needs no im2col of dY).
        - saved "cols" on NumPy (a second im2col would cost time), "x" on CuPy (cols are kh*kw
          times x in GPU memory; backward redoes the im2col).
        """
        if self._pointwise():
            return "pointwise", "pointwise", "x"
        numpy = xp is np
        if numpy and self._chunked_pays():
            return "chunked", "chunked", "x"
        input_grad = "convolution" if numpy and self._full_padding() is not None else "col2im"
        return "im2col", input_grad, "cols" if numpy else "x"

    def _pointwise(self):
        no_padding = not any(any(side) for side in self.padding)
        return self.w_shape[2:] == (1, 1) and tuple(self.stride) == (1, 1) and no_padding and self.groups == 1

    # The chunked route pays once a window has this many numbers and the batch's columns this many
    # (below, e.g. LeNet-5's convolutions and a 3-channel stem, the whole-batch im2col is faster).
    CHUNKED_MIN_WINDOW, CHUNKED_MIN_COLUMNS = 64, 1 << 21

    def _chunked_pays(self):
        c_out, c_in, kh, kw = self.w_shape
        n, _, h, w = self.x_shape
        window = c_in * kh * kw
        pixels = n * h * w // (self.stride[0] * self.stride[1])
        return self.groups == 1 and window >= self.CHUNKED_MIN_WINDOW and window * pixels >= self.CHUNKED_MIN_COLUMNS

    def _full_padding(self):
        return full_padding(self.w_shape, self.stride, self.padding, self.dilation, self.groups)

    def _cols(self, x, out_size):
        """im2col of x viewed as (G, K, M)."""
        return grouped_cols(x, self.w_shape[2:], self.stride, self.padding, self.dilation, out_size, self.groups)

    def forward(self, x, w, b=None):
        n, _, h, wd = x.shape
        c_out, _, kh, kw = w.shape
        g = self.groups
        self.x_shape, self.w_shape = x.shape, w.shape
        forward_route, _, saved = self.routes(get_array_module(x))
        if forward_route == "pointwise":
            # out_n = W x_n for every image n: (C_out, C_in) @ (N, C_in, H*W) -> (N, C_out, H*W)
            out = w.reshape(c_out, -1) @ x.reshape(n, -1, h * wd)
            if b is not None:
                out += b.reshape(-1, 1)
            self.save_for_backward(w, x, x)
            return out.reshape(n, c_out, h, wd)
        out_size = tuple(
            conv_out_size(size, k, s, *p, d)
            for size, k, s, p, d in zip((h, wd), (kh, kw), self.stride, self.padding, self.dilation)
        )
        if forward_route == "chunked":
            self.save_for_backward(w, x, x)
            return conv2d_chunked(x, w, b, self.stride, self.padding, self.dilation, out_size)
        cols = self._cols(x, out_size)  # (G, K, M)
        # out = W cols (+ b)
        out = grouped_matmul(w.reshape(g, c_out // g, -1), cols).reshape(c_out, n, *out_size)
        if b is not None:
            out += b.reshape(-1, 1, 1, 1)
        self.save_for_backward(w, cols if saved == "cols" else x, x)  # (freed once backward has run)
        return swap_batch_and_channels(out)

    def backward(self, grad):
        # dX = W^T dY (``ConvInputGrad``), dW = dY cols^T (``ConvWeightGrad``), db = sum of dY over batch
        # and pixels. dX and dW are ops of their own (Chainer's design), so that under create_graph
        # they are recorded and differentiated again: their backward are convolutions.
        w, cols_or_x, x = self.saved_tensors
        grad_array = dual.value(grad)
        _, input_route, saved = self.routes(get_array_module(grad_array))
        g, c_out = self.groups, self.w_shape[0]
        # dY laid out channel-major (G, C_out/G, M), shared by dW, dX (col2im) and db
        dy = None if input_route in ("pointwise", "chunked") else swap_batch_and_channels(grad_array).reshape(g, c_out // g, -1)
        dx = dw = db = None
        if self.needs_input_grad[1]:  # (first: recomputed cols are freed before dX's buffers exist)
            cols = dual.value(cols_or_x) if saved == "cols" else None
            dw = dual.apply(ConvWeightGrad(self, cols, dy), x, grad)
        if self.needs_input_grad[0]:
            dx = dual.apply(ConvInputGrad(self, dy), grad, w)
        if self.needs_input_grad[2]:
            db = dual.sum(grad, (0, 2, 3)) if dual.is_graph(grad) or dy is None else dy.reshape(c_out, -1).sum(axis=1)
        return dx, dw, db

    def input_grad(self, grad, w, dy=None):
        """dX (N, C_in, H, W) from dY (N, C_out, OH, OW) and W, by this convolution's route."""
        _, input_route, _ = self.routes(get_array_module(grad))
        if input_route == "pointwise":
            # dX_n = W^T dY_n
            n, c_out = grad.shape[:2]
            return (w.reshape(c_out, -1).T @ grad.reshape(n, c_out, -1)).reshape(self.x_shape)
        if input_route == "chunked":
            return input_grad_chunked(grad, w, self.x_shape, self.stride, self.padding, self.dilation,
                                      self._full_padding())
        if input_route == "convolution":
            # dX = conv2d(dY, rot180(W)^T, padding = d*(k-1) - p)
            return input_grad_by_convolution(grad, w, self.x_shape, self._full_padding(), self.dilation, self.groups)
        # dX = col2im(W^T dY)
        return input_grad_by_col2im(grad, w, self.x_shape, self.stride, self.padding, self.dilation, self.groups,
                                    batch_last=get_array_module(grad) is np, dy=dy)

    def weight_grad(self, x, grad, cols=None, dy=None):
        """dW (C_out, C_in/G, kh, kw) from x and dY, by this convolution's route (``cols``: x's im2col)."""
        _, input_route, _ = self.routes(get_array_module(grad))
        c_out = self.w_shape[0]
        if input_route == "pointwise":
            # dW = sum over n of dY_n X_n^T
            n = grad.shape[0]
            dy_n = grad.reshape(n, c_out, -1)  # (N, C_out, H*W)
            return (dy_n @ x.reshape(n, -1, dy_n.shape[2]).swapaxes(1, 2)).sum(axis=0).reshape(self.w_shape)
        if input_route == "chunked":
            return weight_grad_chunked(x, grad, self.w_shape, self.stride, self.padding, self.dilation)
        if dy is None:
            dy = swap_batch_and_channels(grad).reshape(self.groups, c_out // self.groups, -1)
        # dW = dY cols^T
        return weight_grad(dy, self._cols(x, grad.shape[2:]) if cols is None else cols, self.w_shape)


class ConvInputGrad(Function):
    """dX of ``conv``: (dY, W) -> W^T dY, linear in each of them.

    Its backward, for a cotangent U of dX's shape: d<U, dX>/d dY = conv2d(U, W) (the convolution
    itself), d<U, dX>/dW = dW of the convolution for input U and output gradient dY.
    """

    node_name = "ConvolutionBackwardBackward0"
    differentiable_backward = True

    def __init__(self, conv, dy=None):
        self.conv, self.dy = conv, dy

    def forward(self, grad, w):
        self.save_for_backward(grad, w)
        dx, self.dy = self.conv.input_grad(grad, w, self.dy), None
        return dx

    def backward(self, u):
        grad, w = self.saved_tensors
        c = self.conv
        dgrad = dual.apply(Conv2d(c.stride, c.padding, c.dilation, c.groups), u, w) if self.needs_input_grad[0] else None
        dw = dual.apply(ConvWeightGrad(c), u, grad) if self.needs_input_grad[1] else None
        return dgrad, dw


class ConvWeightGrad(Function):
    """dW of ``conv``: (x, dY) -> dY cols(x)^T, linear in each of them.

    Its backward, for a cotangent U of W's shape: d<U, dW>/dx = dX of the convolution with weight U
    and output gradient dY, d<U, dW>/d dY = conv2d(x, U).
    """

    node_name = "ConvolutionBackwardBackward0"
    differentiable_backward = True

    def __init__(self, conv, cols=None, dy=None):
        self.conv, self.cols, self.dy = conv, cols, dy

    def forward(self, x, grad):
        self.save_for_backward(x, grad)
        dw = self.conv.weight_grad(x, grad, self.cols, self.dy)
        self.cols = self.dy = None  # (large: not kept past this call)
        return dw

    def backward(self, u):
        x, grad = self.saved_tensors
        c = self.conv
        dx = dual.apply(ConvInputGrad(c), grad, u) if self.needs_input_grad[0] else None
        dgrad = dual.apply(Conv2d(c.stride, c.padding, c.dilation, c.groups), x, u) if self.needs_input_grad[1] else None
        return dx, dgrad
