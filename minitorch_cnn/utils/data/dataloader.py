"""DataLoader: iterate over a dataset in (shuffled) mini-batches.

For a ``TensorDataset`` (or a ``Subset`` of one) with the default collate, a batch is gathered with
ONE fancy index per tensor, ``t[indices]``, instead of indexing and stacking sample by sample.
"""
import collections.abc
import warnings

import numpy as np

from ... import backend
from ...creation import as_tensor, tensor
from ...functions import stack
from ...tensor import Tensor
from .dataset import Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler


def default_collate(batch):
    """Merge a list of samples into a batch, like PyTorch's ``default_collate``.

    Tensors and NumPy arrays are stacked along a new first dimension; Python floats become a float64
    tensor, ints an int64 tensor; strings stay a list; dicts, namedtuples, tuples and lists are collated
    field by field (tuples come back as lists, as in PyTorch).
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind not in "biuf":
            raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                            f"found array of dtype {elem.dtype}")
        return stack([as_tensor(b) for b in batch], 0)
    if isinstance(elem, np.generic):
        return as_tensor(np.array(batch))
    if isinstance(elem, float):
        return tensor(batch, dtype="float64")
    if isinstance(elem, (bool, int)):
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        return collated if type(elem) is dict else type(elem)(collated)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(field)) for field in zip(*batch)]
    raise TypeError("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(elem)}")


class DataLoader:
    """Batches of ``dataset``: ``for x, y in DataLoader(ds, batch_size=64, shuffle=True): ...``

    Args:
        dataset: a Dataset (``__getitem__`` and ``__len__``).
        batch_size: samples per batch (``None``: yield single samples, uncollated).
        shuffle: visit the samples in a new random order every epoch (from ``generator`` or the
            default generator, so ``mt.manual_seed`` makes it reproducible).
        sampler / batch_sampler: a custom order of indices / of index lists.
        num_workers: accepted for compatibility; loading always runs in the main process.
        collate_fn: merges a list of samples into a batch (default: ``default_collate``).
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        pin_memory, timeout, worker_init_fn, multiprocessing_context: accepted and ignored (no workers).
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        if num_workers > 0:
            warnings.warn("minitorch_cnn's DataLoader has no worker processes: num_workers is ignored and batches "
                          "are loaded in the main process", stacklevel=2)
        self._custom_sampler = sampler is not None or batch_sampler is not None
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn
        self.generator = generator

    def __len__(self):
        return len(self.batch_sampler) if self.batch_sampler is not None else len(self.sampler)

    def __iter__(self):
        if self.batch_sampler is None:  # no auto-batching: one sample at a time
            for i in self.sampler:
                sample = self.dataset[i]
                yield sample if self.collate_fn is None else self.collate_fn(sample)
            return
        source = _tensor_source(self.dataset) if self.collate_fn is None else None
        for indices in self._index_batches():
            if source is not None:
                tensors, base = source
                rows = indices if base is None else base[indices]
                yield [_gather(t, rows) for t in tensors]
            else:
                collate = self.collate_fn or default_collate
                yield collate([self.dataset[int(i)] for i in indices])

    def _index_batches(self):
        """Each batch's indices as an int64 array; with the built-in samplers, slices of one permutation."""
        if self._custom_sampler:
            yield from (np.asarray(batch, dtype=np.int64) for batch in self.batch_sampler)
            return
        order = self.sampler.indices() if isinstance(self.sampler, RandomSampler) else np.arange(len(self.dataset))
        n_batches = len(self)
        for b in range(n_batches):
            yield order[b * self.batch_size:(b + 1) * self.batch_size]


def _tensor_source(dataset):
    """``(tensors, row map)`` when ``dataset`` is a TensorDataset or nested Subsets of one; else None."""
    rows = None
    while isinstance(dataset, Subset):
        indices = np.asarray(dataset.indices, dtype=np.int64)
        rows = indices if rows is None else indices[rows]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset:
        return None
    return dataset.tensors, rows


def _gather(t, rows):
    """``t[rows]`` with one fancy index (on the tensor's device); no graph is recorded for data."""
    return Tensor._from_op(t._data[backend.to_device(rows, t.device)], None)
