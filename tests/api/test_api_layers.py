"""The extra nn layers and functionals (softplus ... mish, prelu, layer/group norm, embedding,
normalize, cosine similarity, conv1d, 1-D pooling, padding and upsampling layers): forward and
gradients vs PyTorch (float64) and gradcheck with a random cotangent."""
import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import nn
from minitorch_cnn.nn import functional as F
from core_checks import check_op, requires_torch, torch

RNG = np.random.default_rng(2)
X = RNG.standard_normal((2, 3, 5)) * 2
TF = torch.nn.functional if torch else None


def _t(f):
    return f if torch else None


ACTIVATIONS = {
    "softplus": (lambda x: F.softplus(x), _t(lambda x: TF.softplus(x))),
    "softplus_beta": (lambda x: F.softplus(x, beta=2.0, threshold=3.0), _t(lambda x: TF.softplus(x, 2.0, 3.0))),
    "softsign": (F.softsign, _t(lambda x: TF.softsign(x))),
    "logsigmoid": (F.logsigmoid, _t(lambda x: TF.logsigmoid(x))),
    "hardsigmoid": (F.hardsigmoid, _t(lambda x: TF.hardsigmoid(x))),
    "hardswish": (F.hardswish, _t(lambda x: TF.hardswish(x))),
    "mish": (F.mish, _t(lambda x: TF.mish(x))),
    "selu": (F.selu, _t(lambda x: TF.selu(x))),
    # (PyTorch's celu gradient carries 1/alpha in float32, 1e-7 off the exact exp(x / alpha): no torch check)
    "celu": (lambda x: F.celu(x, 0.7), None),
    "threshold": (lambda x: F.threshold(x, 0.5, -2.0), _t(lambda x: TF.threshold(x, 0.5, -2.0))),
    "normalize": (lambda x: F.normalize(x, dim=1), _t(lambda x: TF.normalize(x, dim=1))),
    "normalize_p1": (lambda x: F.normalize(x, p=1, dim=-1), _t(lambda x: TF.normalize(x, p=1, dim=-1))),
    "layer_norm": (lambda x: F.layer_norm(x, (5,)), _t(lambda x: TF.layer_norm(x, (5,)))),
    "layer_norm2": (lambda x: F.layer_norm(x, (3, 5)), _t(lambda x: TF.layer_norm(x, (3, 5)))),
    "max_pool1d": (lambda x: F.max_pool1d(x, 2), _t(lambda x: TF.max_pool1d(x, 2))),
    "avg_pool1d": (lambda x: F.avg_pool1d(x, 3, 1, 1), _t(lambda x: TF.avg_pool1d(x, 3, 1, 1))),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_functionals(name):
    fn, torch_fn = ACTIVATIONS[name]
    x = X
    if name in ("hardsigmoid", "hardswish", "threshold"):  # keep off the kinks at -3, 3 and 0.5
        x = np.where(np.abs(np.abs(x) - 3) < 0.1, x + 0.3, x)
        x = np.where(np.abs(x - 0.5) < 0.1, x + 0.3, x)
    # PyTorch's hardsigmoid/hardswish gradients use 1/6 rounded to float32 (3e-8 relative): ours is exact
    atol = 1e-7 if name in ("hardsigmoid", "hardswish") else 1e-10
    check_op(fn, [x], None, torch_fn, atol=atol)


def test_celu_values_and_exact_gradient():
    x = mt.tensor(X, requires_grad=True)
    y = F.celu(x, 0.7)
    np.testing.assert_allclose(y.detach().numpy(), np.maximum(X, 0) + np.minimum(0, 0.7 * np.expm1(X / 0.7)),
                               rtol=1e-14, atol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(X > 0, 1.0, np.exp(X / 0.7)), rtol=1e-13)


def test_parameterised_functionals():
    w, b = RNG.standard_normal(5), RNG.standard_normal(5)
    check_op(lambda x, w, b: F.layer_norm(x, (5,), w, b), [X, w, b], None,
             _t(lambda x, w, b: TF.layer_norm(x, (5,), w, b)))
    gx = RNG.standard_normal((2, 4, 3))
    check_op(lambda x, w, b: F.group_norm(x, 2, w, b), [gx, w[:4], b[:4]], None,
             _t(lambda x, w, b: TF.group_norm(x, 2, w, b)))
    x = np.where(np.abs(X) < 0.1, 0.3, X)
    check_op(lambda x, a: F.prelu(x, a), [x, np.array([0.2, -0.1, 0.5])], None, _t(lambda x, a: TF.prelu(x, a)))
    y = RNG.standard_normal((2, 3, 5))
    check_op(lambda a, b: F.cosine_similarity(a, b, dim=1), [X, y], None,
             _t(lambda a, b: TF.cosine_similarity(a, b, dim=1)))
    check_op(lambda a, b: F.pairwise_distance(a, b), [X[0], y[0]], None, _t(lambda a, b: TF.pairwise_distance(a, b)))
    w1 = RNG.standard_normal((4, 3, 3))
    check_op(lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1), [X, w1, b[:4]], None,
             _t(lambda x, w, b: TF.conv1d(x, w, b, stride=2, padding=1)))
    check_op(lambda x, w: F.conv1d(x, w, dilation=2, groups=3), [X, RNG.standard_normal((3, 1, 2))], None,
             _t(lambda x, w: TF.conv1d(x, w, dilation=2, groups=3)))


