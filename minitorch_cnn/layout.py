"""Memory layouts of 4-D arrays, PyTorch's ``memory_format``: ``contiguous_format`` (C order: NCHW
strides) and ``channels_last`` (NCHW shape, NHWC strides: a pixel's channels side by side).

The shape, the values and every op's result are the same in both; only the order in memory
differs (``Tensor.is_contiguous(memory_format=...)`` tells which, ``contiguous``/``to`` convert).
"""
from .backend import get_array_module


def format_name(memory_format):
    """``mt.channels_last`` (or its name) -> "channels_last"; None -> None."""
    return getattr(memory_format, "name", memory_format)


def is_channels_last(a):
    """PyTorch's ``is_contiguous(memory_format=torch.channels_last)`` of an array: 4-D, strides C, W, H, N
    from the innermost out (size-1 axes may have any stride)."""
    if a.ndim != 4:
        return False
    expected = a.itemsize
    for d in (1, 3, 2, 0):
        if a.shape[d] != 1:
            if a.strides[d] != expected:
                return False
            expected *= a.shape[d]
    return True


def copy_in_format(a, name):
    """A copy of ``a`` laid out as ``name``: "channels_last", "contiguous_format", or "preserve_format"
    (``a``'s own order)."""
    if name == "channels_last":
        return get_array_module(a).ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    return a.copy(order="K" if name == "preserve_format" else "C")
