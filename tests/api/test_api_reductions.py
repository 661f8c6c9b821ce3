"""Reductions and orderings (prod, cumsum, cumprod, norm, sort, topk, ...): values, gradients
(gradcheck in float64 with a random cotangent, including inputs with zeros and ties) and PyTorch parity;
the axis=/keepdims= aliases and dim tuples."""
import numpy as np
import pytest

import minitorch_cnn as mt
from core_checks import check_op, requires_torch, torch

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4))


@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (1, True), ((0, 1), False)])
def test_prod(dim, keepdim):
    kw = {} if dim is None else {"dim": dim, "keepdim": keepdim}
    tdim = dim if not isinstance(dim, tuple) else None
    check_op(lambda x: mt.prod(x, **kw), [X], lambda x: np.prod(x, axis=dim, keepdims=keepdim),
             (lambda x: torch.prod(x, tdim, keepdim) if tdim is not None else torch.prod(x)) if torch and
             not isinstance(dim, tuple) else None)


@requires_torch
@pytest.mark.parametrize("values", [[2.0, 0.0, 3.0, -1.5], [0.0, 4.0, 0.0, 2.0], [1.5, -2.0, 0.5, 3.0]])
def test_prod_and_cumprod_gradients_with_zeros_match_torch(values):
    x = np.array(values)
    for name in ("prod", "cumprod"):
        mfn = (lambda t: t.prod()) if name == "prod" else (lambda t: t.cumprod(0))
        out = check_op(mfn, [x], None, mfn)
        assert out.shape == ((4,) if name == "cumprod" else ())


def test_cumsum_cumprod():
    check_op(lambda x: mt.cumsum(x, 1), [X], lambda x: np.cumsum(x, 1), (lambda x: torch.cumsum(x, 1)) if torch else None)
    check_op(lambda x: x.cumprod(dim=0), [X], lambda x: np.cumprod(x, 0), (lambda x: x.cumprod(0)) if torch else None)
    assert mt.tensor([1, 2, 3]).cumsum(0).tolist() == [1, 3, 6] and mt.tensor([True, True]).cumsum(0).dtype == mt.int64
    assert mt.cumsum(mt.tensor(X), axis=-1).shape == (3, 4)


@pytest.mark.parametrize("p", [1, 2, 3, 0.5, float("inf"), -float("inf")])
@pytest.mark.parametrize("dim", [None, 1, (0, 1)])
def test_vector_norm(p, dim):
    x = X + np.where(np.abs(X) < 0.1, 0.3, 0)  # away from 0, where |x| has its kink
    torch_fn = (lambda t: torch.linalg.vector_norm(t, p, dim)) if torch else None
    check_op(lambda t: mt.linalg.vector_norm(t, p, dim), [x], None, torch_fn)


@requires_torch
def test_norm_spellings_match_torch():
    t, tt = mt.tensor(X), torch.tensor(X)
    pairs = [
        (t.norm(), tt.norm()), (t.norm(1), tt.norm(1)), (t.norm(dim=1), tt.norm(dim=1)),
        (mt.norm(t, p=2, dim=0, keepdim=True), torch.norm(tt, p=2, dim=0, keepdim=True)),
        (t.norm(p="fro"), tt.norm(p="fro")), (mt.norm(t, float("inf")), torch.norm(tt, float("inf"))),
        (mt.linalg.norm(t), torch.linalg.norm(tt)), (mt.linalg.norm(t, "fro"), torch.linalg.norm(tt, "fro")),
        (mt.linalg.norm(t, float("inf")), torch.linalg.norm(tt, float("inf"))),
        (mt.linalg.norm(t, 1), torch.linalg.norm(tt, 1)), (mt.linalg.norm(t, -1), torch.linalg.norm(tt, -1)),
        (mt.linalg.norm(t, 3, dim=1), torch.linalg.norm(tt, 3, dim=1)),
        (mt.linalg.matrix_norm(t, -float("inf")), torch.linalg.matrix_norm(tt, -float("inf"))),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)
    with pytest.raises(NotImplementedError, match="singular value decomposition"):
        mt.linalg.norm(t, 2)


def test_norm_gradient_at_zero_is_zero_as_in_torch():
    x = mt.zeros(3, dtype=mt.float64, requires_grad=True)
    x.norm().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


