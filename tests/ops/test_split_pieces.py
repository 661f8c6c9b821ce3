"""unbind / split / chunk: pieces fed by one node, whose backward assembles the input's gradient once.

Against PyTorch (float64): values, gradients with some pieces unused, accumulation over two backward
passes, second derivatives, node names and ``next_functions``; and the property that makes backward
linear in the input's size: only the first piece's backward of a pass hands on an array (the shared
buffer), the others write their slice into it and hand on nothing."""
import numpy as np
import pytest

import minitorch_cnn as mt
from conftest import requires_torch
from minitorch_cnn.ops import shape as shape_ops

X = np.random.default_rng(0).standard_normal((5, 3, 4))

CASES = {
    "unbind": (lambda t: t.unbind(1), "UnbindBackward0"),
    "mt.unbind": (lambda t: mt.unbind(t, 0), "UnbindBackward0"),
    "split": (lambda t: t.split(2, 2), "SplitBackward0"),
    "split_with_sizes": (lambda t: mt.split(t, [1, 0, 4], 0), "SplitWithSizesBackward0"),
    "chunk": (lambda t: t.chunk(3, 0), "SplitBackward0"),
    "mt.chunk": (lambda t: mt.chunk(t, 2, -1), "SplitBackward0"),
}


def _torch_version(name):
    import torch

    return {"unbind": lambda t: t.unbind(1), "mt.unbind": lambda t: torch.unbind(t, 0),
            "split": lambda t: t.split(2, 2), "split_with_sizes": lambda t: torch.split(t, [1, 0, 4], 0),
            "chunk": lambda t: t.chunk(3, 0), "mt.chunk": lambda t: torch.chunk(t, 2, -1)}[name]


def _run(lib, cut, weights=None):
    """Gradients through the pieces (piece 1 unused), twice accumulated, and a second derivative."""
    x = lib.tensor(X, requires_grad=True)
    pieces = cut(x * 2)
    names = pieces[0].grad_fn.name(), pieces[-1].grad_fn.next_functions[0][0].name()
    if weights is None:
        rng = np.random.default_rng(1)
        weights = [rng.standard_normal(tuple(p.shape)) for p in pieces]
    loss = sum((p * p * lib.tensor(w)).sum() for i, (p, w) in enumerate(zip(pieces, weights)) if i != 1)
    loss.backward(retain_graph=True)
    once = x.grad.numpy().copy()
    loss.backward()
    twice = x.grad.numpy().copy()
    x2 = lib.tensor(X, requires_grad=True)
    cubes = sum((p ** 3 * lib.tensor(w)).sum() for p, w in zip(cut(x2 * 1.5), weights))
    (gx,) = lib.autograd.grad(cubes, x2, create_graph=True)
    (ggx,) = lib.autograd.grad((gx * gx).sum(), x2)
    values = [p.detach().numpy() for p in pieces]
    return values, once, twice, gx.detach().numpy(), ggx.numpy(), names, weights


@requires_torch
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    cut, node_name = CASES[name]
    ours = _run(mt, cut)
    theirs = _run(__import__("torch"), _torch_version(name), weights=ours[-1])
    assert len(ours[0]) == len(theirs[0])
    for a, b in zip(ours[0], theirs[0]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ours[1], theirs[1])
    np.testing.assert_array_equal(ours[2], 2 * ours[1])  # the second pass got a buffer of its own
    np.testing.assert_array_equal(ours[2], theirs[2])
    np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(ours[4], theirs[4], rtol=1e-12, atol=1e-12)
    assert ours[5] == theirs[5] == (node_name, "MulBackward0")


def test_only_the_first_piece_hands_on_an_array(monkeypatch):
    handed = []
    backward = shape_ops.Piece.backward

    def recording(self, g):
        out = backward(self, g)
        handed.append(out)
        return out

    monkeypatch.setattr(shape_ops.Piece, "backward", recording)
    x = mt.tensor(X, requires_grad=True)
    y = x * 1
    sum((p * (i + 1)).sum() for i, p in enumerate(y.unbind(0))).backward()
    assert len(handed) == 5
    arrays = [h for h in handed if h is not None]
    assert len(arrays) == 1 and arrays[0].shape == X.shape
    np.testing.assert_array_equal(x.grad.numpy(), np.broadcast_to(np.arange(1.0, 6.0)[:, None, None], X.shape))


def test_a_pass_broken_off_leaves_no_stale_gradient():
    x = mt.tensor(X, requires_grad=True)
    pieces = (x * 1).unbind(0)
    calls = []

    def hook(g):  # the second piece's hook raises once: one piece has written its slice by then
        calls.append(1)
        if len(calls) == 2:
            raise ValueError("boom")

    for p in pieces:
        p.register_hook(hook)
    loss = sum((p * (i + 1)).sum() for i, p in enumerate(pieces))
    with pytest.raises(ValueError, match="boom"):
        loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.broadcast_to(np.arange(1.0, 6.0)[:, None, None], X.shape))


def test_pieces_are_views():
    y = mt.tensor(X.copy())
    y.unbind(1)[0].add_(10)
    with mt.no_grad():
        y.split(2, 0)[2].mul_(0)
    expected = X.copy()
    expected[:, 0] += 10
    expected[4] = 0
    np.testing.assert_array_equal(y.numpy(), expected)
    x = mt.tensor(X, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^add_: in-place operation on a view \(the output of UnbindBackward0\)"):
        (x * 2).unbind()[0].add_(1)
