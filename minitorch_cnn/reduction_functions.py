"""More public reductions and orderings: ``mt.prod``, ``any``/``all``, ``cumsum``, ``norm``, ``sort``, ``topk`` ...

Each checks its arguments with PyTorch's names (``axis=``/``keepdims=`` accepted
too) and calls one Function from ``ops/``; the (values, indices) results are
named tuples, as PyTorch's ``torch.return_types``.
"""
from collections import namedtuple

import numpy as np

from . import backend
from . import functions as F
from .arguments import numpy_dim_names, writes_out
from .ops import indexing, reduce
from .ops.broadcast import all_if_empty, normalize_dim, normalize_dims
from .tensor import Tensor

_return_types = {name: namedtuple(name, ["values", "indices"])
                 for name in ("sort", "topk", "kthvalue", "median", "mode", "cummax", "cummin")}


def _int64(data):
    return Tensor._from_op(data.astype(np.int64, copy=False), None)


def _as_dims(dim):
    return dim if dim is None or isinstance(dim, (int, tuple, list)) else int(dim)


# ------------------------------------------------------------------ products, tests, counts
@writes_out
@numpy_dim_names
def prod(input, dim=None, keepdim=False, *, dtype=None):
    """The product of all elements, or over ``dim``; integer and bool inputs give int64, as in PyTorch."""
    x = input
    if dtype is not None:
        x = F.cast(x, dtype)
    elif x._data.dtype.kind in "biu":
        x = F.cast(x, "int64")
    return reduce.Prod(normalize_dims(_as_dims(dim), x.ndim, "prod"), keepdim)(x)


def _bool_reduction(name, method):
    @writes_out
    @numpy_dim_names
    def fn(input, dim=None, keepdim=False):
        dims = normalize_dims(_as_dims(dim), input.ndim, name)
        out = getattr(input._data.astype(bool, copy=False), method)(axis=dims, keepdims=keepdim)
        return Tensor._from_op(backend.get_array_module(input._data).asarray(out), None)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"True where {'any' if method == 'any' else 'every'} element (over ``dim``) is nonzero."
    return fn


any = _bool_reduction("any", "any")
all = _bool_reduction("all", "all")


@numpy_dim_names
def count_nonzero(input, dim=None):
    """The number of nonzero elements (over ``dim``), as int64."""
    dims = normalize_dims(all_if_empty(_as_dims(dim)), input.ndim, "count_nonzero")
    return _int64(backend.get_array_module(input._data).asarray((input._data != 0).sum(axis=dims)))


# ------------------------------------------------------------------ running sums and products
def _running(name, op_cls, input, dim, dtype):
    x = input
    if dtype is not None:
        x = F.cast(x, dtype)
    elif x._data.dtype.kind in "biu":
        x = F.cast(x, "int64")
    dim = normalize_dim(dim, x.ndim, name)  # (a 0-d tensor takes dims -1 and 0)
    if x.ndim == 0:
        return F.clone(x)
    return op_cls(dim)(x)


@writes_out
@numpy_dim_names
def cumsum(input, dim, *, dtype=None):
    """y_i = x_0 + ... + x_i along ``dim``."""
    return _running("cumsum", reduce.CumSum, input, dim, dtype)


@writes_out
@numpy_dim_names
def cumprod(input, dim, *, dtype=None):
    """y_i = x_0 * ... * x_i along ``dim``."""
    return _running("cumprod", reduce.CumProd, input, dim, dtype)


# ------------------------------------------------------------------ norms
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """``(sum |x|^ord)^(1/ord)`` over ``dim`` (all elements when None); ord may be inf, -inf or 0."""
    if dtype is not None:
        x = F.cast(x, dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {x.dtype.scalar_name}")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got '{ord}'")
    whole = all_if_empty(_as_dims(dim)) is None
    dims = normalize_dims(all_if_empty(_as_dims(dim)), x.ndim, "linalg.vector_norm")
    if (ord < 0 or ord == float("inf")) and x.numel() == 0:  # (a max or a negative power: no identity)
        if whole:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {ord:g} norm on an empty tensor because the "
                               "operation does not have an identity")
        for d in dims:
            if x.shape[d] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the {ord:g} norm on the dimension {d}because "
                                   "this dimension is empty and the operation does not have an identity")
    op = reduce.VectorNorm(float(ord), dims, keepdim)
    op.full = x.ndim == 0 and not whole
    op.node_name = "LinalgVectorNormBackward0"
    return op(x)


