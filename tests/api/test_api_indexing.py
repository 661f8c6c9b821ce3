"""Indexing, rearranging and products (gather, scatter, masked_fill, index_select, flip, roll, tril,
einsum, outer, dot, addmm ...): values, gradients (float64 gradcheck, random cotangent), PyTorch parity."""
import numpy as np
import pytest

import minitorch_cnn as mt
from core_checks import check_op, requires_torch, torch

RNG = np.random.default_rng(1)
X = RNG.standard_normal((3, 4))
T = (lambda f: f) if torch else (lambda f: None)


def test_gather_with_repeated_indices():
    idx = np.array([[0, 0, 3], [1, 2, 1], [3, 3, 3]])
    check_op(lambda x: mt.gather(x, 1, mt.tensor(idx)), [X], lambda x: np.take_along_axis(x, idx, 1),
             T(lambda x: torch.gather(x, 1, torch.tensor(idx))))
    check_op(lambda x: x.gather(0, mt.tensor(idx % 3)), [X], None, T(lambda x: x.gather(0, torch.tensor(idx % 3))))
    with pytest.raises(RuntimeError, match="out of bounds"):
        mt.gather(mt.tensor(X), 1, mt.tensor([[4]]))


def test_scatter_and_one_hot():
    labels = mt.tensor([2, 0, 1])
    one_hot = mt.zeros(3, 4).scatter_(1, labels.unsqueeze(1), 1.0)
    assert one_hot.tolist() == [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]]
    idx = np.array([[0, 1, 0], [2, 2, 1]])
    src = RNG.standard_normal((2, 3))
    check_op(lambda x, s: mt.scatter_add(x, 1, mt.tensor(idx), s), [X[:2], src], None,
             T(lambda x, s: torch.scatter_add(x, 1, torch.tensor(idx), s)))
    uniq = np.array([[0, 1, 3], [2, 0, 1]])
    check_op(lambda x, s: x.scatter(1, mt.tensor(uniq), s), [X[:2], src], None,
             T(lambda x, s: x.scatter(1, torch.tensor(uniq), s)))
    acc = mt.zeros(4).index_add_(0, mt.tensor([0, 0, 3]), mt.tensor([1.0, 2.0, 5.0]))
    assert acc.tolist() == [3.0, 0.0, 0.0, 5.0]


def test_masked_fill_index_select_masked_select():
    mask = X > 0.3
    check_op(lambda x: x.masked_fill(mt.tensor(mask), -1.0), [X], lambda x: np.where(mask, -1.0, x),
             T(lambda x: x.masked_fill(torch.tensor(mask), -1.0)))
    row_mask = mt.tensor([True, False, True, False])  # broadcasts over the rows
    assert (mt.tensor(X).masked_fill(row_mask, 0.0).numpy()[:, [0, 2]] == 0).all()
    y = mt.tensor(X).clone()
    assert y.masked_fill_(mt.tensor(mask), 0.0) is y and (y.numpy()[mask] == 0).all()
    check_op(lambda x: mt.index_select(x, 1, mt.tensor([3, 0, 3])), [X], lambda x: x[:, [3, 0, 3]],
             T(lambda x: torch.index_select(x, 1, torch.tensor([3, 0, 3]))))
    check_op(lambda x: x.masked_select(mt.tensor(mask)), [X], lambda x: x[mask],
             T(lambda x: x.masked_select(torch.tensor(mask))))
    with pytest.raises(RuntimeError, match="expected BoolTensor for mask"):
        mt.tensor(X).masked_fill(mt.tensor(mask.astype(np.int64)), 0.0)


def test_nonzero_and_where_single_argument():
    x = mt.tensor([[0, 2], [3, 0]])
    assert mt.nonzero(x).tolist() == [[0, 1], [1, 0]] and x.argwhere().tolist() == [[0, 1], [1, 0]]
    rows, cols = x.nonzero(as_tuple=True)
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0]


