"""Sequential, ModuleList and ModuleDict: indexing, mutation, naming and repr as in PyTorch."""
from collections import OrderedDict

import numpy as np
import pytest
from conftest import requires_torch

import minitorch_cnn as mt
from minitorch_cnn import nn


def layers(n):
    return [nn.Linear(i + 1, i + 2) for i in range(n)]


def test_sequential_chains_and_indexes():
    a, b, c = layers(3)
    seq = nn.Sequential(a, b, c)
    x = mt.randn(2, 1)
    np.testing.assert_allclose(seq(x).data, c(b(a(x))).data)
    assert len(seq) == 3 and list(seq) == [a, b, c]
    assert seq[0] is a and seq[-1] is c
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and list(tail) == [b, c] and list(tail._modules) == ["1", "2"]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        seq[3]
    named = nn.Sequential(OrderedDict(first=a, second=b))
    assert named.first is a and [n for n, _ in named.named_parameters()] == [
        "first.weight", "first.bias", "second.weight", "second.bias"]


def test_sequential_mutation_keeps_numbering():
    a, b, c, d = layers(4)
    seq = nn.Sequential(a, b)
    assert seq.append(c) is seq and list(seq._modules) == ["0", "1", "2"]
    seq.insert(0, d)
    assert list(seq) == [d, a, b, c]
    del seq[1]
    assert list(seq) == [d, b, c] and list(seq._modules) == ["0", "1", "2"]
    assert seq.pop(-1) is c and list(seq) == [d, b]
    seq[0] = a
    assert list(seq) == [a, b]
    assert list(seq + nn.Sequential(c)) == [a, b, c] and list(seq.extend([c, d])) == [a, b, c, d]
    del seq[1:3]
    assert list(seq) == [a, d]
    with pytest.raises(ValueError, match="add operator supports only objects of Sequential class"):
        seq + [a]


def test_module_list():
    a, b, c = layers(3)
    ml = nn.ModuleList([a, b])
    ml.append(c)
    assert len(ml) == 3 and ml[-1] is c and list(ml[:2]) == [a, b] and isinstance(ml[:2], nn.ModuleList)
    assert [n for n, _ in ml.named_parameters()][:2] == ["0.weight", "0.bias"]
    ml.insert(1, c)
    assert list(ml) == [a, c, b, c]
    del ml[0]
    assert list(ml._modules) == ["0", "1", "2"] and ml.pop(0) is c
    ml += [a]
    assert list(ml + nn.ModuleList([c])) == [b, c, a, c]
    ml[0] = a
    assert ml[0] is a
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable"):
        ml.extend(3)
    with pytest.raises(NotImplementedError, match=r"Module \[ModuleList\] is missing the required \"forward\""):
        ml(mt.ones(1))


def test_module_dict():
    a, b, c = layers(3)
    md = nn.ModuleDict({"a": a})
    md.update([("b", b)])
    md["c"] = c
    assert list(md) == ["a", "b", "c"] and "b" in md and md["c"] is c and len(md) == 3
    assert list(md.keys()) == ["a", "b", "c"] and list(md.values()) == [a, b, c]
    assert md.pop("b") is b and list(md.items()) == [("a", a), ("c", c)]
    del md["a"]
    assert list(md) == ["c"]
    md.clear()
    assert len(md) == 0
    with pytest.raises(ValueError, match="element #0 has length 3; 2 is required"):
        md.update([("x", a, b)])


@requires_torch
def test_reprs_match_torch():
    import torch

    def build(nn):
        return nn.Sequential(
            nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2)]),
            nn.ModuleDict({"act": nn.ReLU(), "seq": nn.Sequential(nn.ReLU(), nn.Identity())}),
            nn.ModuleList(),
            nn.Sequential(),
        )

    assert repr(build(nn)) == repr(build(torch.nn))
