"""batch_norm and local_response_norm: NumPy references, running statistics, gradcheck, PyTorch parity."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from cnn_helpers import assert_gradcheck, assert_torch_parity
from conftest import requires_torch

shapes = st.sampled_from([(4, 3), (3, 2, 5), (2, 3, 3, 2), (5, 2, 2, 3)])  # N >= 4 spreads the per-channel vectors


def reference_bn(x, w, b, eps):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean, var = x.mean(axis=axes), x.var(axis=axes)  # biased
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * w.reshape(shape) + b.reshape(shape)


@given(shapes, st.integers(0, 2**16))
def test_batch_norm_training_matches_reference_and_updates_running_stats(shape, seed):
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal(shape), rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    rm, rv = mt.zeros(shape[1], dtype=mt.float64), mt.ones(shape[1], dtype=mt.float64)
    out = F.batch_norm(mt.tensor(x), rm, rv, mt.tensor(w), mt.tensor(b), training=True, momentum=0.25, eps=1e-3)
    np.testing.assert_allclose(out.numpy(), reference_bn(x, w, b, 1e-3), atol=1e-12)
    axes = (0,) + tuple(range(2, x.ndim))
    np.testing.assert_allclose(rm.numpy(), 0.25 * x.mean(axis=axes), atol=1e-14)
    # the running variance uses the UNBIASED batch variance
    np.testing.assert_allclose(rv.numpy(), 0.75 + 0.25 * x.var(axis=axes, ddof=1), atol=1e-14)


def test_batch_norm_eval_uses_running_stats():
    x = np.random.default_rng(0).standard_normal((3, 2, 4))
    rm, rv = mt.tensor([0.5, -1.0], dtype=mt.float64), mt.tensor([2.0, 0.5], dtype=mt.float64)
    out = F.batch_norm(mt.tensor(x), rm, rv, training=False, eps=0.0)
    np.testing.assert_allclose(out.numpy(), (x - rm.numpy()[:, None]) / np.sqrt(rv.numpy()[:, None]), atol=1e-14)
    assert rm.numpy().tolist() == [0.5, -1.0]


@given(shapes, st.booleans(), st.booleans(), st.integers(0, 2**16))
def test_batch_norm_gradcheck(shape, training, affine, seed):
    rng = np.random.default_rng(seed)
    c = shape[1]
    rm, rv = mt.tensor(rng.standard_normal(c)), mt.tensor(rng.random(c) + 0.5)
    arrays = [rng.standard_normal(shape)] + ([rng.standard_normal(c), rng.standard_normal(c)] if affine else [])
    assert_gradcheck(lambda x, *wb: F.batch_norm(x, rm, rv, *wb, training=training), arrays)


@requires_torch
@given(shapes, st.booleans(), st.integers(0, 2**16))
def test_batch_norm_matches_torch_with_running_stats(shape, training, seed):
    import torch
    import torch.nn.functional as TF

    rng = np.random.default_rng(seed)
    c = shape[1]
    arrays = [rng.standard_normal(shape), rng.standard_normal(c), rng.standard_normal(c)]
    rm0, rv0 = rng.standard_normal(c), rng.random(c) + 0.5
    ours = [mt.tensor(rm0), mt.tensor(rv0)]
    theirs = [torch.tensor(rm0), torch.tensor(rv0)]
    assert_torch_parity(lambda x, w, b: F.batch_norm(x, *ours, w, b, training, 0.3, 1e-4),
                        lambda x, w, b: TF.batch_norm(x, *theirs, w, b, training, 0.3, 1e-4), arrays)
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), t.numpy(), rtol=0, atol=1e-10)


def test_batch_norm_float32_device(device):
    x = mt.randn(4, 3, 5, 5, device=device, requires_grad=True)
    w = mt.ones(3, device=device, requires_grad=True)
    out = F.batch_norm(x, mt.zeros(3, device=device), mt.ones(3, device=device), w, None, True)
    assert out.dtype == mt.float32
    out.sum().backward()
    assert x.grad.dtype == mt.float32 and float(abs(x.grad).max()) < 1e-4  # sum of a normalised batch is constant


def test_batch_norm_errors():
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input size \[1, 3\]"):
        F.batch_norm(mt.randn(1, 3), mt.zeros(3), mt.ones(3), training=True)
    with pytest.raises(RuntimeError, match="running_mean should contain 3 elements not 4"):
        F.batch_norm(mt.randn(2, 3), mt.zeros(4), mt.ones(3))
    with pytest.raises(TypeError, match="momentum"):
        F.batch_norm(mt.randn(2, 3), mt.zeros(3), mt.ones(3), training=True, momentum=None)


def naive_lrn(x, size, alpha, beta, k):
    out = np.empty_like(x)
    c = x.shape[1]
    for ch in range(c):
        lo, hi = max(0, ch - size // 2), min(c, ch + (size - 1) // 2 + 1)
        out[:, ch] = x[:, ch] / (k + alpha / size * (x[:, lo:hi] ** 2).sum(axis=1)) ** beta
    return out


@given(st.integers(1, 6), st.sampled_from([(2, 5, 3), (1, 4, 2, 3)]), st.integers(0, 2**16))
def test_local_response_norm(size, shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    args = (size, 0.3, 0.75, 1.5)
    np.testing.assert_allclose(F.local_response_norm(mt.tensor(x), *args).numpy(), naive_lrn(x, *args), atol=1e-12)
    assert_gradcheck(lambda x: F.local_response_norm(x, *args), [x])


@requires_torch
@given(st.integers(1, 6), st.sampled_from([(2, 5, 3), (1, 4, 2, 3)]), st.integers(0, 2**16))
def test_local_response_norm_matches_torch(size, shape, seed):
    import torch.nn.functional as TF

    x = np.random.default_rng(seed).standard_normal(shape)
    args = (size, 0.3, 0.75, 1.5)
    assert_torch_parity(lambda x: F.local_response_norm(x, *args), lambda x: TF.local_response_norm(x, *args), [x])


def test_local_response_norm_needs_3d():
    with pytest.raises(ValueError, match=r"Expected 3D or higher dimensionality input \(got 2 dimensions\)"):
        F.local_response_norm(mt.randn(3, 4), 2)


@requires_torch
def test_eval_batch_norm_gives_pytorchs_inf_and_nan_where_var_plus_eps_is_zero():
    """PyTorch's eval form x * scale + (b - mean * scale): a zero running variance with eps=0 makes the
    channel NaN (inf - inf), not +-inf; an inf weight likewise."""
    import torch

    x = np.random.default_rng(0).standard_normal((2, 3, 2, 2))
    stats = [np.array([0.1, 0.2, 0.3]), np.array([1.0, 0.0, 2.0]), np.array([1.0, 2.0, np.inf]), np.array([0.5, -1.0, 2.0])]
    with np.errstate(all="ignore"):
        ours = F.batch_norm(mt.tensor(x), *map(mt.tensor, stats), training=False, eps=0.0).numpy()
    theirs = torch.nn.functional.batch_norm(torch.tensor(x), *map(torch.tensor, stats), training=False, eps=0.0).numpy()
    np.testing.assert_array_equal(ours, theirs)
