"""The public indexing and rearranging functions: ``mt.gather``, ``masked_fill``, ``index_select``,
``nonzero``, ``flip``, ``roll``, ``tril`` ... and the products ``einsum``, ``outer``, ``dot``, ``mv``, ``addmm``.

Most are one differentiable indexing step (``getitem``, ``Gather``, ``MaskedFill``,
``Roll``, ``Einsum``) with PyTorch's argument checks around it.
"""
import builtins

import numpy as np

from . import backend
from . import functions as F
from . import shape_functions
from .arguments import writes_out
from .ops import einsum as einsum_ops
from .ops import indexing
from .ops.broadcast import normalize_dim
from .tensor import Tensor


def _index_array(index, op, name="index"):
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(index).__name__}")
    if index._data.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int64 for {name}")
    return index._data


# ------------------------------------------------------------------ gather, select, mask
@writes_out
def gather(input, dim, index, *, sparse_grad=False):
    """out[i][j] = input[i][index[i][j]] for dim=1 (likewise for any dim); index has input's rank."""
    idx = _index_array(index, "gather")
    d = normalize_dim(dim, input.ndim, "gather")
    if idx.ndim != input.ndim:
        raise RuntimeError("gather(): Index tensor must have the same number of dimensions as input tensor")
    for i, (n, m) in enumerate(zip(idx.shape, input.shape)):
        if i != d and n > m:
            raise RuntimeError(f"gather(): Size does not match at dimension {i} expected index {list(idx.shape)} "
                               f"to be no larger than self {list(input.shape)} apart from dimension {d}")
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= input.shape[d]):
        bad = int(idx.min()) if int(idx.min()) < 0 else int(idx.max())
        raise RuntimeError(f"gather(): index {bad} is out of bounds for dimension {d} with size {input.shape[d]}")
    return indexing.Gather(d, idx)(input)


def take_along_dim(input, indices, dim=None):
    """``input`` gathered at ``indices`` along ``dim``, broadcasting the other dims (NumPy's take_along_axis)."""
    if dim is None:
        return gather(F.reshape(input, -1), 0, F.reshape(indices, -1))
    d = normalize_dim(dim, input.ndim, "take_along_dim")
    shape = list(np.broadcast_shapes(tuple(s for i, s in enumerate(input.shape) if i != d),
                                     tuple(s for i, s in enumerate(indices.shape) if i != d)))
    x_shape, i_shape = shape.copy(), shape.copy()
    x_shape.insert(d, input.shape[d])
    i_shape.insert(d, indices.shape[d])
    return gather(F.expand(input, *x_shape), d, F.expand(indices, *i_shape))


@writes_out
def index_select(input, dim, index):
    """The entries ``index`` (1-D ints) of ``input`` along ``dim``."""
    idx = _index_array(index, "index_select")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = normalize_dim(dim, input.ndim, "index_select")
    return F.getitem(input, (slice(None),) * d + (index.reshape(-1),))


def masked_select(input, mask):
    """The entries of ``input`` where the bool ``mask`` (broadcast) is True, as a 1-D tensor."""
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        raise RuntimeError(f"masked_select: expected BoolTensor for mask")
    shape = np.broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    return F.getitem(F.expand(input, *shape), F.expand(mask, *shape))


def _mask_and_value(op, input, mask, value):
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        raise RuntimeError(f"{op}: expected BoolTensor for mask")
    try:
        fits = np.broadcast_shapes(tuple(mask.shape), tuple(input.shape)) == tuple(input.shape)
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"{op}: The size of the mask {list(mask.shape)} must match the size of the tensor "
                           f"{list(input.shape)} (the mask broadcasts to the tensor)")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"{op} only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        value = value.item()
    if input._data.dtype.kind in "biu" and isinstance(value, float) and not float(value).is_integer():
        raise RuntimeError(f"{op}: value cannot be converted to type {input.dtype.name} without overflow")
    return backend.to_device(mask._data, input.device), value


def masked_fill(input, mask, value):
    """``input`` with ``value`` written where the bool ``mask`` (broadcast to input) is True."""
    mask_data, value = _mask_and_value("masked_fill", input, mask, value)
    return indexing.MaskedFill(mask_data, value)(input)


nonzero = F.nonzero  # (defined beside where(), whose one-argument form it is)


