"""Dataset, TensorDataset, Subset, ConcatDataset and random_split: PyTorch's semantics."""
import pytest

import minitorch_cnn as mt
from minitorch_cnn.utils.data import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from conftest import requires_torch


class _Range(Dataset):
    def __init__(self, start, n):
        self.start, self.n = start, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return self.start + i


def test_tensor_dataset():
    x, y = mt.arange(12.0).reshape(4, 3), mt.arange(4)
    ds = TensorDataset(x, y)
    assert len(ds) == 4
    xi, yi = ds[2]
    assert xi.tolist() == [6.0, 7.0, 8.0] and yi.item() == 2
    with pytest.raises(ValueError, match="Size mismatch between tensors"):
        TensorDataset(x, mt.arange(5))


def test_subset_and_concat_indexing():
    cat = _Range(0, 3) + _Range(100, 2)
    assert isinstance(cat, ConcatDataset) and len(cat) == 5 and cat.cumulative_sizes == [3, 5]
    assert [cat[i] for i in range(5)] == [0, 1, 2, 100, 101] and cat[-1] == 101 and cat[-5] == 0
    with pytest.raises(ValueError, match="absolute value of index"):
        cat[-6]
    with pytest.raises(IndexError):
        cat[5]
    sub = Subset(cat, [4, 0, 3])
    assert len(sub) == 3 and [sub[i] for i in range(3)] == [101, 0, 100]
    with pytest.raises(ValueError, match="empty iterable"):
        ConcatDataset([])


@pytest.mark.parametrize("n, lengths", [(10, [3, 7]), (10, [0.3, 0.7]), (7, [0.33, 0.33, 0.34]), (5, [0.5, 0.5])])
def test_random_split_partitions(n, lengths):
    parts = random_split(_Range(0, n), lengths, generator=mt.Generator().manual_seed(1))
    items = [[p[i] for i in range(len(p))] for p in parts]
    assert sorted(sum(items, [])) == list(range(n))


@requires_torch
@pytest.mark.parametrize("n, lengths", [(10, [0.3, 0.7]), (7, [0.33, 0.33, 0.34]), (11, [0.25, 0.25, 0.25, 0.25])])
def test_random_split_lengths_match_torch(n, lengths):
    import torch

    ours = [len(p) for p in random_split(_Range(0, n), lengths)]
    theirs = [len(p) for p in torch.utils.data.random_split(range(n), lengths)]
    assert ours == theirs


def test_random_split_is_reproducible_and_checks_lengths():
    a = random_split(_Range(0, 9), [4, 5], generator=mt.Generator().manual_seed(5))
    b = random_split(_Range(0, 9), [4, 5], generator=mt.Generator().manual_seed(5))
    assert a[0].indices == b[0].indices and a[1].indices == b[1].indices
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(_Range(0, 9), [4, 4])
    with pytest.raises(ValueError, match="not between 0 and 1"):
        random_split(_Range(0, 9), [1.5, -0.5])


def test_base_dataset_is_abstract():
    with pytest.raises(NotImplementedError):
        Dataset()[0]
