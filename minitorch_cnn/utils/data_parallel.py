"""What a training loop changes to run as ``mpiexec -n N python -m minitorch_cnn train``: ``DataParallelRun``.

The run is meant to be *the same training* as one process, only faster:

* the command's ``--batch-size`` stays the **global** batch; each rank takes ``batch_size // N`` of it
  (PyTorch scripts usually give the per-process batch instead: multiply by N to compare);
* every rank builds the model from the same seed; DDP copies rank 0's weights anyway, averages the
  gradients, and BatchNorm layers become SyncBatchNorm, so the statistics are the global batch's;
* the training order is a ``DistributedSampler`` seeded with ``(seed, epoch)``: the union of the
  ranks' batches k is the single-process batch k, and a resumed epoch skips its finished batches
  of the very same order;
* the metrics are sums all-reduced once per epoch; validation and test are sharded *without*
  padding (``indices[rank::N]``), so no sample counts twice;
* only rank 0 (``is_main``) writes checkpoints, metrics and plots, and shows progress;
* a stop request (Ctrl-C reaches every rank) is agreed on with ``any_rank``, so all ranks stop after
  the same batch.

Random augmentation and dropout draw different numbers on each rank than in one process, so runs
with them match one process in distribution, not digit for digit.

Without a launcher (``python -m minitorch_cnn train``) the same object stands for one process and
calls no MPI at all, so the training loop has a single code path.
"""
import numpy as np

from .. import distributed as dist
from ..nn import SyncBatchNorm
from ..nn.parallel import DistributedDataParallel
from ..tensor import Tensor
from .data import DataLoader, DistributedSampler, Subset


class DataParallelRun:
    """This process's place in a data-parallel training run (rank, world size) and the steps that depend on it.

    ``DataParallelRun.from_launcher()`` joins the MPI job when ``mpiexec``/``srun`` started this process
    as one of several, else it is a one-process run.
    """

    def __init__(self, rank=0, world_size=1):
        self.rank, self.world_size = rank, world_size

    @classmethod
    def from_launcher(cls, backend=None, timeout=None):
        launched = dist.launcher_world_size()
        if not dist.is_initialized() and (launched is None or launched[0] <= 1):
            return cls()
        if not dist.is_initialized():
            dist.init_process_group(backend, timeout=timeout)
        return cls(dist.get_rank(), dist.get_world_size())

    @property
    def distributed(self):
        return self.world_size > 1

    @property
    def is_main(self):
        """Rank 0: the one process that writes files and prints."""
        return self.rank == 0

    # ------------------------------------------------------------ model and data
    def local_batch_size(self, global_batch_size):
        """This rank's share of the global batch; ValueError when it does not split evenly."""
        if global_batch_size % self.world_size:
            raise ValueError(f"--batch-size {global_batch_size} is the global batch and must be divisible by the "
                             f"number of processes ({self.world_size}); try "
                             f"{global_batch_size - global_batch_size % self.world_size or self.world_size}")
        return global_batch_size // self.world_size

    def wrap(self, model, sync_batchnorm=True, **ddp_kwargs):
        """``model`` (already on its device) for training: DDP with SyncBatchNorm when distributed, else itself."""
        if not self.distributed:
            return model
        if sync_batchnorm:
            model = SyncBatchNorm.convert_sync_batchnorm(model)
        return DistributedDataParallel(model, **ddp_kwargs)

    @staticmethod
    def unwrap(model):
        """The plain model inside DDP: its ``state_dict()`` loads into a one-process run too."""
        return model.module if isinstance(model, DistributedDataParallel) else model

    def train_loader(self, dataset, global_batch_size, seed, drop_last=False, **loader_kwargs):
        """Shuffled batches of ``global_batch_size // world_size`` from this rank's share of the epoch's order.

        The order depends on ``(seed, epoch)`` only: call ``set_epoch(loader, epoch)`` before each epoch.
        """
        sampler = DistributedSampler(dataset, num_replicas=self.world_size, rank=self.rank, shuffle=True, seed=seed,
                                     drop_last=drop_last)
        return DataLoader(dataset, batch_size=self.local_batch_size(global_batch_size), sampler=sampler,
                          **loader_kwargs)

    @staticmethod
    def set_epoch(loader, epoch):
        loader.sampler.set_epoch(epoch)

    def eval_loader(self, dataset, batch_size, **loader_kwargs):
        """This rank's samples ``rank, rank + N, ...`` of ``dataset`` in order (no padding, no repeats)."""
        if not self.distributed:
            return DataLoader(dataset, batch_size=batch_size, **loader_kwargs)
        indices = list(range(self.rank, len(dataset), self.world_size))
        return DataLoader(Subset(dataset, indices), batch_size=batch_size, **loader_kwargs)

    # ------------------------------------------------------------ agreeing across ranks
    def sum(self, *values):
        """The sums over all ranks of a few numbers (one all-reduce); the numbers themselves on one process."""
        if not self.distributed:
            return values
        t = Tensor(np.asarray(values, dtype=np.float64))
        dist.all_reduce(t)
        return tuple(float(v) for v in t.tolist())

    def totals_to_save(self, *values):
        """A mid-epoch checkpoint's running sums: the sums over all ranks (every rank must call this)."""
        return self.sum(*values)

    def totals_to_resume(self, *saved):
        """Running sums to continue from: the saved global sums on rank 0, zeros on the others (so that
        the end-of-epoch ``sum`` counts each sample once)."""
        return tuple(saved) if self.is_main else tuple(0.0 for _ in saved)

    def any_rank(self, flag):
        """True on every rank when ``flag`` is true on at least one (e.g. a stop request)."""
        return bool(self.sum(float(bool(flag)))[0]) if self.distributed else bool(flag)

    def gather_sharded(self, array):
        """The whole evaluation set's per-sample results from each rank's ``eval_loader`` share, in order."""
        if not self.distributed:
            return array
        parts = [None] * self.world_size
        dist.all_gather_object(parts, np.asarray(array))
        full = np.empty(sum(len(p) for p in parts), dtype=parts[0].dtype)
        for rank, part in enumerate(parts):
            full[rank::self.world_size] = part
        return full

    def barrier(self):
        if self.distributed:
            dist.barrier()

    def close(self):
        if self.distributed and dist.is_initialized():
            dist.barrier()
            dist.destroy_process_group()