def argwhere(input):
    """``nonzero(input)``: the (n, ndim) indices of the nonzero entries."""
    return nonzero(input)


# ------------------------------------------------------------------ rearranging
def flip(input, dims):
    """``input`` reversed along each of ``dims``."""
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    axes = {normalize_dim(d, input.ndim, "flip") for d in dims}
    return F.getitem(input, tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(input.ndim)))


def fliplr(input):
    """Reverse the columns (dim 1)."""
    return flip(input, [1])


def flipud(input):
    """Reverse the rows (dim 0)."""
    return flip(input, [0])


def roll(input, shifts, dims=None):
    """Shift the entries cyclically by ``shifts`` along ``dims`` (over the flattened tensor when None)."""
    if dims is None:
        if not isinstance(shifts, int) and len(shifts) != 1:
            raise RuntimeError(f"roll(): shifts must be an int when dims is None, got {shifts}")
        shift = shifts if isinstance(shifts, int) else int(shifts[0])
        return F.reshape(indexing.Roll(shift, None)(F.reshape(input, -1)), input.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    axes = tuple(normalize_dim(d, input.ndim, "roll") for d in dims)
    return indexing.Roll(shifts, axes)(input)


def narrow(input, dim, start, length):
    """``length`` entries of ``input`` along ``dim`` from ``start`` (a view in PyTorch)."""
    d = normalize_dim(dim, input.ndim, "narrow")
    n = input.shape[d]
    start = int(start) + (n if int(start) < 0 else 0)
    if not (0 <= start <= n and 0 <= length and start + length <= n):
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return F.getitem(input, (slice(None),) * d + (slice(start, start + length),))


def select(input, dim, index):
    """The slice at ``index`` along ``dim``, that dim removed (``x.select(0, i)`` is ``x[i]``)."""
    d = normalize_dim(dim, input.ndim, "select")
    n = input.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
                         f"dimension {d}")
    return F.getitem(input, (slice(None),) * d + (int(index),))


def unbind(input, dim=0):
    """All slices along ``dim``, as a tuple of tensors with that dim removed."""
    d = normalize_dim(dim, input.ndim, "unbind")
    return shape_functions.pieces(input, d, None, "UnbindBackward0")


def movedim(input, source, destination):
    """``input`` with the dims ``source`` moved to the positions ``destination``."""
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
                           f"contain the same number of dims as destination ({list(dst)} dims)")
    src = [normalize_dim(s, input.ndim, "movedim") for s in src]
    dst = [normalize_dim(s, input.ndim, "movedim") for s in dst]
    order = [i for i in range(input.ndim) if i not in src]
    for s, t in sorted(zip(dst, src)):
        order.insert(s, t)
    return F.permute(input, *order)


moveaxis = movedim


def swapaxes(input, axis0, axis1):
    """``transpose(input, axis0, axis1)`` (NumPy's name)."""
    return F.transpose(input, axis0, axis1)


def swapdims(input, dim0, dim1):
    """``transpose(input, dim0, dim1)``."""
    return F.transpose(input, dim0, dim1)


def broadcast_to(input, shape):
    """``input`` expanded to ``size`` (NumPy broadcasting; no copy in PyTorch)."""
    return F.expand(input, *shape)