@numpy_dim_names
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """``torch.norm``: the 2-norm ('fro') or a p-norm of the elements over ``dim`` (all by default);
    ``p='nuc'`` is not implemented (it needs a singular value decomposition)."""
    if p == "nuc":
        raise NotImplementedError("norm(): p='nuc' (the nuclear norm) needs an SVD, which minitorch_cnn does "
                                  "not implement")
    result = vector_norm(input, 2 if p in ("fro", None) else p, dim, keepdim, dtype=dtype)
    if out is not None:
        from .arguments import copy_into

        return copy_into(out, result, "norm")
    return result


# ------------------------------------------------------------------ orderings
def _sort_indices(xp, data, dim, descending):
    """Stable sorting permutation along ``dim``; descending keeps equal elements in their order."""
    if not descending:
        return xp.argsort(data, axis=dim, kind="stable")
    n = data.shape[dim]
    ascending_of_flipped = xp.argsort(xp.flip(data, dim), axis=dim, kind="stable")
    return (n - 1) - xp.flip(ascending_of_flipped, dim)


def _gathered(name, x, dim, index):
    op = indexing.Gather(dim, index)
    op.node_name = f"{name.capitalize()}Backward0"  # PyTorch's SortBackward0, TopkBackward0 ...
    values = op(x)
    return _return_types[name](values, _int64(index))


@writes_out
@numpy_dim_names
def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices) sorted along ``dim``; always stable here (equal elements keep their order),
    NaN counts as the largest value, as in PyTorch."""
    x = input
    if x.ndim == 0:
        return _return_types["sort"](F.clone(x), _int64(backend.get_array_module(x._data).zeros((), np.int64)))
    d = normalize_dim(dim, x.ndim, "sort")
    index = _sort_indices(backend.get_array_module(x._data), x._data, d, descending)
    return _gathered("sort", x, d, index)


@numpy_dim_names
def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim`` (``sort(...).indices``)."""
    if input.ndim == 0:
        return _int64(backend.get_array_module(input._data).zeros((), np.int64))
    d = normalize_dim(dim, input.ndim, "argsort")
    return _int64(_sort_indices(backend.get_array_module(input._data), input._data, d, descending))


