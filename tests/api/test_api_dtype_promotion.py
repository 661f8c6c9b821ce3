"""Mixed floating dtypes as PyTorch 2.13: the elementwise ops, where, cat/stack and the regression
losses compute in the wider dtype (float16 < float32 < float64) and send each gradient back in its
input's dtype; in-place ops keep self's dtype; matmul, lerp and binary_cross_entropy refuse the pair."""
import re

import numpy as np
import pytest

import minitorch_cnn as mt
from core_checks import requires_torch, torch

pytestmark = requires_torch

PAIRS = [("float32", "float64"), ("float64", "float32"), ("float16", "float32"), ("float32", "float16")]
TOL = {"float16": 2e-3, "float32": 1e-5, "float64": 1e-12}

A = np.array([[0.7, -1.3, 2.1], [-0.4, 1.6, -2.2]])
B = np.array([[1.2, 0.9, -1.7], [-0.8, 0.3, 0.5]])
POS = np.abs(A) + 0.5

BINARY = {
    "add": lambda m, a, b: m.add(a, b, alpha=2), "sub": lambda m, a, b: a - b, "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b, "maximum": lambda m, a, b: m.maximum(a, b), "minimum": lambda m, a, b: m.minimum(a, b),
    "atan2": lambda m, a, b: m.atan2(a, b), "hypot": lambda m, a, b: m.hypot(a, b),
    "fmod": lambda m, a, b: m.fmod(a, b), "remainder": lambda m, a, b: m.remainder(a, b),
    "fmax": lambda m, a, b: m.fmax(a, b), "fmin": lambda m, a, b: m.fmin(a, b),
    "where": lambda m, a, b: m.where(a > 0, a, b),
    "cat": lambda m, a, b: m.cat([a, b], dim=1), "stack": lambda m, a, b: m.stack([a, b]),
    "mse_loss": lambda m, a, b: m.nn.functional.mse_loss(a, b),
    "l1_loss": lambda m, a, b: m.nn.functional.l1_loss(a, b, reduction="sum"),
    "smooth_l1_loss": lambda m, a, b: m.nn.functional.smooth_l1_loss(a, b, beta=0.5),
    "bce_with_logits": lambda m, a, b: m.nn.functional.binary_cross_entropy_with_logits(a, b.sigmoid()),
}


def _pair(m, da, db, a=A, b=B, grad=True):
    x = m.tensor(a, dtype=getattr(m, da), requires_grad=grad)
    y = m.tensor(b, dtype=getattr(m, db), requires_grad=grad)
    return x, y


def _close(ours, theirs, dtype):
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.detach().numpy().astype(np.float64),
                               theirs.detach().numpy().astype(np.float64), rtol=TOL[dtype], atol=TOL[dtype])


def _narrower(da, db):
    return da if np.dtype(da).itemsize < np.dtype(db).itemsize else db


@pytest.mark.parametrize("da,db", PAIRS)
@pytest.mark.parametrize("name", sorted(BINARY) + ["pow"])
def test_promoted_values_and_gradient_dtypes(name, da, db):
    fn = BINARY.get(name, lambda m, a, b: m.pow(a, b))
    a = POS if name == "pow" else A
    (x, y), (tx, ty) = _pair(mt, da, db, a), _pair(torch, da, db, a)
    out, t_out = fn(mt, x, y), fn(torch, tx, ty)
    _close(out, t_out, _narrower(da, db))
    cot = np.linspace(-1, 1, int(np.prod(t_out.shape))).reshape(t_out.shape)
    out.backward(mt.tensor(cot, dtype=out.dtype))
    t_out.backward(torch.tensor(cot, dtype=t_out.dtype))
    for g, tg, d in ((x.grad, tx.grad, da), (y.grad, ty.grad, db)):
        assert g.dtype == getattr(mt, d)
        _close(g, tg, _narrower(da, db))


@pytest.mark.parametrize("da,db", PAIRS)
@pytest.mark.parametrize("op", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparisons_compare_in_the_wider_dtype(op, da, db):
    a, b = np.array([0.1, 0.5, 1.0 / 3]), np.array([0.1, 0.25, 1.0 / 3])
    (x, y), (tx, ty) = _pair(mt, da, db, a, b, False), _pair(torch, da, db, a, b, False)
    np.testing.assert_array_equal(getattr(mt, op)(x, y).numpy(), getattr(torch, op)(tx, ty).numpy())


@pytest.mark.parametrize("da,db", PAIRS)
def test_huber_loss_as_pytorch(da, db):
    (x, y), (tx, ty) = _pair(mt, da, db, grad=False), _pair(torch, da, db, grad=False)
    for reduction in ("mean", "none"):  # written in input's dtype
        _close(mt.nn.functional.huber_loss(x, y, reduction=reduction),
               torch.nn.functional.huber_loss(tx, ty, reduction=reduction), _narrower(da, db))
    x.requires_grad_()  # PyTorch's backward refuses the pair (here already the forward, with its message)
    with pytest.raises(RuntimeError) as e:
        torch.nn.functional.huber_loss(tx.requires_grad_(), ty).backward()
    with pytest.raises(RuntimeError, match=re.escape(str(e.value))):
        mt.nn.functional.huber_loss(x, y)


def test_refusing_ops_keep_refusing_with_pytorchs_messages():
    x, y = _pair(mt, "float32", "float64", grad=False)
    tx, ty = _pair(torch, "float32", "float64", grad=False)
    cases = [
        lambda m, a, b: m.matmul(a[0], b[0]), lambda m, a, b: m.mm(a, b.T), lambda m, a, b: m.matmul(a[0], b.T),
        lambda m, a, b: m.nn.functional.linear(a, b), lambda m, a, b: m.lerp(a, b, 0.5),
        lambda m, a, b: m.lerp(a, a, b), lambda m, a, b: a.clone().lerp_(b, 0.5),
        lambda m, a, b: m.nn.functional.binary_cross_entropy(a.sigmoid(), b.sigmoid()),
    ]
    for case in cases:
        with pytest.raises(RuntimeError) as e:
            case(torch, tx, ty)
        with pytest.raises(RuntimeError, match=re.escape(str(e.value))):
            case(mt, x, y)
    with pytest.raises(RuntimeError, match="same dtype"):  # (the Function's own check stays the safety net)
        mt.ops.elementwise.Add()(x, y)


@pytest.mark.parametrize("da,db", PAIRS)
@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "div_", "iadd", "imul"])
def test_inplace_keeps_selfs_dtype(op, da, db):
    def run(m, record):
        x, y = _pair(m, da, db, grad=False)
        if record:  # recorded in the graph: a non-leaf self, and a gradient into both
            leaf = x.requires_grad_()
            x, y = x * 1, y.requires_grad_()
        if op == "iadd":
            x += y
        elif op == "imul":
            x *= y
        else:
            getattr(x, op)(y)
        if record:
            x.backward(m.ones_like(x))
            return x, leaf.grad, y.grad
        return (x,)

    for record in (False, True):
        ours, theirs = run(mt, record), run(torch, record)
        assert ours[0].dtype == getattr(mt, da)
        if record:
            assert ours[1].dtype == getattr(mt, da) and ours[2].dtype == getattr(mt, db)
        for o, t in zip(ours, theirs):
            _close(o, t, _narrower(da, db))
