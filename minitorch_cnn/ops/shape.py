"""Shape ops: views and copies that move elements around; backward moves them back."""
from ..autograd.function import Function
from ..backend import get_array_module, scatter_add
from . import dual
from .broadcast import unbroadcast


class Reshape(Function):
    is_view = True  # its output may share the input's memory
    node_name = "ViewBackward0"  # PyTorch's name of this backward node
    differentiable_backward = True

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.in_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, g):
        # dX = reshape(dY, x.shape)
        return dual.reshape(g, self.in_shape)


class Permute(Function):
    is_view = True  # its output may share the input's memory
    differentiable_backward = True

    def __init__(self, dims):
        self.dims = tuple(dims)

    def forward(self, x):
        return x.transpose(self.dims)

    def backward(self, g):
        # dX = permute(dY, inverse permutation)
        inverse = [0] * len(self.dims)
        for i, d in enumerate(self.dims):
            inverse[d] = i
        return dual.transpose(g, inverse)


class Expand(Function):
    is_view = True  # its output may share the input's memory
    differentiable_backward = True

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        self.in_shape = x.shape
        return get_array_module(x).broadcast_to(x, self.shape)

    def backward(self, g):
        # dX = sum of dY over the expanded axes
        return unbroadcast(g, self.in_shape)


class Repeat(Function):
    """Tile x ``repeats`` times along each dim (``Tensor.repeat``, NumPy's ``tile``)."""

    differentiable_backward = True

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
        return dual.reshape(dual.sum(dual.reshape(g, split), tuple(range(0, len(split), 2))), self.in_shape)


class GetItem(Function):
    """x[index] for ints, slices, None, Ellipsis, boolean masks and integer arrays."""

    def __init__(self, index, advanced):
        self.index, self.advanced = index, advanced
        self.is_view = not advanced  # basic indexing returns a view of the input

    def name(self):
        # PyTorch: x[0] selects, x[1:3] slices, x[[0, 2]] / x[mask] index
        if self.node_name:
            return self.node_name
        if self.advanced:
            return "IndexBackward0"
        parts = self.index if isinstance(self.index, tuple) else (self.index,)
        return "SelectBackward0" if any(isinstance(i, int) for i in parts) else "SliceBackward0"

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

    def jvp(self, v):
        # J v = v[index]: the backward's scatter is this gather's transpose
        return v[self.index]


class Pieces(Function):
    """x -> x: the one node the pieces of an ``unbind`` / ``split`` / ``chunk`` of x feed (``Piece``).

    The pieces' backwards write their gradients into one zero buffer of x's shape, allocated once per
    backward pass, and the first of them hands the buffer to this node (the others hand nothing, so
    the engine adds nothing up): the whole gradient is assembled in O(x) however many pieces there
    are. The engine runs this node after all its consumers, so the buffer is complete when it does.
    """

    differentiable_backward = True  # (create_graph: the pieces send padded gradients, summed as usual)

    def __init__(self, node_name):
        self.node_name = node_name  # the pieces' name: this node shows only through them
        self.buffer, self.written = None, set()

    def forward(self, x):
        self.in_shape, self.dtype, self.xp = x.shape, x.dtype, get_array_module(x)
        return x

    def backward(self, g):
        # dX = dY: the pieces' gradients, already in place in the buffer
        self.buffer, self.written = None, set()  # the next backward pass starts a new buffer
        return g

    def write(self, k, index, g):
        """Piece ``k``'s gradient into its slice of the buffer; the buffer itself if it was just made."""
        # a piece writing twice into one buffer means a new pass (the last one ended before this node ran)
        new = self.buffer is None or k in self.written
        if new:
            self.buffer, self.written = self.xp.zeros(self.in_shape, dtype=self.dtype), set()
        self.buffer[index] = g
        self.written.add(k)
        return self.buffer if new else None