def test_rearranging():
    check_op(lambda x: mt.flip(x, [0, 1]), [X], lambda x: x[::-1, ::-1], T(lambda x: torch.flip(x, [0, 1])))
    check_op(lambda x: x.roll(1, 1), [X], lambda x: np.roll(x, 1, 1), T(lambda x: x.roll(1, 1)))
    check_op(lambda x: mt.roll(x, (1, -2), (0, 1)), [X], lambda x: np.roll(x, (1, -2), (0, 1)),
             T(lambda x: torch.roll(x, (1, -2), (0, 1))))
    check_op(lambda x: mt.roll(x, 5), [X], lambda x: np.roll(x, 5), T(lambda x: torch.roll(x, 5)))
    check_op(lambda x: x.narrow(1, 1, 2), [X], lambda x: x[:, 1:3], T(lambda x: x.narrow(1, 1, 2)))
    check_op(lambda x: mt.tril(x, -1), [X], lambda x: np.tril(x, -1), T(lambda x: torch.tril(x, -1)))
    check_op(lambda x: x.triu(1), [X], lambda x: np.triu(x, 1), T(lambda x: x.triu(1)))
    check_op(lambda x: mt.movedim(x[None], 0, 2), [X], lambda x: np.moveaxis(x[None], 0, 2),
             T(lambda x: torch.movedim(x[None], 0, 2)))
    check_op(lambda x: x.repeat_interleave(2, dim=0), [X], lambda x: np.repeat(x, 2, 0),
             T(lambda x: x.repeat_interleave(2, dim=0)))
    check_op(lambda x: mt.tile(x, (2,)), [X], lambda x: np.tile(x, (1, 2)), T(lambda x: torch.tile(x, (2,))))
    check_op(lambda v: mt.diag(v, 1), [X[0]], lambda v: np.diag(v, 1), T(lambda v: torch.diag(v, 1)))
    check_op(lambda x: mt.diag(x, -1), [X], lambda x: np.diag(x, -1), T(lambda x: torch.diag(x, -1)))
    check_op(lambda x: x.trace(), [X], np.trace, T(lambda x: x.trace()))
    parts = mt.tensor(X).unbind(1)
    assert len(parts) == 4 and parts[2].tolist() == X[:, 2].tolist()
    assert mt.tensor(X).select(0, -1).tolist() == X[-1].tolist()
    assert mt.hstack([mt.ones(2), mt.zeros(3)]).shape == (5,) and mt.vstack([mt.ones(3), mt.zeros(3)]).shape == (2, 3)
    assert mt.column_stack([mt.ones(2), mt.zeros(2)]).shape == (2, 2) and mt.broadcast_to(mt.ones(3), (2, 3)).shape == (2, 3)
    gx, gy = mt.meshgrid(mt.arange(3), mt.arange(2), indexing="ij")
    assert gx.shape == (3, 2) and gy.tolist() == [[0, 1]] * 3
    gx, gy = mt.meshgrid(mt.arange(3), mt.arange(2), indexing="xy")
    assert gx.shape == (2, 3) and gx.tolist() == [[0, 1, 2]] * 2


EINSUM = ["ij,jk->ik", "ij->ji", "ij->", "ij->j", "ii->i", "ii", "bij,bjk->bik", "i,j->ij", "...j,jk->...k",
          "ij,ij->i", "ij,kj"]


@pytest.mark.parametrize("eq", EINSUM)
def test_einsum(eq):
    shapes = {"ij,jk->ik": [(3, 4), (4, 2)], "ij->ji": [(3, 4)], "ij->": [(3, 4)], "ij->j": [(3, 4)],
              "ii->i": [(3, 3)], "ii": [(3, 3)], "bij,bjk->bik": [(2, 3, 4), (2, 4, 2)], "i,j->ij": [(3,), (4,)],
              "...j,jk->...k": [(2, 3, 4), (4, 2)], "ij,ij->i": [(3, 4), (3, 4)], "ij,kj": [(3, 4), (2, 4)]}[eq]
    arrays = [RNG.standard_normal(s) for s in shapes]
    check_op(lambda *t: mt.einsum(eq, *t), arrays, lambda *a: np.einsum(eq, *a),
             T(lambda *t: torch.einsum(eq, *t)))
    assert mt.einsum(eq, [mt.tensor(a) for a in arrays]).shape == np.einsum(eq, *arrays).shape


def test_products():
    a, b = RNG.standard_normal(3), RNG.standard_normal(4)
    check_op(mt.outer, [a, b], np.outer, T(torch.outer))
    check_op(mt.dot, [a, a], np.dot, T(torch.dot))
    check_op(mt.mv, [X, b], np.dot, T(torch.mv))
    m2 = RNG.standard_normal((4, 2))
    check_op(lambda c, x, y: mt.addmm(c, x, y, beta=0.5, alpha=2), [np.ones((3, 2)), X, m2],
             lambda c, x, y: 0.5 * c + 2 * x @ y, T(lambda c, x, y: torch.addmm(c, x, y, beta=0.5, alpha=2)))
    check_op(lambda x, y: mt.cdist(x, y), [X, m2.T], None, T(lambda x, y: torch.cdist(x, y)))
    with pytest.raises(RuntimeError, match="1D tensors expected"):
        mt.dot(mt.tensor(X), mt.tensor(X))
    k = mt.kron(mt.tensor([[1.0, 2.0]]), mt.tensor([[1.0], [10.0]]))
    assert k.tolist() == [[1.0, 2.0], [10.0, 20.0]]
    assert mt.tensordot(mt.tensor(X), mt.tensor(m2), dims=1).shape == (3, 2)
    assert mt.cross(mt.tensor([1.0, 0, 0]), mt.tensor([0.0, 1, 0]), dim=0).tolist() == [0.0, 0.0, 1.0]


def test_second_derivatives_through_masked_fill_and_roll():
    x = mt.tensor(X, requires_grad=True)
    mask = mt.tensor(X > 0.3)
    assert mt.autograd.gradgradcheck(lambda t: (t.masked_fill(mask, 0.0) ** 3), [x])
    assert mt.autograd.gradgradcheck(lambda t: mt.roll(t, (1, 2), (0, 1)) ** 2, [x])
