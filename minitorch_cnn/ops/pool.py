"""2-D pooling: max, average, and their adaptive forms.

Max and average pooling walk the kh*kw kernel offsets of ``im2col.window_slices``:
each offset is one strided (N, C, OH, OW) view of the padded input, so a running
max (or sum) over the offsets needs no (N, C, kh, kw, OH, OW) buffer. The
backward adds dY back through the same views (col2im without the columns).

Adaptive pooling gives output cell i the input rows
``floor(i*H/OH) <= h < ceil((i+1)*H/OH)`` (bins may overlap), as PyTorch does.

The definitions come first: ``max_pool2d_reference`` and ``avg_pool2d_reference``.

next: ``norm.py`` (batch norm: the other per-channel layer of a CNN).
"""
import numpy as np

from ..autograd.function import Function
from .._threads import parallel_slices
from ..backend import get_array_module, scatter_add
from . import kernel
from .im2col import pad_image, window_slices


def _windows_reference(x, kernel_size, stride, padding, dilation, pad_value):
    """The (N, C, OH, OW) view of every kernel offset (i, j) of the padded x, stacked: (kh*kw, N, C, OH, OW)."""
    xp = get_array_module(x)
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    padded = xp.pad(x, ((0, 0), (0, 0)) + tuple(padding), constant_values=pad_value)
    oh = (padded.shape[2] - dh * (kh - 1) - 1) // sh + 1
    ow = (padded.shape[3] - dw * (kw - 1) - 1) // sw + 1
    return xp.stack([padded[:, :, i * dh : i * dh + sh * (oh - 1) + 1 : sh, j * dw : j * dw + sw * (ow - 1) + 1 : sw]
                     for i in range(kh) for j in range(kw)])


def max_pool2d_reference(x, kernel_size, stride, padding=((0, 0), (0, 0)), dilation=(1, 1)):
    """The definition: out[n, c, oh, ow] = max of the window at (oh, ow) of x padded with -inf.

    x: (N, C, H, W) -> (N, C, OH, OW); ``padding`` is ((top, bottom), (left, right)).
    """
    return _windows_reference(x, kernel_size, stride, padding, dilation, -np.inf).max(axis=0)


def avg_pool2d_reference(x, kernel_size, stride, padding=((0, 0), (0, 0)), divisor=None):
    """The definition: out[n, c, oh, ow] = sum of the window of x padded with 0, / divisor (default kh*kw)."""
    divisor = kernel_size[0] * kernel_size[1] if divisor is None else divisor
    return _windows_reference(x, kernel_size, stride, padding, (1, 1), 0.0).sum(axis=0) / divisor


def _padded_zeros(xp, x_shape, padding, dtype):
    (top, bottom), (left, right) = padding
    n, c, h, w = x_shape
    return xp.zeros((n, c, h + top + bottom, w + left + right), dtype=dtype)


def _crop(padded, x_shape, padding):
    """The unpadded part; ``padded`` itself when there is no padding (a view would be copied again as a leaf's .grad)."""
    (top, _), (left, _) = padding
    if padded.shape == tuple(x_shape):
        return padded
    return padded[:, :, top : top + x_shape[2], left : left + x_shape[3]]


