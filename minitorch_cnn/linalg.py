"""``mt.linalg``: the norms of ``torch.linalg`` (and its matmul), built from differentiable ops."""
from . import functions as F
from .ops.broadcast import normalize_dim
from .reduction_functions import vector_norm

__all__ = ["norm", "vector_norm", "matrix_norm", "matmul", "vecdot"]

_INF = float("inf")


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """A norm of the matrices in the two dims ``dim``: 'fro', inf / -inf (max / min row sum of |A|),
    1 / -1 (max / min column sum). The spectral (2, -2) and nuclear ('nuc') norms need an SVD, which
    minitorch_cnn does not implement."""
    if dtype is not None:
        A = F.cast(A, dtype)
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    rows, cols = (normalize_dim(d, A.ndim, "linalg.matrix_norm") for d in dim)
    if ord == "fro":
        return vector_norm(A, 2, (rows, cols), keepdim)
    if ord in (2, -2, "nuc"):
        raise NotImplementedError(f"linalg.matrix_norm: ord={ord!r} needs a singular value decomposition, which "
                                  "minitorch_cnn does not implement")
    if ord not in (_INF, -_INF, 1, -1):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    summed, kept = (cols, rows) if ord in (_INF, -_INF) else (rows, cols)  # inf: sum along a row
    sums = F.sum(F.abs(A), summed, keepdim=True)
    out = (F.amax if ord > 0 else F.amin)(sums, kept, keepdim=True)
    return out if keepdim else F.squeeze(out, (rows, cols))


def norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """``torch.linalg.norm``: the 2-norm of all elements when ord and dim are None; otherwise a vector
    norm (one dim, or a 1-D input) or a matrix norm (two dims, or a 2-D input)."""
    if dim is not None and not isinstance(dim, (tuple, list)):
        dim = (dim,)
    if ord is None:
        result = vector_norm(A, 2, dim, keepdim, dtype=dtype)
    elif (dim is None and A.ndim == 2) or (dim is not None and len(dim) == 2):
        result = matrix_norm(A, ord, dim if dim is not None else (-2, -1), keepdim, dtype=dtype)
    elif dim is None and A.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {A.ndim}D.")
    else:
        result = vector_norm(A, ord, dim, keepdim, dtype=dtype)
    if out is not None:
        from .arguments import copy_into

        return copy_into(out, result, "linalg.norm")
    return result


def matmul(input, other):
    """``input @ other`` (the same as ``mt.matmul``)."""
    return F.matmul(input, other)


def vecdot(x, y, *, dim=-1):
    """The dot product of x and y along ``dim`` (broadcasting the other dims)."""
    return F.sum(F.mul(x, y), dim)