def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape; one already of that shape is itself (as in
    PyTorch: no expand node in its graph)."""
    shape = ()
    for t in tensors:
        try:
            shape = np.broadcast_shapes(shape, tuple(t.shape))
        except ValueError:
            F._raise_broadcast_error("broadcast_tensors", shape, tuple(t.shape))
            raise
    return tuple(t if tuple(t.shape) == shape else F.expand(t, *shape) for t in tensors)


def tile(input, dims):
    """``input`` repeated ``dims[i]`` times along each dim (leading 1s added when dims is shorter)."""
    dims = tuple(dims)
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return F.repeat(input, *dims)


def repeat_interleave(input, repeats, dim=None):
    """Each entry repeated ``repeats`` times in place (``[1, 2] -> [1, 1, 2, 2]``); flattened when dim is None."""
    x = F.reshape(input, -1) if dim is None else input
    d = 0 if dim is None else normalize_dim(dim, input.ndim, "repeat_interleave")
    xp = backend.get_array_module(x._data)
    counts = repeats._data if isinstance(repeats, Tensor) else xp.full(x.shape[d], int(repeats))
    if counts.ndim == 0:
        counts = xp.full(x.shape[d], int(counts))
    if counts.shape[0] != x.shape[d]:
        raise RuntimeError("repeats must have the same size as input along dim")
    index = xp.repeat(xp.arange(x.shape[d]), backend.to_device(counts, x.device))
    return F.getitem(x, (slice(None),) * d + (index,))


def atleast_1d(*tensors):
    """Each tensor with at least one dim (a 0-d tensor becomes shape (1,))."""
    out = [F.reshape(t, 1) if t.ndim == 0 else t for t in (tensors[0] if len(tensors) == 1 and
                                                         isinstance(tensors[0], (list, tuple)) else tensors)]
    return out[0] if len(out) == 1 else tuple(out)


def atleast_2d(*tensors):
    """Each tensor with at least two dims (a 1-D tensor of size n becomes (1, n))."""
    items = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    out = [t if t.ndim >= 2 else F.reshape(t, (1, t.numel())) for t in items]
    return out[0] if len(out) == 1 else tuple(out)


def hstack(tensors):
    """Concatenate along dim 1 (dim 0 for 1-D tensors)."""
    tensors = list(atleast_1d(*tensors)) if len(tensors) > 1 else [atleast_1d(*tensors)]
    return F.cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    """Concatenate along dim 0, 1-D tensors as rows."""
    tensors = atleast_2d(*tensors)
    return F.cat(tensors if isinstance(tensors, tuple) else [tensors], 0)


row_stack = vstack


def column_stack(tensors):
    """1-D tensors as columns, then concatenated along dim 1."""
    cols = [F.reshape(t, (t.numel(), 1)) if t.ndim <= 1 else t for t in tensors]
    return F.cat(cols, 1)


def dstack(tensors):
    """Concatenate along dim 2 (1-D and 2-D tensors gain leading / trailing dims first)."""
    out = []
    for t in tensors:
        if t.ndim == 0:
            t = F.reshape(t, (1, 1, 1))
        elif t.ndim == 1:
            t = F.reshape(t, (1, t.shape[0], 1))
        elif t.ndim == 2:
            t = F.unsqueeze(t, 2)
        out.append(t)
    return F.cat(out, 2)


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-D tensors: ``indexing='ij'`` (matrix, PyTorch's default) or ``'xy'``."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    sizes = [t.numel() for t in tensors]
    if indexing == "xy" and len(tensors) >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, t in enumerate(tensors):
        axis = i
        if indexing == "xy" and len(tensors) >= 2 and i < 2:
            axis = 1 - i
        shape = [1] * len(tensors)
        shape[axis] = t.numel()
        grids.append(F.expand(F.reshape(t, shape), *sizes))
    return tuple(grids)


def _triangle(name, x, diagonal, upper):
    if x.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    xp = backend.get_array_module(x._data)
    n, m = x.shape[-2:]
    rows, cols = xp.arange(n)[:, None], xp.arange(m)[None, :]
    drop = (cols - rows < diagonal) if upper else (cols - rows > diagonal)
    return indexing.MaskedFill(drop, 0)(x)


def tril(input, diagonal=0):
    """The lower triangle of the last two dims (entries above ``diagonal`` set to 0)."""
    return _triangle("tril", input, diagonal, upper=False)


def triu(input, diagonal=0):
    """The upper triangle of the last two dims (entries below ``diagonal`` set to 0)."""
    return _triangle("triu", input, diagonal, upper=True)


def diag(input, diagonal=0):
    """A 1-D tensor -> the square matrix with it on a diagonal; a matrix -> that diagonal as 1-D."""
    xp = backend.get_array_module(input._data)
    if input.ndim == 1:
        eye = Tensor._from_op(xp.eye(input.shape[0], dtype=input._data.dtype), None)
        square = F.mul(eye, input)  # v on the main diagonal, then shifted by padding
        k = builtins.abs(diagonal)
        return F.pad(square, (k, 0, 0, k) if diagonal >= 0 else (0, k, k, 0))
    if input.ndim == 2:
        return diagonal_of(input, diagonal)
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got {}D".format(input.ndim))


def diagonal_of(input, offset=0, dim1=0, dim2=1):
    """The entries (i, i + offset) of two dims, as the last dim (``torch.diagonal``)."""
    d1, d2 = normalize_dim(dim1, input.ndim, "diagonal"), normalize_dim(dim2, input.ndim, "diagonal")
    n, m = input.shape[d1], input.shape[d2]
    xp = backend.get_array_module(input._data)
    length = builtins.max(0, builtins.min(n, m - offset) if offset >= 0 else builtins.min(n + offset, m))
    rows = xp.arange(length) + builtins.max(-offset, 0)
    cols = xp.arange(length) + builtins.max(offset, 0)
    moved = movedim(input, (d1, d2), (-2, -1))
    return F.getitem(moved, (Ellipsis, rows, cols))


def trace(input):
    """The sum of the main diagonal of a matrix."""
    if input.ndim != 2:
        raise RuntimeError("trace: expected a matrix")
    return F.sum(diagonal_of(input))


# ------------------------------------------------------------------ products
def einsum(equation, *operands):
    """Einstein summation: ``einsum("bij,bjk->bik", a, b)``; operands may also be given as one list."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): operand {i} must be a Tensor, got {type(t).__name__}")
    floats = [t.dtype for t in operands if t._data.dtype.kind == "f"]
    if floats:
        operands = tuple(F.cast(t, floats[0]) for t in operands)
    subs, out = einsum_ops.explicit_subscripts(equation, [t.shape for t in operands])
    return einsum_ops.Einsum(subs, out)(*operands)


