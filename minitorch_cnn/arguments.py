"""Keyword conventions that PyTorch's functions share, as decorators for the public functions.

- ``numpy_dim_names``: ``axis=`` and ``keepdims=`` are accepted as aliases of ``dim=`` and ``keepdim=``
  (``x.sum(axis=1, keepdims=True)``), as PyTorch accepts them.
- ``writes_out``: ``out=`` writes the result into an existing tensor (resized if its shape differs,
  with PyTorch's warning when it had elements) and returns that tensor. Like PyTorch, this does not
  work with autograd.
"""
import functools
import warnings

from . import backend
from .autograd.grad_mode import _GradMode, no_grad
from .tensor import Tensor

_ALIASES = (("axis", "dim"), ("keepdims", "keepdim"))


def numpy_dim_names(fn):
    """Let ``fn(x, dim=..., keepdim=...)`` also be called with ``axis=`` / ``keepdims=``."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs and ("axis" in kwargs or "keepdims" in kwargs):  # (one test on the common path)
            _rename_aliases(fn.__name__, kwargs)
        return fn(*args, **kwargs)

    return wrapper


def _rename_aliases(op, kwargs):
    for alias, name in _ALIASES:
        if alias in kwargs:
            if name in kwargs:
                raise TypeError(f"{op}() received both '{name}' and its alias '{alias}'")
            kwargs[name] = kwargs.pop(alias)


_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def copy_into(out, result, op):
    """Write ``result`` into the tensor ``out`` (PyTorch's ``out=`` rules) and return ``out``."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if out.device != result.device:
        raise RuntimeError(f"{op}(): Expected out tensor to have device {result.device}, but got {out.device} instead")
    if _KIND_RANK[result._data.dtype.kind] > _KIND_RANK[out._data.dtype.kind]:
        raise RuntimeError(f"result type {result.dtype.scalar_name} can't be cast to the desired output type "
                           f"{out.dtype.scalar_name}")
    if tuple(out.shape) != tuple(result.shape):
        if out.numel() != 0:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape {list(out.shape)}, which does "
                f"not match the required output shape {list(result.shape)}. This behavior is deprecated, and in a "
                "future PyTorch release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with t.resize_(0).",
                UserWarning, stacklevel=3)
        out._data = result._data.astype(out._data.dtype, copy=True)
    else:
        xp = backend.get_array_module(out._data)
        xp.copyto(out._data, result._data, casting="unsafe")
    out._version[0] += 1
    return out


def _requires_grad(value):
    if isinstance(value, Tensor):
        return value.requires_grad
    if isinstance(value, (list, tuple)):
        return any(_requires_grad(v) for v in value)
    return False


def writes_out(fn):
    """Give ``fn`` an ``out=`` keyword: a Tensor, or a tuple of Tensors for (values, indices) results."""

    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if _GradMode.enabled and (_requires_grad(args) or _requires_grad(list(kwargs.values())) or _requires_grad(out)):
            raise RuntimeError(f"{fn.__name__}(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        with no_grad():
            result = fn(*args, **kwargs)
        if isinstance(result, tuple):
            if not isinstance(out, (tuple, list)) or len(out) != len(result):
                raise TypeError(f"{fn.__name__}(): argument 'out' must be a tuple of {len(result)} Tensors")
            filled = [copy_into(o, r, fn.__name__) for o, r in zip(out, result)]
            return type(result)(*filled) if hasattr(result, "_fields") else tuple(filled)
        return copy_into(out, result, fn.__name__)

    wrapper.without_out = fn  # what Tensor methods call: a method never takes out=
    return wrapper
