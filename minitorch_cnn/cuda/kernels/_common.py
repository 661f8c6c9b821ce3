"""Small helpers shared by the kernel wrappers."""
from ...backend import cupy_module

cp = cupy_module()


def element_strides(array):
    """Strides of ``array`` in elements (CuPy gives them in bytes)."""
    return [s // array.itemsize for s in array.strides]
