"""Shape ops: views and copies that move elements around; backward moves them back."""
from ..autograd.function import Function
from ..backend import get_array_module, scatter_add


class Reshape(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.in_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, g):
        # dX = reshape(dY, x.shape)
        return g.reshape(self.in_shape)


class Permute(Function):
    def __init__(self, dims):
        self.dims = tuple(dims)

    def forward(self, x):
        return x.transpose(self.dims)

    def backward(self, g):
        # dX = permute(dY, inverse permutation)
        inverse = [0] * len(self.dims)
        for i, d in enumerate(self.dims):
            inverse[d] = i
        return g.transpose(inverse)


class Expand(Function):
    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        self.in_shape = x.shape
        return get_array_module(x).broadcast_to(x, self.shape)

    def backward(self, g):
        # dX = sum of dY over the expanded axes
        from .broadcast import unbroadcast

        return unbroadcast(g, self.in_shape)


class Repeat(Function):
    """Tile x ``repeats`` times along each dim (``Tensor.repeat``, NumPy's ``tile``)."""

    def __init__(self, repeats):
        self.repeats = tuple(repeats)

    def forward(self, x):
        self.in_shape = x.shape
        padded_shape = (1,) * (len(self.repeats) - x.ndim) + x.shape
        return get_array_module(x).tile(x.reshape(padded_shape), self.repeats)

    def backward(self, g):
        # dX = sum over the copies: view dY as (r0, s0, r1, s1, ...) and sum the r axes
        padded_shape = (1,) * (len(self.repeats) - len(self.in_shape)) + self.in_shape
        split = []
        for r, s in zip(self.repeats, padded_shape):
            split += [r, s]
        return g.reshape(split).sum(axis=tuple(range(0, len(split), 2))).reshape(self.in_shape)


class GetItem(Function):
    """x[index] for ints, slices, None, Ellipsis, boolean masks and integer arrays."""

    def __init__(self, index, advanced):
        self.index, self.advanced = index, advanced

    def forward(self, x):
        self.in_shape, self.dtype = x.shape, x.dtype
        return x[self.index]

    def backward(self, g):
        # dX = zeros with dY scattered back at index (summed where an index repeats)
        xp = get_array_module(g)
        out = xp.zeros(self.in_shape, dtype=g.dtype)
        if self.advanced:
            scatter_add(out, self.index, g)
        else:
            out[self.index] = g
        return out


class Cat(Function):
    def __init__(self, dim):
        self.dim = dim

    def forward(self, *xs):
        self.sizes = [x.shape[self.dim] for x in xs]
        return get_array_module(*xs).concatenate(xs, axis=self.dim)

    def backward(self, g):
        # dX_i = the slice of dY that x_i filled
        grads, start = [], 0
        index = [slice(None)] * g.ndim
        for size, needed in zip(self.sizes, self.needs_input_grad):
            index[self.dim] = slice(start, start + size)
            grads.append(g[tuple(index)] if needed else None)
            start += size
        return tuple(grads)


class Stack(Function):
    def __init__(self, dim):
        self.dim = dim

    def forward(self, *xs):
        return get_array_module(*xs).stack(xs, axis=self.dim)

    def backward(self, g):
        # dX_i = dY selected at position i of the new dim
        xp = get_array_module(g)
        return tuple(xp.take(g, i, axis=self.dim) if needed else None for i, needed in enumerate(self.needs_input_grad))


class ConstantPad(Function):
    """Pad with a constant; ``pads`` is a per-dim list of (before, after), negative = crop."""

    def __init__(self, pads, value=0.0):
        self.pads, self.value = pads, value

    def forward(self, x):
        xp = get_array_module(x)
        self.in_shape = x.shape
        grow = [(max(b, 0), max(a, 0)) for b, a in self.pads]
        out = xp.pad(x, grow, mode="constant", constant_values=self.value) if any(b or a for b, a in grow) else x
        self.crop = tuple(slice(-min(b, 0), out.shape[i] + min(a, 0)) for i, (b, a) in enumerate(self.pads))
        self.grow = grow
        return out[self.crop]

    def backward(self, g):
        # dX = dY with the padding cut off (zeros where the forward cropped)
        xp = get_array_module(g)
        padded_shape = [s + b + a for s, (b, a) in zip(self.in_shape, self.grow)]
        full = xp.zeros(padded_shape, dtype=g.dtype)
        full[self.crop] = g
        return full[tuple(slice(b, b + s) for s, (b, a) in zip(self.in_shape, self.grow))]