class MaxPool2d(Function):
    """out[n, c, oh, ow] = max over the window; padding reads as -inf (the numbers of ``max_pool2d_reference``).

    ``padding`` is ((top, bottom), (left, right)) where bottom/right include the
    extra rows ``ceil_mode`` needs. With ``return_indices``, ``self.indices`` holds
    PyTorch's flat ``h * W + w`` position of each maximum in the unpadded input.
    """
    node_name = "MaxPool2DWithIndicesBackward0"  # PyTorch's name of this backward node

    def __init__(self, kernel_size, stride, padding, dilation, out_size, return_indices=False):
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.dilation, self.out_size, self.return_indices = dilation, out_size, return_indices

    def forward(self, x):
        xp = get_array_module(x)
        self.x_shape = x.shape
        fast = kernel("max_pool2d_forward", xp)
        if fast is not None:  # CUDA: the kernel finds the argmax as it goes, as flat indices
            out, self._indices = fast(x, self.kernel_size, self.stride, self.padding, self.dilation, self.out_size)
            return out
        self._low = lowest(xp, x.dtype)
        padded = pad_image(x, self.padding, self._low)
        out = xp.empty(x.shape[:2] + tuple(self.out_size), dtype=x.dtype)
        # where each max came from: found now for return_indices, else only if backward runs
        self._offset = xp.empty(out.shape, dtype=xp.int16) if self.return_indices else None

        def pool(c0, c1):
            views, o = self._views(padded[:, c0:c1]), out[:, c0:c1]
            # the max itself: a chain of elementwise maxima (NaN propagates, as in PyTorch)
            xp.maximum(views[0], views[-1], out=o)
            for v in views[1:-1]:
                xp.maximum(o, v, out=o)
            if self._offset is not None:
                self._offset[:, c0:c1] = self._argmax(xp, views, o)

        parallel_slices(pool, x.shape[1], xp, padded.size)  # channels split over the CPU's threads
        self.save_for_backward(padded, out)  # (padded is x itself without padding; freed after backward)
        return out

    @property
    def offset(self):
        """Kernel offset i*kw + j of each maximum, (N, C, OH, OW) int16."""
        if self._offset is None:
            padded, out = self.saved_tensors
            self._offset = self._argmax(get_array_module(out), self._views(padded), out)
        return self._offset

    def _views(self, padded):
        """The (N, C, OH, OW) view of ``padded`` for each kernel offset, in order i*kw + j."""
        return [padded[index] for _, _, index in self._windows()]

    def _windows(self):
        return window_slices(self.kernel_size, self.stride, self.dilation, self.out_size)

    def _argmax(self, xp, views, out):
        """Kernel offset i*kw + j of each maximum, with PyTorch's tie rules.

        PyTorch scans the window in order and moves on only for a strictly greater
        value or a NaN: so the FIRST offset equal to the max wins, the LAST NaN wins,
        and a window holding only -inf reports its first position inside the input.
        """
        arg = xp.zeros(out.shape, dtype=xp.int16)
        claimed = views[0] == out
        for k, v in enumerate(views[1:], start=1):
            first_hit = (v == out) > claimed  # equal to the max, and no earlier offset was
            arg += first_hit * xp.int16(k)
            claimed |= first_hit
        nan = xp.isnan(out)
        if nan.any():
            for k, v in enumerate(views):
                arg[nan & xp.isnan(v)] = k
        (top, _), (left, _) = self.padding
        if not (top or left):  # every window then starts inside the input: offset 0 is already right
            return arg
        return xp.where(out == getattr(self, "_low", -xp.inf), self._first_inside(xp), arg)

    def _first_inside(self, xp):
        """(OH, OW) offset of each window's first position not in the top/left padding.

        PyTorch starts its argmax there, so a window that holds only -inf reports it.
        """
        (sh, sw), (dh, dw), ((top, _), (left, _)) = self.stride, self.dilation, self.padding
        oh, ow = self.out_size
        i0 = xp.maximum(0, -((xp.arange(oh) * sh - top) // dh))
        j0 = xp.maximum(0, -((xp.arange(ow) * sw - left) // dw))
        return (i0.reshape(-1, 1) * self.kernel_size[1] + j0).astype(xp.int16)

    @property
    def indices(self):
        """Flat input index h*W + w of each maximum, int64, like PyTorch's return_indices."""
        if getattr(self, "_indices", None) is not None:
            return self._indices
        xp = get_array_module(self.offset)
        kw = self.kernel_size[1]
        (sh, sw), (dh, dw), ((top, _), (left, _)) = self.stride, self.dilation, self.padding
        oh, ow = self.out_size
        off = self.offset.astype(xp.int64)  # i*kw + j
        h = xp.arange(oh).reshape(-1, 1) * sh - top + (off // kw) * dh
        w = xp.arange(ow) * sw - left + (off % kw) * dw
        return h * self.x_shape[3] + w

    def backward(self, grad):
        # dX[argmax window position] += dY, one strided add per kernel offset
        xp = get_array_module(grad)
        fast = kernel("max_pool2d_backward", xp)
        if fast is not None and getattr(self, "_indices", None) is not None:
            return fast(grad, self._indices, self.x_shape, self.kernel_size, self.stride, self.padding, self.dilation)
        padded, out = self.saved_tensors
        dx = xp.empty(padded.shape, dtype=grad.dtype)
        # windows that do not overlap reach each pixel at most once: a plain write replaces the add
        overlap = any(s < d * (k - 1) + 1 for k, s, d in zip(self.kernel_size, self.stride, self.dilation))

        def scatter(c0, c1):
            g, d = grad[:, c0:c1], dx[:, c0:c1]
            views = self._views(padded[:, c0:c1])
            offset = self._offset[:, c0:c1] if self._offset is not None else self._argmax(xp, views, out[:, c0:c1])
            d.fill(0)
            for k, (_, _, index) in enumerate(self._windows()):
                if overlap:
                    d[index] += g * (offset == k)
                else:
                    xp.multiply(g, offset == k, out=d[index])

        parallel_slices(scatter, grad.shape[1], xp, dx.size)  # channels split over the CPU's threads
        return _crop(dx, self.x_shape, self.padding)

    def jvp(self, v):
        # J v = v at each window's maximum (the backward's scatter, transposed: a gather)
        xp = get_array_module(v)
        n, c = self.x_shape[:2]
        picked = xp.take_along_axis(v.reshape(n, c, -1), self.indices.reshape(n, c, -1), axis=2)
        return picked.reshape(n, c, *self.out_size)


class AvgPool2d(Function):
    """out = (sum over the window) / divisor, the numbers of ``avg_pool2d_reference``.

    ``divisor`` is an (OH, OW) array or a number.
    """
    node_name = "AvgPool2DBackward0"  # PyTorch's name of this backward node

    def __init__(self, kernel_size, stride, padding, out_size, divisor):
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.out_size, self.divisor = out_size, divisor

    def forward(self, x):
        self.x_shape = x.shape
        fast = kernel("avg_pool2d_forward", get_array_module(x))
        if fast is not None:
            return fast(x, self.kernel_size, self.stride, self.padding, self.out_size, self.divisor)
        padded = pad_image(x, self.padding, 0.0)
        windows = window_slices(self.kernel_size, self.stride, (1, 1), self.out_size)
        _, _, first = next(windows)
        out = padded[first].copy()
        for _, _, index in windows:
            out += padded[index]
        if out.dtype.kind in "iu":  # integers: PyTorch's C++ division, truncated toward zero
            xp = get_array_module(out)
            divisor = xp.asarray(self.divisor, dtype=out.dtype)
            quotient = xp.abs(out) // xp.abs(divisor)
            return xp.where((out < 0) != (divisor < 0), -quotient, quotient)
        return out / self.divisor

    def backward(self, grad):
        # dX[window] += dY / divisor for every window that covers the pixel
        xp = get_array_module(grad)
        fast = kernel("avg_pool2d_backward", xp)
        if fast is not None:
            return fast(grad, self.x_shape, self.kernel_size, self.stride, self.padding, self.divisor)
        g = (grad / self.divisor).astype(grad.dtype, copy=False)
        dx = _padded_zeros(xp, self.x_shape, self.padding, grad.dtype)
        for _, _, index in window_slices(self.kernel_size, self.stride, (1, 1), self.out_size):
            dx[index] += g
        return _crop(dx, self.x_shape, self.padding)

    jvp = forward  # linear in x: J v is the average pooling of v


def _bin_edges(i, size, out):
    """(start, end) of bin i, [floor(i*size/out), ceil((i+1)*size/out)); i an int or an integer array."""
    return (i * size) // out, -((-(i + 1) * size) // out)


def adaptive_bins(size, out):
    """(start, end) lists over the bins i = 0 ... out-1."""
    starts, ends = zip(*(_bin_edges(i, size, out) for i in range(out)))
    return list(starts), list(ends)


def averaging_matrix(xp, size, out, dtype):
    """A (out, size) matrix whose row i averages bin i.

    Bin averages are separable: adaptive average pooling is out = A_h @ x @ A_w^T in exact
    arithmetic. ``AdaptiveAvgPool2d`` sums each bin instead (an inf stays in its bins) and uses
    these matrices for its backward.
    """
    starts, ends = _bin_edges(xp.arange(out).reshape(-1, 1), size, out)  # built on x's device: no host copy
    inside = (xp.arange(size) >= starts) & (xp.arange(size) < ends)
    return (inside / (ends - starts)).astype(dtype)


def _bin_index(xp, size, out):
    """(out, k) input positions of each bin, k = the widest bin; short bins repeat their last position."""
    i = np.arange(out)
    k = int((-((-(i + 1) * size) // out) - (i * size) // out).max()) if out else 1  # the widest bin
    start, end = _bin_edges(xp.arange(out).reshape(-1, 1), size, out)  # on x's device: no host copy
    return xp.minimum(start + xp.arange(k), end - 1)


def bin_sums(x, axis, out):
    """Sum of each adaptive bin of ``x`` along ``axis`` (its size becomes ``out``).

    Each bin is gathered (short bins padded with their last position) and summed with the padding
    masked out: a sum over the bin's own elements only, so an inf or NaN stays inside the bins
    that hold it (a matrix product would multiply it by the zeros of every other bin).
    """
    xp = get_array_module(x)
    size = x.shape[axis]
    index = _bin_index(xp, size, out)  # (out, k)
    start, end = _bin_edges(xp.arange(out).reshape(-1, 1), size, out)
    inside = (start + xp.arange(index.shape[1])) < end  # (out, k)
    gathered = xp.take(x, index.reshape(-1), axis=axis)
    shape = x.shape[:axis] + index.shape + x.shape[axis + 1:]
    inside = inside.reshape(index.shape + (1,) * (x.ndim - axis - 1))
    return xp.where(inside, gathered.reshape(shape), 0).sum(axis=axis + 1)


class AdaptiveAvgPool2d(Function):
    """out[n, c, i, j] = (sum of bin (i, j)) / (its number of elements), PyTorch's adaptive bins.

    ``a_h``, ``a_w``: the (out, in) averaging matrices of ``averaging_matrix``, used by the backward.
    """
    node_name = "AdaptiveAvgPool2DBackward0"  # PyTorch's name of this backward node

    def __init__(self, a_h, a_w):
        self.a_h, self.a_w = a_h, a_w

    def forward(self, x):
        xp = get_array_module(x)
        (oh, h), (ow, w) = self.a_h.shape, self.a_w.shape
        sums = bin_sums(bin_sums(x, 3, ow), 2, oh)
        rows, cols = (_bin_edges(xp.arange(o), s, o) for s, o in ((h, oh), (w, ow)))
        counts = xp.outer(rows[1] - rows[0], cols[1] - cols[0]).astype(x.dtype)
        return sums / counts

    def backward(self, grad):
        # dX = A_h^T dY A_w: each input pixel gets dY / count of every bin that holds it
        xp = get_array_module(grad)
        t = xp.einsum("oh,ncop->nchp", self.a_h, grad)
        return xp.einsum("pw,nchp->nchw", self.a_w, t)

    jvp = forward  # linear in x: J v is the adaptive average of v


def lowest(xp, dtype):
    """What padding reads as in a max: -inf, or the smallest integer of an integer dtype."""
    return np.iinfo(dtype).min if np.dtype(dtype).kind in "iu" else -np.inf


class AdaptiveMaxPool2d(Function):
    """Gathers every bin as (N, C, OH, kh, OW, kw) and takes its max; ``self.indices`` is h*W + w."""
    node_name = "AdaptiveMaxPool2DBackward0"  # PyTorch's name of this backward node

    def __init__(self, out_size):
        self.out_size = out_size

    def forward(self, x):
        xp = get_array_module(x)
        n, c, h, w = x.shape
        (oh, ow), rows, cols = self.out_size, _bin_index(xp, h, self.out_size[0]), _bin_index(xp, w, self.out_size[1])
        kh, kw = rows.shape[1], cols.shape[1]
        flat = rows.reshape(oh, kh, 1, 1) * w + cols.reshape(1, 1, ow, kw)  # (OH, kh, OW, kw)
        windows = x.reshape(n, c, h * w)[:, :, flat].transpose(0, 1, 2, 4, 3, 5).reshape(n, c, oh, ow, kh * kw)
        # PyTorch scans each bin in order and moves on for a greater value or a NaN: the first maximum
        # wins, or the LAST NaN when the bin holds one
        nan = xp.isnan(windows)
        last_nan = windows.shape[-1] - 1 - xp.argmax(nan[..., ::-1], axis=-1)
        best = xp.where(nan.any(axis=-1), last_nan, xp.argmax(windows, axis=-1))[..., None]
        positions = xp.broadcast_to(flat.transpose(0, 2, 1, 3).reshape(oh, ow, kh * kw), windows.shape)
        self.indices = xp.take_along_axis(positions, best, axis=-1)[..., 0]
        self.x_shape = x.shape
        return xp.take_along_axis(windows, best, axis=-1)[..., 0]

    def backward(self, grad):
        # dX[argmax] += dY (bins overlap, so repeated positions accumulate)
        xp = get_array_module(grad)
        n, c, h, w = self.x_shape
        dx = xp.zeros((n, c, h * w), dtype=grad.dtype)
        nc = xp.arange(n * c).reshape(n, c, 1, 1)
        scatter_add(dx.reshape(-1), (nc * (h * w) + self.indices).reshape(-1), grad.reshape(-1))
        return dx.reshape(self.x_shape)

    def jvp(self, v):
        # J v = v at each bin's maximum (a gather: the backward's scatter, transposed)
        n, c = self.x_shape[:2]
        xp = get_array_module(v)
        picked = xp.take_along_axis(v.reshape(n, c, -1), self.indices.reshape(n, c, -1), axis=2)
        return picked.reshape(self.indices.shape)

