"""The public shape functions (``mt.reshape``, ``mt.cat``, ``mt.pad`` ...) and indexing.

Each checks its arguments with PyTorch's messages, then calls one ``Function``
from ``ops/shape.py``. ``functions.py`` re-exports them all.
"""
import builtins
import math

import numpy as np

from . import backend
from .ops import shape as shape_ops
from .ops.broadcast import normalize_dim, normalize_dims
from .arguments import writes_out
from .dtypes import as_dtype
from .tensor import Tensor, _check_same_device_and_dtype


def _shape_arg(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _infer_shape(op, shape, numel, in_shape):
    """``shape`` as a tuple of ints, with its one -1 (if any) inferred from ``numel``."""
    shape = tuple(map(int, shape))
    if -1 in shape:
        if shape.count(-1) > 1:
            raise RuntimeError(f"{op}: only one dimension can be inferred")
        known = math.prod(s for s in shape if s != -1)
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    if math.prod(shape) != numel:
        raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel} (input shape {list(in_shape)})")
    return shape


def reshape(input, *shape):
    shape = _infer_shape("reshape", _shape_arg(shape), input._data.size, input._data.shape)
    if shape == input._data.shape:
        return input
    return shape_ops.Reshape(shape)(input)


def view(x, *shape):
    """``view(shape)`` reshapes; ``view(dtype)`` reinterprets the bytes (no gradient), as in PyTorch."""
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)):
        return Tensor._from_op(x._data.view(as_dtype(shape[0]).np_dtype), None)
    return reshape(x, *shape)


