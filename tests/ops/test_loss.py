"""Losses: plain NumPy references, gradcheck, PyTorch parity for every option, errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from cnn_helpers import assert_gradcheck, assert_torch_parity
from conftest import requires_torch


def log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def test_cross_entropy_matches_definition():
    rng = np.random.default_rng(0)
    x, t, w = rng.standard_normal((5, 4)), np.array([0, 3, 1, 1, 2]), rng.random(4)
    logp = log_softmax(x, 1)
    per_item = -w[t] * logp[np.arange(5), t]
    got = F.cross_entropy(mt.tensor(x), mt.tensor(t), weight=mt.tensor(w))
    assert np.isclose(got.item(), per_item.sum() / w[t].sum())
    ignored = F.cross_entropy(mt.tensor(x), mt.tensor(t), ignore_index=1, reduction="sum")
    assert np.isclose(ignored.item(), -logp[[0, 1, 4], [0, 3, 2]].sum())


def test_cross_entropy_is_stable_for_huge_logits():
    x = mt.tensor([[1e4, -1e4, 0.0]], dtype=mt.float32, requires_grad=True)
    loss = F.cross_entropy(x, mt.tensor([1]))
    loss.backward()
    assert np.isclose(loss.item(), 2e4) and np.isfinite(x.grad.numpy()).all()


options = st.fixed_dictionaries({
    "reduction": st.sampled_from(["mean", "sum", "none"]),
    "label_smoothing": st.sampled_from([0.0, 0.25]),
    "ignore_index": st.sampled_from([-100, 1]),
    "weighted": st.booleans(),
    "spatial": st.booleans(),
})


@requires_torch
@given(options, st.integers(0, 2**16))
def test_cross_entropy_and_nll_match_torch(opt, seed):
    import torch
    import torch.nn.functional as TF

    rng = np.random.default_rng(seed)
    shape, tshape = ((2, 4, 3, 2), (2, 3, 2)) if opt["spatial"] else ((5, 4), (5,))
    x, t, w = rng.standard_normal(shape), rng.integers(0, 4, tshape), rng.random(4) + 0.1
    kw = dict(reduction=opt["reduction"], ignore_index=opt["ignore_index"])
    ours = dict(kw, weight=mt.tensor(w) if opt["weighted"] else None)
    theirs = dict(kw, weight=torch.tensor(w) if opt["weighted"] else None)
    ls = opt["label_smoothing"]
    assert_torch_parity(lambda x: F.cross_entropy(x, mt.tensor(t), label_smoothing=ls, **ours),
                        lambda x: TF.cross_entropy(x, torch.tensor(t), label_smoothing=ls, **theirs), [x])
    assert_torch_parity(lambda x: F.nll_loss(x, mt.tensor(t), **ours),
                        lambda x: TF.nll_loss(x, torch.tensor(t), **theirs), [x])
    p = rng.random(shape)
    p /= p.sum(axis=1, keepdims=True)
    assert_torch_parity(lambda x: F.cross_entropy(x, mt.tensor(p), label_smoothing=ls, reduction=opt["reduction"]),
                        lambda x: TF.cross_entropy(x, torch.tensor(p), label_smoothing=ls,
                                                   reduction=opt["reduction"]), [x])


@given(options, st.integers(0, 2**16))
def test_cross_entropy_gradcheck(opt, seed):
    rng = np.random.default_rng(seed)
    shape, tshape = ((2, 3, 2, 2), (2, 2, 2)) if opt["spatial"] else ((4, 3), (4,))
    x, t = rng.standard_normal(shape), mt.tensor(rng.integers(0, 3, tshape))
    w = mt.tensor(rng.random(3) + 0.1) if opt["weighted"] else None
    assert_gradcheck(lambda x: F.cross_entropy(x, t, weight=w, ignore_index=opt["ignore_index"],
                                               reduction=opt["reduction"],
                                               label_smoothing=opt["label_smoothing"]), [x])


@requires_torch
@given(st.sampled_from(["mean", "sum", "none"]), st.sampled_from([0.0, 0.5, 1.0, 2.0]), st.integers(0, 2**16))
def test_regression_and_binary_losses_match_torch(reduction, beta, seed):
    import torch
    import torch.nn.functional as TF

    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    for name in ("mse_loss", "l1_loss"):
        assert_torch_parity(lambda a, b: getattr(F, name)(a, b, reduction=reduction),
                            lambda a, b: getattr(TF, name)(a, b, reduction=reduction), [a, b])
    assert_torch_parity(lambda a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=beta),
                        lambda a, b: TF.smooth_l1_loss(a, b, reduction=reduction, beta=beta), [a, b])
    p, t, w, pw = rng.random((3, 4)) * 0.9 + 0.05, rng.random((3, 4)), rng.random(4), rng.random(4) * 3
    assert_torch_parity(lambda p, t: F.binary_cross_entropy(p, t, weight=mt.tensor(w), reduction=reduction),
                        lambda p, t: TF.binary_cross_entropy(p, t, weight=torch.tensor(w), reduction=reduction),
                        [p, t])
    assert_torch_parity(
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=reduction, pos_weight=mt.tensor(pw)),
        lambda x, t: TF.binary_cross_entropy_with_logits(x, t, reduction=reduction, pos_weight=torch.tensor(pw)),
        [a * 30, t])


def test_binary_losses_gradcheck_and_extremes():
    rng = np.random.default_rng(0)
    p, t = rng.random((3, 2)) * 0.8 + 0.1, rng.random((3, 2))
    assert_gradcheck(lambda p, t: F.binary_cross_entropy(p, t), [p, t])
    assert_gradcheck(lambda x, t: F.binary_cross_entropy_with_logits(x, t), [rng.standard_normal((3, 2)), t])
    # log clamped at -100: finite at probability 0 and 1
    assert F.binary_cross_entropy(mt.tensor([0.0, 1.0]), mt.tensor([1.0, 0.0])).item() == 100.0
    assert np.isfinite(F.binary_cross_entropy_with_logits(mt.tensor([1e4, -1e4]), mt.tensor([0.0, 1.0])).item())


def test_loss_errors():
    x = mt.randn(3, 4)
    with pytest.raises(IndexError, match="Target 4 is out of bounds"):
        F.cross_entropy(x, mt.tensor([0, 1, 4]))
    with pytest.raises(IndexError, match="Target -2 is out of bounds"):
        F.nll_loss(x, mt.tensor([0, 1, -2]))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(2\)"):
        F.cross_entropy(x, mt.tensor([0, 1]))
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        F.mse_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match="Target size"):
        F.binary_cross_entropy_with_logits(mt.randn(3, 1), mt.rand(3))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(mt.tensor([1.5]), mt.tensor([1.0]))
