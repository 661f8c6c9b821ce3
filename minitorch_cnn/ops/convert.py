"""Ops that convert or copy data without changing its values: dtype casts, device moves, clone."""
from .. import backend
from ..autograd.function import Function
from ..layout import copy_in_format
from . import dual


class Cast(Function):
    node_name = "ToCopyBackward0"  # PyTorch's name of this backward node
    differentiable_backward = True

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        self.in_dtype = x.dtype
        return x.astype(self.dtype.np_dtype)

    def backward(self, g):
        # dX = dY cast back to x's dtype
        return dual.astype(g, self.in_dtype)


class ToDevice(Function):
    node_name = "ToCopyBackward0"  # PyTorch's name of this backward node
    differentiable_backward = True

    def __init__(self, device):
        self.device = device

    def forward(self, x):
        self.in_device = backend.device_of(x)
        return backend.to_device(x, self.device)

    def backward(self, g):
        # dX = dY copied back to x's device
        if not backend.is_array(g):  # recorded: the copy as an op
            return ToDevice(self.in_device)(g)
        return backend.to_device(g, self.in_device)


class Clone(Function):
    """A copy laid out as ``memory_format`` ("preserve_format": x's own layout; see ``layout.py``)."""

    differentiable_backward = True

    def __init__(self, memory_format="preserve_format"):
        self.memory_format = memory_format

    def forward(self, x):
        return copy_in_format(x, self.memory_format)

    def backward(self, g):
        # dX = dY
        return g


# (the Functions that ops.dual records with on Tensors)
dual.register(Cast)
