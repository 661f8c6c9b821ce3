"""Reductions: dim as None/int/tuple, keepdim, values vs NumPy, gradcheck, PyTorch parity, tie rules."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
from core_checks import DEVICES, arrays, check_op, nonscalar_shapes, requires_torch


@st.composite
def shape_and_dims(draw, allow_none=True):
    """A shape, and a dim for it: None (all), one int (maybe negative) or a tuple of distinct dims."""
    shape = draw(nonscalar_shapes)
    n = len(shape)
    kind = draw(st.sampled_from(["none", "int", "tuple"] if allow_none else ["int", "tuple"]))
    if kind == "none":
        return shape, None
    if kind == "int":
        return shape, draw(st.integers(-n, n - 1))
    dims = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    return shape, tuple(d - n if draw(st.booleans()) else d for d in dims)


REDUCTIONS = {  # name: (minitorch(x, dim, keepdim), numpy(x, axis, keepdims), torch(x, dim, keepdim))
    "sum": (lambda x, d, k: x.sum(d, keepdim=k), lambda x, d, k: x.sum(axis=d, keepdims=k),
            lambda x, d, k: x.sum(d, keepdim=k)),
    "mean": (lambda x, d, k: x.mean(d, keepdim=k), lambda x, d, k: x.mean(axis=d, keepdims=k),
             lambda x, d, k: x.mean(d, keepdim=k)),
    "var": (lambda x, d, k: x.var(d, keepdim=k), lambda x, d, k: x.var(axis=d, ddof=1, keepdims=k),
            lambda x, d, k: x.var(d, keepdim=k)),
    "var_biased": (lambda x, d, k: x.var(d, unbiased=False, keepdim=k), lambda x, d, k: x.var(axis=d, keepdims=k),
                   lambda x, d, k: x.var(d, unbiased=False, keepdim=k)),
    "std": (lambda x, d, k: x.std(d, keepdim=k), lambda x, d, k: x.std(axis=d, ddof=1, keepdims=k),
            lambda x, d, k: x.std(d, keepdim=k)),
    "amax": (lambda x, d, k: x.amax(() if d is None else d, keepdim=k), lambda x, d, k: x.max(axis=d, keepdims=k),
             lambda x, d, k: x.amax(() if d is None else d, keepdim=k)),
    "amin": (lambda x, d, k: x.amin(() if d is None else d, keepdim=k), lambda x, d, k: x.min(axis=d, keepdims=k),
             lambda x, d, k: x.amin(() if d is None else d, keepdim=k)),
    "logsumexp": (lambda x, d, k: x.logsumexp(d, keepdim=k),
                  lambda x, d, k: np.log(np.exp(x).sum(axis=d, keepdims=k)),
                  lambda x, d, k: x.logsumexp(d, keepdim=k)),
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(sd=shape_and_dims(), keepdim=st.booleans(), data=st.data())
def test_reductions(name, device, sd, keepdim, data):
    shape, dim = sd
    if name == "logsumexp" and dim is None:
        dim = tuple(range(len(shape)))
    if name in ("var", "std"):  # unbiased needs at least two elements per reduced slice
        reduced = [shape[d] for d in ((dim,) if isinstance(dim, int) else dim or range(len(shape)))]
        if np.prod(reduced) < 2:
            return
    mt_fn, np_fn, torch_fn = REDUCTIONS[name]
    x = data.draw(arrays(shape))
    check_op(lambda t: mt_fn(t, dim, keepdim), [x], lambda a: np_fn(a, dim, keepdim),
             lambda t: torch_fn(t, dim, keepdim), device=device)


@pytest.mark.parametrize("name", ["sum", "mean"])
@given(data=st.data())
def test_full_reductions_of_0d_and_size1(name, data):
    x = data.draw(arrays(data.draw(st.sampled_from([(), (1,), (1, 1)]))))
    mt_fn, np_fn, torch_fn = REDUCTIONS[name]
    check_op(lambda t: mt_fn(t, None, False), [x], lambda a: np_fn(a, None, False), lambda t: torch_fn(t, None, False))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", ["max", "min"])
@given(shape=nonscalar_shapes, keepdim=st.booleans(), data=st.data())
def test_max_min_along_dim_values_indices_and_grad(name, device, shape, keepdim, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = data.draw(arrays(shape))
    values, indices = getattr(mt.tensor(x, device=device), name)(dim, keepdim=keepdim)
    np_arg = np.argmax if name == "max" else np.argmin
    expected_idx = np_arg(x, axis=dim)
    expected_val = np.take_along_axis(x, np.expand_dims(expected_idx, dim), dim)
    if not keepdim:
        expected_val = expected_val.squeeze(dim)
    else:
        expected_idx = np.expand_dims(expected_idx, dim)
    assert indices.dtype == mt.int64 and not indices.requires_grad
    np.testing.assert_array_equal(indices.cpu().numpy(), expected_idx)
    np.testing.assert_allclose(values.cpu().numpy(), expected_val.astype(np.float32), rtol=1e-6)
    check_op(lambda t: getattr(t, name)(dim, keepdim=keepdim).values, [x], None,
             lambda t: getattr(t, name)(dim, keepdim=keepdim).values, device=device)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@given(shape=nonscalar_shapes, data=st.data())
def test_softmax_and_log_softmax(name, device, shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = data.draw(arrays(shape, -3, 3))

    def reference(a):
        e = np.exp(a - a.max(axis=dim, keepdims=True))
        s = e / e.sum(axis=dim, keepdims=True)
        return s if name == "softmax" else np.log(s)

    check_op(lambda t: getattr(t, name)(dim), [x], reference, lambda t: getattr(t, name)(dim), device=device)


def test_ties_follow_pytorch():
    # max()/amax over all: the gradient is shared evenly among tied maxima
    for fn in (lambda t: t.max(), lambda t: t.amax(), lambda t: t.amax(0)):
        x = mt.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
        fn(x).backward()
        np.testing.assert_array_equal(x.grad.numpy(), [0, 0.5, 0.5, 0])
    # max(dim): the first maximum's index, and the whole gradient goes there
    x = mt.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    values, indices = x.max(0)
    assert indices.item() == 1 and values.item() == 3.0
    values.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 1, 0, 0])
    assert mt.tensor([2.0, 1.0, 1.0]).min(0).indices.item() == 1
    assert mt.tensor([[1, 5, 5]]).argmax().item() == 1


@requires_torch
def test_tie_gradients_match_torch():
    import torch

    values = [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]
    cases = [lambda t: t.max(), lambda t: t.min(), lambda t: t.amax(1), lambda t: t.amin((0, 1)),
             lambda t: t.max(1)[0], lambda t: t.min(0)[0], lambda t: t.logsumexp(1)]
    for fn in cases:
        x = mt.tensor(values, dtype=mt.float64, requires_grad=True)
        xt = torch.tensor(values, dtype=torch.float64, requires_grad=True)
        g = np.arange(1.0, 1.0 + np.prod(fn(xt).shape)).reshape(fn(xt).shape)
        fn(x).backward(mt.tensor(g))
        fn(xt).backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), atol=1e-12)


def test_max_of_two_tensors_is_maximum():
    a, b = mt.tensor([1.0, 5.0]), mt.tensor([2.0, 3.0])
    np.testing.assert_array_equal(mt.max(a, b).numpy(), [2, 5])
    np.testing.assert_array_equal(mt.min(a, b).numpy(), [1, 3])


@given(shape=nonscalar_shapes, keepdim=st.booleans(), data=st.data())
def test_argmax_argmin(shape, keepdim, data):
    x = data.draw(arrays(shape))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    t = mt.tensor(x)
    assert t.argmax().item() == np.argmax(x) and t.argmin().item() == np.argmin(x)
    out = t.argmax(dim, keepdim=keepdim)
    expected = np.argmax(x, axis=dim)
    np.testing.assert_array_equal(out.numpy(), np.expand_dims(expected, dim) if keepdim else expected)
    assert out.dtype == mt.int64


def test_dtypes_of_reductions_follow_pytorch():
    assert mt.tensor([True, True, False]).sum().dtype == mt.int64
    assert mt.tensor([True, True, False]).sum().item() == 2
    assert mt.tensor([1, 2], dtype=mt.int32).sum().dtype == mt.int64
    assert mt.tensor([1, 2]).sum(dtype=mt.float64).dtype == mt.float64
    assert mt.tensor([1, 2]).max().dtype == mt.int64
    with pytest.raises(RuntimeError, match="std and var only support floating point and complex dtypes"):
        mt.tensor([1, 2]).var()  # (PyTorch refuses integers here)
    with pytest.raises(RuntimeError, match="mean.*Long"):
        mt.tensor([1, 2]).mean()


def test_var_std_defaults_and_correction():
    x = mt.tensor([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]])
    a = x.numpy()
    np.testing.assert_allclose(x.var().item(), a.var(ddof=1), rtol=1e-6)  # unbiased by default
    np.testing.assert_allclose(x.std(1).numpy(), a.std(axis=1, ddof=1), rtol=1e-6)
    np.testing.assert_allclose(x.var(0, unbiased=False).numpy(), a.var(axis=0), rtol=1e-6)
    np.testing.assert_allclose(x.var(1, correction=0).numpy(), a.var(axis=1), rtol=1e-6)
    np.testing.assert_allclose(mt.var(x, dim=1, correction=2).numpy(), a.var(axis=1, ddof=2), rtol=1e-6)
    assert np.isnan(mt.tensor([1.0]).var().item())  # n - 1 = 0: nan, as PyTorch


def test_reduction_dim_errors():
    with pytest.raises(IndexError, match=r"sum.*Dimension out of range.*\[-2, 1\].*2"):
        mt.ones(2, 3).sum(2)
    with pytest.raises(RuntimeError, match="appears multiple times"):
        mt.ones(2, 3).sum((0, -2))
    with pytest.raises(RuntimeError, match="max.*numel"):
        mt.ones(0).max()