def test_embedding():
    table = RNG.standard_normal((6, 3))
    idx = np.array([[0, 2, 2], [5, 0, 1]])
    check_op(lambda w: F.embedding(mt.tensor(idx), w), [table], lambda w: w[idx],
             _t(lambda w: TF.embedding(torch.tensor(idx), w)))
    # padding_idx: the same rows, and the padding row gets no gradient (by design, so no gradcheck)
    w = mt.tensor(table, requires_grad=True)
    out = F.embedding(mt.tensor(idx), w, padding_idx=0)
    cot = RNG.standard_normal(out.shape)
    out.backward(mt.tensor(cot))
    np.testing.assert_array_equal(out.detach().numpy(), table[idx])
    assert w.grad.numpy()[0].tolist() == [0.0, 0.0, 0.0] and np.abs(w.grad.numpy()[2]).sum() > 0
    if torch:
        tw = torch.tensor(table, requires_grad=True)
        TF.embedding(torch.tensor(idx), tw, padding_idx=0).backward(torch.tensor(cot))
        np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=0, atol=1e-12)
    emb = nn.Embedding(10, 4, padding_idx=1)
    assert emb.weight.shape == (10, 4) and emb.weight[1].tolist() == [0.0] * 4
    assert repr(emb) == "Embedding(10, 4, padding_idx=1)"
    frozen = nn.Embedding.from_pretrained(mt.ones(3, 2))
    assert not frozen.weight.requires_grad and frozen(mt.tensor([2])).tolist() == [[1.0, 1.0]]
    with pytest.raises(RuntimeError, match="'indices' to have one of the following scalar types"):
        emb(mt.ones(2))


@requires_torch
def test_layers_match_torch():
    cases = [
        (nn.Softplus(beta=2), torch.nn.Softplus(beta=2)), (nn.Mish(), torch.nn.Mish()), (nn.SELU(), torch.nn.SELU()),
        (nn.Hardswish(), torch.nn.Hardswish()), (nn.Hardsigmoid(), torch.nn.Hardsigmoid()),
        (nn.Hardtanh(-0.5, 0.5), torch.nn.Hardtanh(-0.5, 0.5)), (nn.LogSigmoid(), torch.nn.LogSigmoid()),
        (nn.Softsign(), torch.nn.Softsign()), (nn.CELU(0.5), torch.nn.CELU(0.5)), (nn.PReLU(), torch.nn.PReLU()),
        (nn.Threshold(0.1, 20.0), torch.nn.Threshold(0.1, 20.0)), (nn.LayerNorm(5), torch.nn.LayerNorm(5)),
        (nn.MaxPool1d(2), torch.nn.MaxPool1d(2)), (nn.AvgPool1d(2), torch.nn.AvgPool1d(2)),
    ]
    for ours, theirs in cases:
        out = ours.double()(mt.tensor(X)).detach().numpy()
        expected = theirs.double()(torch.tensor(X)).detach().numpy()
        np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12, err_msg=type(ours).__name__)
        assert repr(ours) == repr(theirs), (repr(ours), repr(theirs))
    img = RNG.standard_normal((1, 2, 3, 3))
    for ours, theirs in [(nn.ZeroPad2d(1), torch.nn.ZeroPad2d(1)), (nn.ConstantPad2d((1, 0, 2, 1), 3.5),
                                                                     torch.nn.ConstantPad2d((1, 0, 2, 1), 3.5)),
                         (nn.ReflectionPad2d(1), torch.nn.ReflectionPad2d(1)),
                         (nn.ReplicationPad2d((2, 1, 0, 1)), torch.nn.ReplicationPad2d((2, 1, 0, 1))),
                         (nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2)),
                         (nn.Upsample(size=(5, 4), mode="bilinear", align_corners=False),
                          torch.nn.Upsample(size=(5, 4), mode="bilinear", align_corners=False)),
                         (nn.GroupNorm(1, 2), torch.nn.GroupNorm(1, 2))]:
        np.testing.assert_allclose(ours.double()(mt.tensor(img)).detach().numpy(),
                                   theirs.double()(torch.tensor(img)).detach().numpy(), rtol=1e-10, atol=1e-12)
    conv, tconv = nn.Conv1d(3, 4, 3, padding=1, bias=False), torch.nn.Conv1d(3, 4, 3, padding=1, bias=False)
    assert repr(conv) == repr(tconv) and conv.weight.shape == tuple(tconv.weight.shape)
    tconv.weight.data = torch.tensor(conv.weight.detach().numpy())
    np.testing.assert_allclose(conv(mt.tensor(X.astype(np.float32))).detach().numpy(),
                               tconv(torch.tensor(X.astype(np.float32))).detach().numpy(), rtol=1e-5, atol=1e-5)
    a, b = RNG.standard_normal((2, 4)), RNG.standard_normal((2, 4))
    np.testing.assert_allclose(nn.CosineSimilarity()(mt.tensor(a), mt.tensor(b)).numpy(),
                               torch.nn.CosineSimilarity()(torch.tensor(a), torch.tensor(b)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(nn.PairwiseDistance()(mt.tensor(a), mt.tensor(b)).numpy(),
                               torch.nn.PairwiseDistance()(torch.tensor(a), torch.tensor(b)).numpy(), rtol=1e-12)
