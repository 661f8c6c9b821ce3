"""Shared gradient helpers: undo broadcasting, normalise dims."""


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``: the adjoint of NumPy broadcasting.

    dX = sum of dY over the axes that broadcasting added or stretched from 1.
    """
    if grad.shape == tuple(shape):
        return grad
    if not hasattr(grad, "flags"):  # a Tensor (a recorded backward): the same sum, as differentiable ops
        from . import dual

        extra = grad.ndim - len(shape)
        axes = tuple(range(extra)) + tuple(
            i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1
        )
        return dual.reshape(dual.sum(grad, axes, keepdims=True), shape) if axes else dual.reshape(grad, shape)
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1
    )
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if extra:
        grad = grad.reshape(shape)
    return grad


def normalize_dim(dim, ndim, op="op"):
    """Wrap a negative dim and check its range, with PyTorch's message."""
    lo, hi = -max(ndim, 1), max(ndim, 1) - 1
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{op}(): dim must be an int, got {type(dim).__name__}")
    if dim < lo or dim > hi:
        raise IndexError(f"{op}(): Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
    return dim % max(ndim, 1)


def normalize_dims(dim, ndim, op="op"):
    """``dim`` as a sorted tuple of non-negative axes (None means all)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        dims = tuple(normalize_dim(d, ndim, op) for d in dim)
        if len(set(dims)) != len(dims):
            twice = next(d for i, d in enumerate(dims) if d in dims[:i])
            raise RuntimeError(f"{op}(): dim {twice} appears multiple times in the list of dims")
        return tuple(sorted(dims)) if ndim else ()
    dim = normalize_dim(dim, ndim, op)  # (a 0-d tensor takes dims -1 and 0)
    return (dim,) if ndim else ()


def all_if_empty(dim):
    """PyTorch's legacy reading of ``dim=()`` (or ``[]``) in sum, mean, var, norm ...: every dim."""
    return None if isinstance(dim, (tuple, list)) and len(dim) == 0 else dim


def nonempty_reduction(op, shape, dim):
    """PyTorch's refusals of a max/min-like reduction of nothing: no ``dim`` on an empty input, or a
    reduced dim of size 0 (the first such, in the order given)."""
    if dim is None:
        if 0 in shape:
            raise IndexError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0.")
        return
    for d in (dim if isinstance(dim, (tuple, list)) else (dim,)):
        if len(shape) and shape[normalize_dim(d, len(shape), op)] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