def flatten(input, start_dim=0, end_dim=-1):
    if input.ndim == 0:
        return reshape(input, 1)
    s = normalize_dim(start_dim, input.ndim, "flatten")
    e = normalize_dim(end_dim, input.ndim, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    new = tuple(input.shape[:s]) + (math.prod(input.shape[s : e + 1]),) + tuple(input.shape[e + 1 :])
    return reshape(input, new)


def unflatten(input, dim, sizes):
    d = normalize_dim(dim, input.ndim, "unflatten")
    sizes = _infer_shape("unflatten", sizes, input.shape[d], input.shape)
    return reshape(input, tuple(input.shape[:d]) + sizes + tuple(input.shape[d + 1 :]))


def squeeze(input, dim=None):
    if dim is None:
        new = tuple(s for s in input.shape if s != 1)
    else:
        dims = normalize_dims(dim, input.ndim, "squeeze")
        new = tuple(s for i, s in enumerate(input.shape) if not (i in dims and s == 1))
    return reshape(input, new)


def unsqueeze(input, dim):
    d = normalize_dim(dim, input.ndim + 1, "unsqueeze")
    new = tuple(input.shape[:d]) + (1,) + tuple(input.shape[d:])
    return reshape(input, new)


def permute(input, *dims):
    dims = _shape_arg(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {input.ndim} is not equal to len(dims) = {len(dims)}"
        )
    dims = tuple(normalize_dim(d, input.ndim, "permute") for d in dims)
    if sorted(dims) != list(range(input.ndim)):
        raise RuntimeError(f"permute(): duplicate dims are not allowed: {list(dims)}")
    return shape_ops.Permute(dims)(input)


def transpose(input, dim0, dim1):
    return _swap_dims(input, dim0, dim1, "TransposeBackward0")


def _swap_dims(x, dim0, dim1, node_name):
    """``x`` with two dims swapped: a Permute, recorded under PyTorch's name for the call."""
    if x.ndim == 0:
        return x
    d0, d1 = normalize_dim(dim0, x.ndim, "transpose"), normalize_dim(dim1, x.ndim, "transpose")
    dims = list(range(x.ndim))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    op = shape_ops.Permute(dims)
    op.node_name = node_name
    return op(x)


def t(input):
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return _swap_dims(input, 0, 1, "TBackward0") if input.ndim == 2 else input


def expand(x, *sizes):
    sizes = _shape_arg(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the number of "
            f"dimensions in the tensor ({x.ndim})"
        )
    lead = len(sizes) - x.ndim
    target = []
    for i, s in enumerate(sizes):
        cur = x.shape[i - lead] if i >= lead else None
        if s == -1:
            if cur is None:
                raise RuntimeError("expand: -1 is not allowed in a leading, non-existing dimension")
            s = cur
        elif cur is not None and cur != 1 and cur != s:
            raise RuntimeError(
                f"expand: The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(x.shape)}"
            )
        target.append(s)
    return shape_ops.Expand(target)(x)


def expand_as(x, other):
    return expand(x, other.shape)


def repeat(x, *repeats):
    repeats = _shape_arg(repeats)
    if len(repeats) < x.ndim:
        raise RuntimeError(
            "repeat: Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    return shape_ops.Repeat(repeats)(x)


def convert_index(index, device=None):
    """An index with its tensors and lists as raw arrays (on ``device``, when given)."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for item in items:
        if isinstance(item, Tensor):
            item = item._data
        elif isinstance(item, list):
            item = np.asarray(item)
        if device is not None and backend.is_array(item):
            item = backend.to_device(item, device)
        out.append(item)
    return tuple(out) if isinstance(index, tuple) else out[0]


def _is_advanced(index):
    items = index if isinstance(index, tuple) else (index,)
    return builtins.any(backend.is_array(i) for i in items)


def getitem(x, index):
    advanced = False
    if not isinstance(index, (int, slice)):  # (a lone int or slice is the common, fast case)
        index = convert_index(index, x.device)
        advanced = _is_advanced(index)
    try:
        return shape_ops.GetItem(index, advanced)(x)
    except IndexError as e:
        raise IndexError(f"index {index!r} is out of bounds for tensor of shape {list(x.shape)}: {e}") from None


def _tensor_list(op, tensors):
    """A non-empty list of tensors on one device, in one dtype: ints meet floats as the float dtype."""
    tensors = list(tensors)
    if not tensors:  # (PyTorch's words and types differ between the two)
        if op == "stack":
            raise RuntimeError("stack expects a non-empty TensorList")
        raise ValueError(f"torch.{op}(): expected a non-empty list of Tensors")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): expected a sequence of Tensors, but got {type(t).__name__}")
    float_dtypes = [t._data.dtype for t in tensors if t._data.dtype.kind == "f"]
    if float_dtypes:  # PyTorch's promotion: every tensor in the widest floating dtype (float16 < float32 < float64)
        wide = np.result_type(*float_dtypes)
        tensors = [t if t._data.dtype == wide else t.to(wide) for t in tensors]
    _check_same_device_and_dtype(op, tensors)
    return tensors


@writes_out
def cat(tensors, dim=0):
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if isinstance(t, Tensor) and t.ndim == 0:
            raise RuntimeError(f"cat(): zero-dimensional tensor (at position {i}) cannot be concatenated")
    shaped = [t for t in tensors if isinstance(t, Tensor) and not (t.ndim == 1 and t.shape[0] == 0)]
    if shaped:  # (PyTorch checks the dim before the dtypes)
        normalize_dim(dim, shaped[0].ndim, "cat")
    tensors = _tensor_list("cat", tensors)
    # PyTorch skips legacy empty 1-D tensors (shape (0,)) next to tensors of more dimensions
    kept = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)]
    if not kept:  # only legacy empty tensors: an empty result, whatever dim says
        return shape_ops.Cat(0)(*tensors)
    ref = kept[0]
    d = normalize_dim(dim, ref.ndim, "cat")
    kept_ids = {id(t) for t in kept}
    for i, t in enumerate(tensors):
        if id(t) not in kept_ids:
            continue
        if t.ndim != ref.ndim:
            raise RuntimeError(f"cat(): Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}")
        for j, (a, b) in enumerate(zip(ref.shape, t.shape)):
            if j != d and a != b:
                raise RuntimeError(f"cat(): Sizes of tensors must match except in dimension {d}. Expected size {a} "
                                   f"but got size {b} for tensor number {i} in the list.")
    return shape_ops.Cat(d)(*kept)


concat = concatenate = cat


@writes_out
def stack(tensors, dim=0):
    tensors = list(tensors)
    if tensors and isinstance(tensors[0], Tensor):  # (PyTorch checks the dim before the dtypes and sizes)
        normalize_dim(dim, tensors[0].ndim + 1, "stack")
    tensors = _tensor_list("stack", tensors)
    for i, t in enumerate(tensors):
        if tuple(t.shape) != tuple(tensors[0].shape):
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at entry 0 and "
                f"{list(t.shape)} at entry {i}"
            )
    d = normalize_dim(dim, tensors[0].ndim + 1, "stack")
    return shape_ops.Stack(d)(*tensors)


def pieces(x, dim, sizes, node_name):
    """``x`` cut along ``dim`` (normalised) into pieces of ``sizes`` (None: unbind's slices, the dim
    dropped), all fed by one ``Pieces`` node, so that backward assembles x's gradient once, whatever
    the number of pieces. ``node_name`` is PyTorch's: UnbindBackward0, SplitBackward0 or
    SplitWithSizesBackward0."""
    group = shape_ops.Pieces(node_name)
    base = group(x)
    n = x.shape[dim]
    lead = (slice(None),) * dim
    out, start = [], 0
    for k, size in enumerate([1] * n if sizes is None else sizes):
        index = lead + ((start,) if sizes is None else (slice(start, start + size),))
        pads = [(0, 0)] * x.ndim
        pads[dim] = (start, n - start - size)
        out.append(shape_ops.Piece(group, k, index, pads)(base))
        start += size
    return tuple(out)


def split(tensor, split_size_or_sections, dim=0):
    d = normalize_dim(dim, tensor.ndim, "split")
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise RuntimeError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [split_size_or_sections] * (n // split_size_or_sections)
        if n % split_size_or_sections:
            sizes.append(n % split_size_or_sections)
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension "
                f"{d}), but got split_sizes={sizes}"
            )
    return pieces(tensor, d, sizes, "SplitBackward0" if isinstance(split_size_or_sections, int)
                  else "SplitWithSizesBackward0")


def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = normalize_dim(dim, input.ndim, "chunk")
    size = -(-input.shape[d] // chunks)
    return split(input, builtins.max(size, 1), d)


def pad(x, pad, mode="constant", value=0.0):
    """PyTorch's pad list: (last_before, last_after, second_last_before, ...)."""
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise RuntimeError(f"pad: padding length must be even and at most 2 * input.dim() = {2 * x.ndim}, got {len(pad)}")
    if mode != "constant":
        raise NotImplementedError(f"pad: mode '{mode}' is provided by minitorch_cnn.nn.functional.pad")
    pads = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        pads[x.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    for b, a, size in ((b, a, n) for (b, a), n in zip(pads, x.shape)):
        # PyTorch first narrows each dim by its negative pads: a length below 0 is its error
        if (b < 0 and size + b < 0) or (a < 0 and size + builtins.min(b, 0) + a < 0):
            raise RuntimeError("pad: narrow(): length must be non-negative.")
    return shape_ops.ConstantPad(pads, value)(x)
