"""``mt.nn.parallel``: data parallelism over processes (``DistributedDataParallel``), as ``torch.nn.parallel``."""
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
