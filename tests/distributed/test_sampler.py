"""DistributedSampler against torch.utils.data.DistributedSampler: the same index lists, rank by rank."""
import itertools

import pytest

import minitorch_cnn as mt
from minitorch_cnn.random import Generator, permutation_array
from minitorch_cnn.utils.data import DataLoader, DistributedSampler, TensorDataset

torch = pytest.importorskip("torch")

SIZES = (1, 2, 5, 7, 10, 16, 17)
REPLICAS = (1, 2, 3, 4, 8)


def _ours_and_torchs(n, replicas, rank, drop_last, shuffle, epoch, seed=0):
    ours = DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=shuffle, seed=seed,
                              drop_last=drop_last)
    theirs = torch.utils.data.DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=shuffle,
                                                 seed=seed, drop_last=drop_last)
    ours.set_epoch(epoch)
    theirs.set_epoch(epoch)
    return ours, theirs


@pytest.mark.parametrize("drop_last", [False, True])
def test_unshuffled_indices_equal_torchs(drop_last):
    for n, replicas in itertools.product(SIZES, REPLICAS):
        for rank in range(replicas):
            ours, theirs = _ours_and_torchs(n, replicas, rank, drop_last, shuffle=False, epoch=0)
            assert list(ours) == list(theirs), (n, replicas, rank)
            assert len(ours) == len(theirs) and ours.total_size == theirs.total_size


@pytest.mark.parametrize("drop_last", [False, True])
def test_shuffled_indices_equal_torchs_given_the_same_permutation(monkeypatch, drop_last):
    # the two libraries' random streams differ; hand torch our permutation of seed + epoch and the
    # padding, truncation and striding must then agree exactly
    seeds_seen = []

    def our_randperm(n, generator=None, **kwargs):
        seeds_seen.append(generator.initial_seed())
        return torch.tensor(permutation_array(n, "cpu", Generator().manual_seed(generator.initial_seed())))

    monkeypatch.setattr(torch, "randperm", our_randperm)
    for n, replicas, epoch in itertools.product(SIZES, REPLICAS, (0, 3)):
        for rank in range(replicas):
            ours, theirs = _ours_and_torchs(n, replicas, rank, drop_last, shuffle=True, epoch=epoch, seed=5)
            assert list(ours) == list(theirs), (n, replicas, rank, epoch)
    assert set(seeds_seen) == {5, 8}


def test_example_from_the_docs():
    assert list(DistributedSampler(range(10), num_replicas=3, rank=2, shuffle=False)) == [2, 5, 8, 1]
    assert list(DistributedSampler(range(10), num_replicas=3, rank=2, shuffle=False, drop_last=True)) == [2, 5, 8]


def test_ranks_cover_the_epoch_and_set_epoch_reshuffles():
    shares = [list(DistributedSampler(range(12), num_replicas=3, rank=r, seed=1)) for r in range(3)]
    assert sorted(sum(shares, [])) == list(range(12))
    sampler = DistributedSampler(range(12), num_replicas=3, rank=0, seed=1)
    first = list(sampler)
    assert list(sampler) == first  # no set_epoch: the same order again
    sampler.set_epoch(1)
    assert list(sampler) != first


def test_same_order_on_every_rank_independent_of_the_default_generator():
    a = DistributedSampler(range(50), num_replicas=2, rank=0, seed=3)
    mt.manual_seed(0)
    first = list(a)
    mt.manual_seed(123)
    assert list(a) == first


def test_invalid_rank_message_matches_torch():
    with pytest.raises(ValueError) as ours:
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.DistributedSampler(range(4), num_replicas=2, rank=2)
    assert str(ours.value) == str(theirs.value)


def test_needs_a_process_group_when_replicas_are_not_given():
    if not mt.distributed.is_available():
        with pytest.raises(RuntimeError, match="Requires distributed package to be available"):
            DistributedSampler(range(4))
    else:
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            DistributedSampler(range(4))


def test_drives_a_dataloader():
    data = TensorDataset(mt.arange(10).float())
    loader = DataLoader(data, batch_size=2, sampler=DistributedSampler(data, num_replicas=3, rank=1, shuffle=False))
    assert [b[0].tolist() for b in loader] == [[1.0, 4.0], [7.0, 0.0]]
