"""``mt.backends``: switches that change how a backend computes (like ``torch.backends``)."""
from . import cuda

__all__ = ["cuda"]
