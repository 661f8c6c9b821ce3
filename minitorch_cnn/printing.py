"""PyTorch-like ``repr`` of a tensor: ``tensor([1.5000, 2.0000], requires_grad=True)``."""
import numpy as np

from . import backend
from .dtypes import get_default_dtype

THRESHOLD, EDGEITEMS, LINEWIDTH = 1000, 3, 80  # PyTorch's print options
PRECISION, SCI_MODE = 4, None  # digits after the point; None: scientific only for wide ranges


def _summarized(data):
    """Only the values that get printed: the first and last EDGEITEMS along each long dim."""
    if data.size <= THRESHOLD:
        return data
    for axis in range(data.ndim):
        if data.shape[axis] > 2 * EDGEITEMS:
            keep = np.r_[0:EDGEITEMS, data.shape[axis] - EDGEITEMS:data.shape[axis]]
            data = np.take(data, keep, axis=axis)
    return data


def _element_text(data):
    """How one element prints, by PyTorch's rule for floats: whole numbers as ``1.``, others with
    4 decimals, wide ranges as ``1.0000e+05``. Ints and bools print as Python does."""
    if data.dtype.kind != "f":
        return str
    values = data.astype(np.float64)
    nonzero = np.abs(values[np.isfinite(values) & (values != 0)])
    fmt = "{:.0f}."
    sci, fixed = f"{{:.{PRECISION}e}}", f"{{:.{PRECISION}f}}"
    if nonzero.size:
        lo, hi = nonzero.min(), nonzero.max()
        wide = hi / lo > 1000 or hi > 1e8
        if np.all(nonzero == np.ceil(nonzero)):
            fmt = sci if wide else "{:.0f}."
        else:
            fmt = sci if wide or lo < 1e-4 else fixed
        if SCI_MODE is not None:
            fmt = sci if SCI_MODE else (fixed if fmt != "{:.0f}." else fmt)
    return lambda v: fmt.format(v) if np.isfinite(v) else str(v)


def _body(data, fmt, width, indent, summarize):
    """Nested brackets, rows wrapped at LINEWIDTH, long dims cut to their edges with '...'."""
    cut = summarize and data.shape[0] > 2 * EDGEITEMS
    rows = [*range(EDGEITEMS), None, *range(data.shape[0] - EDGEITEMS, data.shape[0])] if cut else range(data.shape[0])
    if data.ndim == 1:
        items = [" ..." if i is None else fmt(data[i].item()) for i in rows]
        per_line = max(1, (LINEWIDTH - indent) // (width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    parts = ["..." if i is None else _body(data[i], fmt, width, indent + 1, summarize) for i in rows]
    return "[" + ("," + "\n" * (data.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def tensor_repr(t):
    data = backend.to_device(t._data, "cpu")
    shown = _summarized(data)
    text = _element_text(shown)
    width = max((len(text(v)) for v in shown.reshape(-1).tolist()), default=0)

    def fmt(v):
        return text(v).rjust(width)

    body = fmt(data.item()) if data.ndim == 0 else _body(data, fmt, width, len("tensor("), data.size > THRESHOLD)
    extras = []
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    default_float = t.dtype == get_default_dtype()
    if data.size == 0:  # nothing to infer the dtype from: show it unless it is the default float
        if data.ndim != 1:
            extras.append(f"size={tuple(data.shape)}")
        if not default_float:
            extras.append(f"dtype=minitorch_cnn.{t.dtype.name}")
    elif not (default_float or data.dtype == np.int64 or data.dtype == np.bool_):
        extras.append(f"dtype=minitorch_cnn.{t.dtype.name}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