@writes_out
def outer(input, vec2):
    """The outer product of two 1-D tensors: out[i, j] = input[i] * vec2[j]."""
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError("outer: expected 1-D tensors")
    return F.mul(F.reshape(input, (-1, 1)), F.reshape(vec2, (1, -1)))


ger = outer


@writes_out
def dot(input, tensor):
    """The inner product of two 1-D tensors of the same size."""
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors")
    if input.shape[0] != tensor.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{tensor.shape[0]}] to have the same number of elements, but got {input.shape[0]} "
                           f"and {tensor.shape[0]} elements respectively")
    return F.matmul(input, tensor)


inner = dot


@writes_out
def mv(input, vec):
    """Matrix (n, m) times vector (m,)."""
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {vec.ndim}")
    return F.matmul(input, vec)


@writes_out
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2)."""
    prod = F.mm(mat1, mat2)
    prod = prod if alpha == 1 else F.mul(prod, alpha)
    return F.add(input if beta == 1 else F.mul(input, beta), prod)


@writes_out
def addmv(input, mat, vec, *, beta=1, alpha=1):
    """beta * input + alpha * (mat @ vec)."""
    prod = mv(mat, vec)
    prod = prod if alpha == 1 else F.mul(prod, alpha)
    return F.add(input if beta == 1 else F.mul(input, beta), prod)


@writes_out
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * (batch1 @ batch2) per batch entry."""
    prod = F.bmm(batch1, batch2)
    prod = prod if alpha == 1 else F.mul(prod, alpha)
    return F.add(input if beta == 1 else F.mul(input, beta), prod)


@writes_out
def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2."""
    return F.add(input, F.mul(F.mul(tensor1, tensor2), value) if value != 1 else F.mul(tensor1, tensor2))


@writes_out
def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2."""
    return F.add(input, F.mul(F.div(tensor1, tensor2), value) if value != 1 else F.div(tensor1, tensor2))


def tensordot(a, b, dims=2):
    """Contract the last ``dims`` dims of a with the first of b (or the listed pairs of dims)."""
    if isinstance(dims, int):
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([dims[0]] if isinstance(dims[0], int) else list(dims[0]),
                          [dims[1]] if isinstance(dims[1], int) else list(dims[1]))
    letters = einsum_ops._LETTERS
    sa = [letters[i] for i in range(a.ndim)]
    sb = [letters[a.ndim + i] for i in range(b.ndim)]
    for i, j in zip(dims_a, dims_b):
        sb[normalize_dim(j, b.ndim, "tensordot")] = sa[normalize_dim(i, a.ndim, "tensordot")]
    contracted = {sa[normalize_dim(i, a.ndim, "tensordot")] for i in dims_a}
    out = "".join(c for c in sa if c not in contracted) + "".join(c for c in sb if c not in contracted)
    return einsum(f"{''.join(sa)},{''.join(sb)}->{out}", a, b)


