"""Dropout layers (Srivastava et al., 2014): in training, zero each unit (or channel) with probability
``p`` and scale the survivors by ``1 / (1 - p)``; in evaluation, the identity.

``inplace=True`` is accepted but computes out of place (see ``activation.py`` for why).
"""
from .. import functional as F
from .module import Module


class _DropoutNd(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zeroes single elements of any-shaped input."""

    def forward(self, input):
        return F.dropout(input, self.p, self.training)


class Dropout2d(_DropoutNd):
    """Zeroes whole channels of (N, C, H, W) input (neighbouring pixels are correlated, single ones are not)."""

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training)