@requires_torch
@pytest.mark.parametrize("descending", [False, True])
def test_sort_is_stable_and_matches_torch(descending):
    x = np.array([[3.0, 1.0, 3.0, 2.0, 1.0, np.nan], [0.5, 0.5, -1.0, 0.5, 2.0, -3.0]])
    v, i = mt.sort(mt.tensor(x), dim=1, descending=descending)
    tv, ti = torch.sort(torch.tensor(x), dim=1, descending=descending, stable=True)
    np.testing.assert_array_equal(v.numpy(), tv.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    np.testing.assert_array_equal(mt.tensor(x).argsort(dim=1, descending=descending).numpy(), ti.numpy())
    check_op(lambda t: mt.sort(t, 0, descending).values, [X], lambda a: np.sort(a, 0)[::-1] if descending else np.sort(a, 0),
             lambda t: torch.sort(t, 0, descending).values)


@requires_torch
@pytest.mark.parametrize("largest", [True, False])
def test_topk(largest):
    v, i = mt.tensor(X).topk(2, dim=1, largest=largest)
    tv, ti = torch.tensor(X).topk(2, dim=1, largest=largest)
    np.testing.assert_array_equal(v.numpy(), tv.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    check_op(lambda t: mt.topk(t, 3, 0, largest).values, [X.T], None, lambda t: torch.topk(t, 3, 0, largest).values)
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        mt.tensor(X).topk(5)
    assert mt.topk(mt.tensor(X), 2).values.grad_fn is None


@requires_torch
def test_kthvalue_median_and_named_results():
    x = np.array([[4.0, 1.0, 3.0, 2.0], [0.0, -1.0, 5.0, 5.0]])
    for ours, theirs in [(mt.tensor(x).kthvalue(2, 1), torch.tensor(x).kthvalue(2, 1)),
                         (mt.tensor(x).median(dim=1), torch.tensor(x).median(dim=1))]:
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    assert mt.tensor(x).median().item() == torch.tensor(x).median().item() == 2.0  # the lower median
    check_op(lambda t: t.median(dim=1).values, [X], None, lambda t: t.median(dim=1).values)


def test_any_all_count_nonzero():
    x = mt.tensor([[0, 1, 2], [0, 0, 3]])
    assert mt.any(x).item() is True and not mt.all(x).item()
    assert x.any(dim=0).tolist() == [False, True, True] and x.all(1).tolist() == [False, False]
    assert mt.all(x > -1, dim=(0, 1)).item() and x.any(axis=1, keepdims=True).shape == (2, 1)
    assert mt.count_nonzero(x).item() == 3 and mt.count_nonzero(x, dim=0).tolist() == [0, 1, 2]


@requires_torch
def test_numpy_style_aliases_match_torch():
    t, tt = mt.tensor(X), torch.tensor(X)
    for name in ("sum", "mean", "std", "var", "amax", "amin", "prod", "logsumexp"):
        ours = getattr(t, name)(axis=1, keepdims=True)
        theirs = getattr(tt, name)(axis=1, keepdims=True)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12, err_msg=name)
    for name in ("argmax", "argmin"):
        assert getattr(t, name)(axis=1).tolist() == getattr(tt, name)(axis=1).tolist()
        assert getattr(mt, name)(t, axis=0, keepdims=True).shape == (1, 4)
    assert t.max(axis=0).indices.tolist() == tt.max(axis=0).indices.tolist()
    assert t.min(axis=1, keepdims=True).values.shape == (3, 1)
    np.testing.assert_allclose(t.sum(dim=(0, 1)).item(), X.sum())
    with pytest.raises(TypeError, match="both 'dim' and its alias 'axis'"):
        t.sum(dim=0, axis=1)


def test_std_mean_var_mean_aminmax_unique_bincount():
    t = mt.tensor(X)
    s, m = mt.std_mean(t, dim=1)
    np.testing.assert_allclose(s.numpy(), X.std(1, ddof=1))
    np.testing.assert_allclose(m.numpy(), X.mean(1))
    v, m = mt.var_mean(t, 0, correction=0)
    np.testing.assert_allclose(v.numpy(), X.var(0))
    lo, hi = mt.aminmax(t)
    assert lo.item() == X.min() and hi.item() == X.max()
    values, inverse, counts = mt.unique(mt.tensor([3, 1, 3, 2, 1]), return_inverse=True, return_counts=True)
    assert values.tolist() == [1, 2, 3] and inverse.tolist() == [2, 0, 2, 1, 0] and counts.tolist() == [2, 1, 2]
    assert mt.bincount(mt.tensor([0, 2, 2, 5])).tolist() == [1, 0, 2, 0, 0, 1]
    assert mt.bincount(mt.tensor([1, 1]), minlength=4).tolist() == [0, 2, 0, 0]
    with pytest.raises(RuntimeError, match="bincount only supports 1-d non-negative integral inputs"):
        mt.bincount(mt.tensor([-1, 2]))
    assert mt.searchsorted(mt.tensor([1.0, 2.0, 3.0]), mt.tensor([0.5, 2.0, 9.0])).tolist() == [0, 1, 3]
    assert mt.bucketize(mt.tensor([2.0]), mt.tensor([1.0, 2.0, 3.0]), right=True).tolist() == [2]
    assert mt.histc(mt.tensor([0.0, 1.0, 1.0, 2.0]), bins=2, min=0, max=2).tolist() == [1.0, 3.0]
