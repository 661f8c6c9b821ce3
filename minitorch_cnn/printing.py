"""PyTorch-like ``repr`` of a tensor."""
import numpy as np

from . import backend
from .dtypes import get_default_dtype


def tensor_repr(t):
    data = backend.to_device(t.data, "cpu")
    with np.printoptions(precision=4, threshold=1000, edgeitems=3, linewidth=80, suppress=False):
        body = np.array2string(data, separator=", ", prefix="tensor(")
    extras = []
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    default_dtype = data.dtype == get_default_dtype().np_dtype or data.dtype == np.int64 or data.dtype == np.bool_
    if not default_dtype or data.size == 0:
        extras.append(f"dtype=minitorch_cnn.{t.dtype.name}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
