"""``mt.backends``: switches that change how a backend computes (like ``torch.backends``)."""
from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
