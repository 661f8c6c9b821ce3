"""Ops that convert or copy data without changing its values: dtype casts, device moves, clone."""
from .. import backend
from ..autograd.function import Function


class Cast(Function):
    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        self.in_dtype = x.dtype
        return x.astype(self.dtype.np_dtype)

    def backward(self, g):
        # dX = dY cast back to x's dtype
        return g.astype(self.in_dtype)


class ToDevice(Function):
    def __init__(self, device):
        self.device = device

    def forward(self, x):
        self.in_device = backend.device_of(x)
        return backend.to_device(x, self.device)

    def backward(self, g):
        # dX = dY copied back to x's device
        return backend.to_device(g, self.in_device)


class Clone(Function):
    def forward(self, x):
        return x.copy()

    def backward(self, g):
        # dX = dY
        return g
