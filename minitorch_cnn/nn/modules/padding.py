"""Padding layers (``ZeroPad2d``, ``ConstantPad2d``, ``ReflectionPad2d``, ``ReplicationPad2d``): ``F.pad`` as layers.

``padding`` is an int (all four sides) or (left, right, top, bottom), as in PyTorch.
"""
from .. import functional as F
from .module import Module


def _four(padding):
    return (padding,) * 4 if isinstance(padding, int) else tuple(padding)


class _Pad2d(Module):
    mode = "constant"

    def __init__(self, padding, value=0.0):
        super().__init__()
        self.padding, self.value = _four(padding), value

    def forward(self, input):
        if self.mode == "constant":
            return F.pad(input, self.padding, "constant", self.value)
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self):
        return f"{self.padding}" + (f", value={self.value}" if type(self) is ConstantPad2d else "")


class ConstantPad2d(_Pad2d):
    def __init__(self, padding, value):
        super().__init__(padding, value)


class ZeroPad2d(_Pad2d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)


class ReflectionPad2d(_Pad2d):
    mode = "reflect"


class ReplicationPad2d(_Pad2d):
    mode = "replicate"
