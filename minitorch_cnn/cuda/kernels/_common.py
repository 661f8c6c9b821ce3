"""Small helpers shared by the kernel wrappers."""
from ...backend import cupy_module

cp = cupy_module()


def element_strides(array):
    """Strides of ``array`` in elements (CuPy gives them in bytes)."""
    return [s // array.itemsize for s in array.strides]


def per_channel(vector, ndim):
    """A (C,) vector viewed as (1, C, 1, ...) so that it broadcasts against an (N, C, ...) array."""
    return vector.reshape((1, -1) + (1,) * (ndim - 2))
