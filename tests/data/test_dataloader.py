"""DataLoader and default_collate: batching semantics against PyTorch and a per-sample reference,
the one-fancy-index fast path, reproducible shuffling, samplers and argument errors."""
import collections

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn.utils.data import (BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler, Subset,
                                      TensorDataset, default_collate)
from conftest import requires_torch


def _dataset(n=10, device="cpu"):
    x = mt.arange(n * 3, dtype=mt.float32, device=device).reshape(n, 3)
    y = mt.arange(n, device=device) * 10
    return TensorDataset(x, y)


def _as_lists(batches):
    return [[t.tolist() for t in b] for b in batches]


def _reference_batches(dataset, order, batch_size, drop_last):
    """The naive loop: index sample by sample, collate each batch."""
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    if drop_last and len(batches[-1]) < batch_size:
        batches.pop()
    return [default_collate([dataset[i] for i in b]) for b in batches]


@pytest.mark.parametrize("n, batch_size, drop_last", [(10, 3, False), (10, 3, True), (10, 5, True), (4, 8, False)])
def test_sequential_batches_and_len(n, batch_size, drop_last, device):
    ds = _dataset(n, device)
    loader = DataLoader(ds, batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(batches) == (n // batch_size if drop_last else -(-n // batch_size))
    assert _as_lists(batches) == _as_lists(_reference_batches(ds, list(range(n)), batch_size, drop_last))
    assert all(isinstance(b, list) and b[0].device == ds.tensors[0].device for b in batches)


@requires_torch
@pytest.mark.parametrize("n, batch_size, drop_last", [(10, 3, False), (10, 3, True), (7, 7, False)])
def test_matches_torch_without_shuffle(n, batch_size, drop_last):
    import torch

    ours = list(DataLoader(_dataset(n), batch_size=batch_size, drop_last=drop_last))
    x = torch.arange(n * 3, dtype=torch.float32).reshape(n, 3)
    theirs = list(torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, torch.arange(n) * 10),
                                              batch_size=batch_size, drop_last=drop_last))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert type(a) is type(b) and [t.tolist() for t in a] == [t.tolist() for t in b]
        assert [str(t.dtype).split(".")[1] for t in a] == [str(t.dtype).split(".")[1] for t in b]


def test_shuffle_is_a_permutation_reproducible_and_new_each_epoch():
    ds = _dataset(12)
    mt.manual_seed(3)
    loader = DataLoader(ds, batch_size=5, shuffle=True)
    epoch1 = np.concatenate([b[1].numpy() for b in loader]) // 10
    epoch2 = np.concatenate([b[1].numpy() for b in loader]) // 10
    assert sorted(epoch1) == list(range(12)) and sorted(epoch2) == list(range(12))
    assert not np.array_equal(epoch1, epoch2)
    mt.manual_seed(3)
    again = np.concatenate([b[1].numpy() for b in DataLoader(ds, batch_size=5, shuffle=True)]) // 10
    assert np.array_equal(again, epoch1)
    g = mt.Generator().manual_seed(7)
    with_gen = [b[1].tolist() for b in DataLoader(ds, batch_size=4, shuffle=True, generator=g)]
    g.manual_seed(7)
    mt.manual_seed(123)  # the loader's own generator ignores the global seed
    assert [b[1].tolist() for b in DataLoader(ds, batch_size=4, shuffle=True, generator=g)] == with_gen


def test_fast_path_is_one_fancy_index_per_tensor(monkeypatch):
    """A TensorDataset (or Subsets of one) is never indexed sample by sample, and batches equal the
    per-sample path's (same shuffled order)."""
    ds = _dataset(20)
    sub = Subset(Subset(ds, list(range(19, -1, -1))), [0, 2, 4, 6, 8, 10, 12])
    mt.manual_seed(0)
    slow = list(DataLoader(sub, batch_size=3, shuffle=True, collate_fn=default_collate))
    monkeypatch.setattr(TensorDataset, "__getitem__", lambda self, i: pytest.fail("per-sample indexing"))
    mt.manual_seed(0)
    fast = list(DataLoader(sub, batch_size=3, shuffle=True))
    assert _as_lists(fast) == _as_lists(slow)
    assert sorted(v for b in fast for v in b[1].tolist()) == [70, 90, 110, 130, 150, 170, 190]


class _Squares(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": np.full((2,), i, dtype=np.float32), "y": i * i, "w": 0.5, "name": f"s{i}"}


def test_generic_dataset_dict_samples():
    batch = next(iter(DataLoader(_Squares(), batch_size=3)))
    assert batch["x"].shape == (3, 2) and batch["x"].dtype == mt.float32
    assert batch["y"].tolist() == [0, 1, 4] and batch["y"].dtype == mt.int64
    assert batch["w"].dtype == mt.float64 and batch["name"] == ["s0", "s1", "s2"]


@requires_torch
def test_default_collate_matches_torch():
    import torch
    from torch.utils.data import default_collate as torch_collate

    Point = collections.namedtuple("Point", "a b")
    samples = [{"t": np.arange(3.0) + i, "n": (i, 1.5 * i, True), "p": Point(i, [i, i + 1]), "s": "x",
                "g": np.float32(i)} for i in range(4)]
    ours, theirs = default_collate(samples), torch_collate(samples)

    def compare(a, b):
        if isinstance(b, torch.Tensor):
            assert isinstance(a, mt.Tensor) and a.tolist() == b.tolist()
            assert str(a.dtype).split(".")[1] == str(b.dtype).split(".")[1]
        elif isinstance(b, dict):
            assert type(a) is type(b) and a.keys() == b.keys()
            for k in b:
                compare(a[k], b[k])
        elif isinstance(b, (list, tuple)):
            assert type(a) is type(b) and len(a) == len(b)
            for x, y in zip(a, b):
                compare(x, y)
        else:
            assert a == b

    compare(ours, theirs)


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([mt.zeros(2), mt.zeros(3)])


def test_samplers_and_batch_sampler():
    ds = _dataset(7)
    assert list(SequentialSampler(ds)) == list(range(7))
    assert sorted(RandomSampler(ds)) == list(range(7))
    assert len(list(RandomSampler(ds, replacement=True, num_samples=20))) == 20
    assert list(BatchSampler(range(7), 3, drop_last=False)) == [[0, 1, 2], [3, 4, 5], [6]]
    loader = DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(ds), 4, drop_last=True))
    assert len(loader) == 1 and next(iter(loader))[1].tolist() == [0, 10, 20, 30]
    loader = DataLoader(ds, sampler=[6, 5, 4], batch_size=2)
    assert [b[1].tolist() for b in loader] == [[60, 50], [40]]
    single = list(DataLoader(ds, batch_size=None))
    assert len(single) == 7 and single[2][1].item() == 20


def test_num_workers_runs_in_process():
    with pytest.warns(UserWarning, match="main process"):
        loader = DataLoader(_dataset(4), batch_size=2, num_workers=2)
    assert len(list(loader)) == 2


@pytest.mark.parametrize("kwargs, match", [
    (dict(sampler=[0, 1], shuffle=True), "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
    (dict(batch_size=None, drop_last=True), "disables auto-batching"),
    (dict(num_workers=-1), "num_workers option should be non-negative"),
    (dict(batch_size=0), "batch_size should be a positive integer"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DataLoader(_dataset(4), **kwargs)
