"""``LocalResponseNorm``: AlexNet's "Norm" layer (Krizhevsky et al., 2012), normalising across channels.

``b_c = a_c / (k + alpha / size * sum_{c' near c} a_{c'}^2) ^ beta``, the sum over ``size``
neighbouring channels (PyTorch's convention: alpha is divided by size).
"""
from .. import functional as F
from .module import Module


class LocalResponseNorm(Module):
    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