class Piece(Function):
    """x[index] for one piece of a ``Pieces`` node's input (a view); its name is PyTorch's for the
    whole op: ``UnbindBackward0``, ``SplitBackward0`` or ``SplitWithSizesBackward0``."""

    is_view = True  # its output shares the input's memory
    differentiable_backward = True

    def __init__(self, group, k, index, pads):
        # index: the piece's place in x (an int drops the dim); pads: per dim (before, after), the
        # zeros around the piece in x, and the piece's shape with the dim kept
        self.group, self.k, self.index, self.pads = group, k, index, pads
        self.node_name = group.node_name

    def forward(self, x):
        return x[self.index]

    def backward(self, g):
        # dX = dY in the piece's slice, 0 elsewhere: written into the group's shared buffer
        if dual.is_graph(g):  # create_graph: dY zero-padded to x's shape, recorded
            kept = [s - b - a for s, (b, a) in zip(self.group.in_shape, self.pads)]
            return ConstantPad(self.pads, 0.0)(dual.reshape(g, kept))
        return self.group.write(self.k, self.index, g)

    @property
    def next_functions(self):
        """As in PyTorch, the piece's node leads straight to x's producer (``Pieces`` stays hidden)."""
        return self.parents[0].next_functions if self.parents else ()


class Cat(Function):
    differentiable_backward = True

    def __init__(self, dim):
        self.dim = dim

    def forward(self, *xs):
        self.sizes = [x.shape[self.dim] for x in xs]
        return get_array_module(*xs).concatenate(xs, axis=self.dim)

    def backward(self, g):
        # dX_i = the slice of dY that x_i filled
        grads, start = [], 0
        index = [slice(None)] * len(g.shape)
        for size, needed in zip(self.sizes, self.needs_input_grad):
            index[self.dim] = slice(start, start + size)
            grads.append(g[tuple(index)] if needed else None)
            start += size
        return tuple(grads)


class Stack(Function):
    differentiable_backward = True

    def __init__(self, dim):
        self.dim = dim

    def forward(self, *xs):
        return get_array_module(*xs).stack(xs, axis=self.dim)

    def backward(self, g):
        # dX_i = dY selected at position i of the new dim
        at = (slice(None),) * self.dim
        return tuple(g[at + (i,)] if needed else None for i, needed in enumerate(self.needs_input_grad))


class ConstantPad(Function):
    """Pad with a constant; ``pads`` is a per-dim list of (before, after), negative = crop."""
    node_name = "ConstantPadNdBackward0"  # PyTorch's name of this backward node

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

    def jvp(self, v):
        # J v = v padded with zeros and cropped like x (the backward's cut is its transpose)
        xp = get_array_module(v)
        out = xp.pad(v, self.grow, mode="constant", constant_values=0) if any(b or a for b, a in self.grow) else v
        return out[self.crop]


class Copy(Function):
    """out = src broadcast to x's shape and cast to its dtype (``x.copy_(src)`` in the graph)."""

    node_name = "CopyBackwards"  # PyTorch's name of this backward node
    differentiable_backward = True

    def forward(self, x, src):
        self.src_shape, self.src_dtype = src.shape, src.dtype
        return get_array_module(x).broadcast_to(src.astype(x.dtype, copy=False), x.shape).copy()

    def backward(self, g):
        # dX = 0 (overwritten), dSrc = dY summed back to src's shape, in src's dtype
        dsrc = dual.astype(unbroadcast(g, self.src_shape), self.src_dtype) if self.needs_input_grad[1] else None
        return None, dsrc


class SetItem(Function):
    """out = x with x[index] = value (``x[index] = value`` in the graph; PyTorch's CopySlices)."""

    node_name = "CopySlices"
    differentiable_backward = True

    def __init__(self, index):
        self.index = index

    def forward(self, x, value):
        out = x.copy()
        out[self.index] = value
        self.value_shape = value.shape
        self.kept = get_array_module(x).ones(x.shape, dtype=bool)
        self.kept[self.index] = False
        return out

    def backward(self, g):
        # dX = dY where x was kept (0 where overwritten), dValue = dY[index] summed to value's shape
        dx = g * self.kept if self.needs_input_grad[0] else None
        dv = unbroadcast(g[self.index], self.value_shape) if self.needs_input_grad[1] else None
        return dx, dv


# (the Functions that ops.dual records with on Tensors)
dual.register(Reshape, Permute, Expand)