def kron(input, other):
    """The Kronecker product: blocks input[i, j] * other."""
    if input.ndim != other.ndim:
        raise NotImplementedError("kron(): inputs of different ranks are not implemented in minitorch_cnn")
    n = input.ndim
    letters = einsum_ops._LETTERS
    a, b = letters[:n], letters[n:2 * n]
    prod = einsum(f"{a},{b}->{''.join(x + y for x, y in zip(a, b))}", input, other)
    return F.reshape(prod, tuple(p * q for p, q in zip(input.shape, other.shape)))


def cdist(x1, x2, p=2.0):
    """Pairwise p-norm distances between the rows of x1 (..., n, d) and x2 (..., m, d): (..., n, m)."""
    from .reduction_functions import vector_norm

    return vector_norm(F.sub(F.unsqueeze(x1, -2), F.unsqueeze(x2, -3)), p, dim=-1)


def cross(input, other, dim=None):
    """The cross product of 3-vectors along ``dim`` (the first dim of size 3 when None)."""
    if dim is None:
        dim = next(i for i, s in enumerate(input.shape) if s == 3)
    d = normalize_dim(dim, input.ndim, "cross")
    a = [select(input, d, i) for i in range(3)]
    b = [select(other, d, i) for i in range(3)]
    parts = [F.sub(F.mul(a[1], b[2]), F.mul(a[2], b[1])), F.sub(F.mul(a[2], b[0]), F.mul(a[0], b[2])),
             F.sub(F.mul(a[0], b[1]), F.mul(a[1], b[0]))]
    return F.stack(parts, d)


# ------------------------------------------------------------------ scatter (gather's adjoint)
def _scatter(op, input, dim, index, src, add):
    idx = _index_array(index, op)
    d = normalize_dim(dim, input.ndim, op)
    if idx.ndim != input.ndim:
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as self tensor")
    if isinstance(src, Tensor):
        if src.ndim != input.ndim:
            raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as src tensor")
        if builtins.any(n > m for n, m in zip(idx.shape, src.shape)):
            raise RuntimeError(f"{op}(): Expected index {list(idx.shape)} to be no larger than src "
                               f"{list(src.shape)}")
        if src._data.dtype != input._data.dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= input.shape[d]):
        raise RuntimeError(f"{op}(): index {int(idx.max())} is out of bounds for dimension {d} with size "
                           f"{input.shape[d]}")
    return indexing.Scatter(d, idx, add)(input, src)


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """A copy of ``input`` with ``src`` (a tensor, or the number ``value``) written at ``index`` along ``dim``:
    ``zeros(n, 10).scatter(1, labels[:, None], 1.0)`` one-hot encodes labels."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing the 'src' or 'value' argument")
    if reduce is not None and reduce != "add":
        raise NotImplementedError(f"scatter(): reduce='{reduce}' is not implemented in minitorch_cnn (only 'add')")
    if not isinstance(src, Tensor):
        src = float(src) if input._data.dtype.kind == "f" else src
    return _scatter("scatter", input, dim, index, src, reduce == "add")


def scatter_add(input, dim, index, src):
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeated indices add up)."""
    return _scatter("scatter_add", input, dim, index, src, True)


def index_add(input, dim, index, source, *, alpha=1):
    """A copy of ``input`` with ``alpha * source`` added at the rows ``index`` (1-D) of ``dim``."""
    d = normalize_dim(dim, input.ndim, "index_add")
    shape = [1] * source.ndim
    shape[d] = -1
    full_index = F.expand(F.reshape(index, shape), *source.shape)
    return scatter_add(input, d, full_index, source if alpha == 1 else F.mul(source, alpha))


def index_fill(input, dim, index, value):
    """A copy of ``input`` with the rows ``index`` (1-D) of ``dim`` set to ``value``."""
    d = normalize_dim(dim, input.ndim, "index_fill")
    xp = backend.get_array_module(input._data)
    mask = xp.zeros(input.shape[d], dtype=bool)
    mask[index._data] = True
    shape = [1] * input.ndim
    shape[d] = -1
    return masked_fill(input, Tensor._from_op(mask.reshape(shape), None), value)
