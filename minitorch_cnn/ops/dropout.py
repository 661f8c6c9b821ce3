"""Dropout: multiply by a random keep-mask scaled by 1/(1-p)."""
from ..autograd.function import Function
from ..backend import device_of, get_array_module
from ..random import uniform_array


def keep_mask(shape, p, dtype, like, generator=None):
    """Bernoulli(1-p) mask scaled by 1/(1-p), drawn from ``mt.random`` so ``mt.manual_seed`` reproduces it.

    ``shape`` may have 1s to share one draw across an axis (dropout2d: (N, C, 1, 1)).
    """
    if p >= 1:  # all dropped: no draw (PyTorch draws none either, so the generator stays where it was)
        return get_array_module(like).zeros(shape, dtype)
    keep = uniform_array(shape, 0.0, 1.0, dtype, device_of(like), generator) >= p
    return keep.astype(dtype) * (1.0 / (1.0 - p))


class Dropout(Function):
    """y = x * mask; the mask broadcasts (whole channels when its trailing axes are 1)."""
    node_name = "MulBackward0"  # PyTorch's name of this backward node

    def __init__(self, mask):
        self.mask = mask

    def forward(self, x):
        mask, self.mask = self.mask, None  # (from here on held only as a saved array: freed with the graph)
        self.save_for_backward(mask)
        return x * mask

    def backward(self, g):
        # dX = dY * mask
        (mask,) = self.saved_tensors
        return g * mask

    jvp = backward  # the Jacobian is diagonal (the mask): J v = J^T v
