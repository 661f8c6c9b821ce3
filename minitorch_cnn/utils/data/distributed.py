"""``DistributedSampler``: each rank's share of a dataset, as ``torch.utils.data.DistributedSampler``.

Every rank draws the same order (a permutation seeded with ``seed + epoch``), makes it a multiple of
the number of ranks, and takes every ``num_replicas``-th index starting at its rank: the ranks' shares
are disjoint and together cover the (padded) order once.

Padding (``drop_last=False``) repeats indices from the start of the order, so a few samples are seen
twice per epoch; ``drop_last=True`` drops the tail instead. Either way every rank gets the same
number of samples, so every rank runs the same number of steps (a collective waits for all ranks).
"""
import math

from ...random import Generator, permutation_array
from .sampler import Sampler


class DistributedSampler(Sampler):
    """Indices ``rank, rank + R, rank + 2R, ...`` of this epoch's order (R = ``num_replicas``).

    ``num_replicas`` and ``rank`` default to the default process group's world size and rank. Call
    ``set_epoch(epoch)`` at the start of every epoch, or every epoch repeats the same order.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            from ... import distributed as dist

            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(self.dataset)
        if self.drop_last and n % self.num_replicas != 0:
            # the largest multiple of num_replicas not above n: no rank is given padding
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def _epoch_order(self):
        """The order shared by all ranks this epoch, before padding: a list of dataset indices."""
        n = len(self.dataset)
        if not self.shuffle:
            return list(range(n))
        generator = Generator().manual_seed(self.seed + self.epoch)  # the same on every rank
        return permutation_array(n, "cpu", generator).tolist()

    def __iter__(self):
        indices = self._epoch_order()
        if not self.drop_last:
            padding_size = self.total_size - len(indices)
            if padding_size <= len(indices):
                indices += indices[:padding_size]
            else:  # fewer samples than ranks: repeat the whole order as often as needed
                indices += (indices * math.ceil(padding_size / len(indices)))[:padding_size]
        else:
            indices = indices[:self.total_size]
        assert len(indices) == self.total_size
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Reshuffle for ``epoch``: the order is seeded with ``seed + epoch``, identical on all ranks."""
        self.epoch = epoch
