"""Reflect, replicate and circular padding: a gather along each padded axis.

Output position i (counted from -before) reads input position index[i]:
reflect mirrors about the edge pixels (no repeat), replicate clamps, circular wraps.
The backward adds each output gradient back to the position it was read from.
"""
from ..autograd.function import Function
from ..backend import get_array_module, scatter_add


def pad_index(xp, size, before, after, mode):
    """Input position read by each of the size + before + after output positions."""
    i = xp.arange(-before, size + after)
    if mode == "reflect":
        period = 2 * (size - 1)
        i = xp.abs(i) % period if period else xp.zeros_like(i)
        return xp.where(i >= size, period - i, i)
    if mode == "replicate":
        return xp.clip(i, 0, size - 1)
    return i % size  # circular


class IndexPad(Function):
    """out = x.take(index, axis)."""

    def __init__(self, axis, index):
        self.axis, self.index = axis, index

    def forward(self, x):
        self.in_shape = x.shape
        return get_array_module(x).take(x, self.index, axis=self.axis)

    def backward(self, g):
        # dX[index[i]] += dY[i] along the axis (mirrored/replicated positions accumulate)
        xp = get_array_module(g)
        dx = xp.zeros(self.in_shape, dtype=g.dtype)
        scatter_add(dx, (slice(None),) * self.axis + (self.index,), g)
        return dx

    jvp = forward  # linear in x: J v is the same gather of v
