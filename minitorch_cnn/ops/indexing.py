"""Gathering along a dim, masked fills and rolls: index-driven ops whose backward scatters dY back."""
from ..autograd.function import Function
from ..backend import get_array_module, scatter_add
from . import dual
from .shape import ConstantPad


def open_grid(xp, shape):
    """One broadcastable index array per axis (NumPy's ``ogrid``, written for CuPy too)."""
    return [xp.arange(n).reshape((1,) * i + (n,) + (1,) * (len(shape) - i - 1)) for i, n in enumerate(shape)]


class Gather(Function):
    """out[..., i, ...] = x[..., index[..., i, ...], ...] along ``dim`` (``torch.gather``; sort and topk use it).

    ``index`` (an int64 array) has x's rank; along the other dims it may be smaller than x.
    """

    def __init__(self, dim, index):
        self.dim, self.index = dim, index

    def forward(self, x):
        xp = get_array_module(x)
        self.shape = x.shape
        region = tuple(slice(0, n) for n in self.index.shape[:self.dim]) + (slice(None),) + tuple(
            slice(0, n) for n in self.index.shape[self.dim + 1:])
        self.region = region
        return xp.take_along_axis(x[region], self.index, axis=self.dim)

    def backward(self, g):
        # dX = zeros with dY added at the gathered positions (summed where an index repeats)
        xp = get_array_module(g)
        dx = xp.zeros(self.shape, dtype=g.dtype)
        grid = open_grid(xp, self.index.shape)
        grid[self.dim] = self.index
        scatter_add(dx, tuple(grid), g)
        return dx

    jvp = forward  # linear in x: J v is the same gather of v


class MaskedFill(Function):
    """out = value where mask else x (mask broadcasts to x)."""

    def __init__(self, mask, value):
        self.mask, self.value = mask, value

    def forward(self, x):
        xp = get_array_module(x)
        return xp.where(self.mask, xp.asarray(self.value, dtype=x.dtype), x)

    differentiable_backward = True  # the mask is a constant

    def backward(self, g):
        # dX = dY where the mask is off, 0 where it was filled
        return dual.where(self.mask, 0.0, g)


class Roll(Function):
    """out = x shifted cyclically by ``shifts`` along ``dims`` (None: over the flattened tensor)."""

    def __init__(self, shifts, dims):
        self.shifts, self.dims = shifts, dims

    def forward(self, x):
        return get_array_module(x).roll(x, self.shifts, axis=self.dims)

    differentiable_backward = True  # a roll of dY, recorded as one on Tensors

    def backward(self, g):
        # dX = dY rolled back by -shifts
        neg = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        if dual.is_graph(g):
            return Roll(neg, self.dims)(g)
        return get_array_module(g).roll(g, neg, axis=self.dims)


class Scatter(Function):
    """out = x with ``src`` written (``add=False``) or added (``add=True``) at ``index`` along ``dim``:
    out[i][index[i][j]] = src[i][j] for dim=1. ``src`` is a tensor at least as large as index, or a number."""

    def __init__(self, dim, index, add=False):
        self.dim, self.index, self.add = dim, index, add

    def _positions(self, xp):
        grid = open_grid(xp, self.index.shape)
        grid[self.dim] = self.index
        return tuple(grid)

    def forward(self, x, src):
        xp = get_array_module(x)
        self.src_shape = getattr(src, "shape", None)
        region = tuple(slice(0, n) for n in self.index.shape)
        values = src[region] if self.src_shape is not None else src
        out = x.copy()
        positions = self._positions(xp)
        if self.add:
            scatter_add(out, positions, xp.broadcast_to(xp.asarray(values, dtype=x.dtype), self.index.shape))
        else:
            out[positions] = values
        return out

    differentiable_backward = True  # (create_graph: ``_recorded_backward``)

    def backward(self, g):
        # dX = dY, except where scatter overwrote x (there 0); dSrc = dY read back at the written positions
        if dual.is_graph(g):
            return self._recorded_backward(g)
        xp = get_array_module(g)
        positions = self._positions(xp)
        dx = None
        if self.needs_input_grad[0]:
            dx = g
            if not self.add:
                dx = g.copy()
                dx[positions] = 0
        dsrc = None
        if len(self.needs_input_grad) > 1 and self.needs_input_grad[1]:
            dsrc = xp.zeros(self.src_shape, dtype=g.dtype)
            dsrc[tuple(slice(0, n) for n in self.index.shape)] = g[positions]
        return dx, dsrc

    def _recorded_backward(self, g):
        """``backward``'s two linear maps of dY as recorded ops (create_graph=True): dX = dY times a
        constant mask, dSrc = the gather of dY at the written positions, zero-padded to src's shape."""
        xp = get_array_module(g._data)
        dx = dsrc = None
        if self.needs_input_grad[0]:
            dx = g
            if not self.add:
                mask = xp.ones(g.shape, dtype=g._data.dtype)
                mask[self._positions(xp)] = 0
                dx = g * mask
        if len(self.needs_input_grad) > 1 and self.needs_input_grad[1]:
            dsrc = Gather(self.dim, self.index)(g)
            pads = [(0, s - n) for s, n in zip(self.src_shape, self.index.shape)]
            if any(after for _, after in pads):
                dsrc = ConstantPad(pads)(dsrc)
        return dx, dsrc