@writes_out
@numpy_dim_names
def topk(input, k, dim=-1, largest=True, sorted=True):
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices, largest first."""
    x = input
    if x.ndim == 0:
        x = F.reshape(x, 1)  # a 0-d tensor is ranked as one element
    d = normalize_dim(dim, x.ndim, "topk")
    if not 0 <= k <= x.shape[d]:
        raise RuntimeError("selected index k out of range")
    xp = backend.get_array_module(x._data)
    index = _sort_indices(xp, x._data, d, descending=largest)
    index = index[(slice(None),) * d + (slice(0, k),)]
    return _gathered("topk", x, d, xp.ascontiguousarray(index))


@writes_out
@numpy_dim_names
def kthvalue(input, k, dim=-1, keepdim=False):
    """The k-th smallest element along ``dim`` (k counts from 1) and its index."""
    x = input
    d = normalize_dim(dim, x.ndim, "kthvalue") if x.ndim else 0
    n = x.shape[d] if x.ndim else 1
    if not 1 <= k <= n:
        raise IndexError(f"kthvalue(): selected number k out of range for dimension {d}")
    if x.ndim == 0:
        return _return_types["kthvalue"](F.clone(x), _int64(backend.get_array_module(x._data).zeros((), np.int64)))
    index = _sort_indices(backend.get_array_module(x._data), x._data, d, False)
    index = index[(slice(None),) * d + (slice(k - 1, k),)]
    values, indices = _gathered("kthvalue", x, d, index)
    if not keepdim:
        values, indices = F.squeeze(values, d), F.squeeze(indices, d)
    return _return_types["kthvalue"](values, indices)


@numpy_dim_names
def median(input, dim=None, keepdim=False):
    """The lower median (no averaging of the two middle values, as PyTorch); with ``dim``, (values, indices)."""
    x = input
    if dim is None:
        flat = F.reshape(x, -1)
        if flat.numel() == 0:
            return Tensor._from_op(backend.get_array_module(x._data).asarray(np.nan, dtype=x._data.dtype), None)
        return kthvalue(flat, (flat.numel() + 1) // 2, 0).values
    n = x.shape[normalize_dim(dim, x.ndim, "median")] if x.ndim else 1
    values, indices = kthvalue(x, (n + 1) // 2, dim, keepdim)
    return _return_types["median"](values, indices)


@numpy_dim_names
def std_mean(input, dim=None, *, correction=1, keepdim=False):
    """(std, mean) over ``dim``, computed together."""
    return F.std(input, dim, keepdim=keepdim, correction=correction), F.mean(input, dim, keepdim)


@numpy_dim_names
def var_mean(input, dim=None, *, correction=1, keepdim=False):
    """(var, mean) over ``dim``, computed together."""
    return F.var(input, dim, keepdim=keepdim, correction=correction), F.mean(input, dim, keepdim)


@numpy_dim_names
def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) over ``dim`` (all elements when None)."""
    result = namedtuple("aminmax", ["min", "max"])
    if dim is None:
        return result(F.amin(input), F.amax(input))
    return result(F.amin(input, dim, keepdim), F.amax(input, dim, keepdim))


# ------------------------------------------------------------------ counting values
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values, sorted; optionally the index of each input element in them, and their counts."""
    if dim is not None:
        raise NotImplementedError("unique(): dim= is not implemented in minitorch_cnn")
    xp = backend.get_array_module(input._data)
    values, inverse, counts = xp.unique(input._data.reshape(-1), return_inverse=True, return_counts=True)
    out = [Tensor._from_op(values, None)]
    if return_inverse:
        out.append(_int64(inverse.reshape(input.shape)))
    if return_counts:
        out.append(_int64(counts))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input, weights=None, minlength=0):
    """The number of times each value 0, 1, ... occurs in a 1-D int tensor (weighted sums with ``weights``)."""
    if input.ndim != 1 or input._data.dtype.kind not in "iu":
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if input.numel() and int(input._data.min()) < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    xp = backend.get_array_module(input._data)
    w = None if weights is None else weights._data
    out = xp.bincount(input._data, weights=w, minlength=minlength)
    if weights is None:
        return _int64(out)
    return Tensor._from_op(out.astype(weights._data.dtype if weights._data.dtype.kind == "f" else np.float64), None)


def histc(input, bins=100, min=0, max=0):
    """Histogram of ``bins`` equal bins over [min, max] (the data's range when both are 0)."""
    xp = backend.get_array_module(input._data)
    lo, hi = float(min), float(max)
    if lo == hi == 0 and input.numel():
        lo, hi = float(input._data.min()), float(input._data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    counts, _ = xp.histogram(input._data, bins=bins, range=(lo, hi))
    return Tensor._from_op(counts.astype(input._data.dtype), None)


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None):
    """Indices where ``values`` would be inserted into the 1-D ``sorted_sequence`` to keep it sorted."""
    if sorted_sequence.ndim != 1:
        raise NotImplementedError("searchsorted(): only a 1-D sorted_sequence is implemented in minitorch_cnn")
    xp = backend.get_array_module(sorted_sequence._data)
    side = side or ("right" if right else "left")
    v = values._data if isinstance(values, Tensor) else xp.asarray(values)
    idx = xp.searchsorted(sorted_sequence._data, v, side=side)
    return Tensor._from_op(xp.asarray(idx).astype(np.int32 if out_int32 else np.int64), None)


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value: ``searchsorted(boundaries, input)`` (``right`` as PyTorch spells it)."""
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
