"""Activations and softmax: formulas, gradcheck away from kinks, PyTorch parity, stability."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from cnn_helpers import assert_gradcheck, assert_torch_parity
from conftest import requires_torch

CASES = [
    ("relu", {}, lambda x: np.maximum(x, 0)),
    ("relu6", {}, lambda x: np.clip(x, 0, 6)),
    ("hardtanh", {"min_val": -0.5, "max_val": 2.0}, lambda x: np.clip(x, -0.5, 2.0)),
    ("leaky_relu", {"negative_slope": 0.2}, lambda x: np.where(x > 0, x, 0.2 * x)),
    ("elu", {"alpha": 1.5}, lambda x: np.where(x > 0, x, 1.5 * (np.exp(x) - 1))),
    ("gelu", {}, lambda x: x * 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))),
    ("gelu", {"approximate": "tanh"},
     lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))),
    ("silu", {}, lambda x: x / (1 + np.exp(-x))),
    ("sigmoid", {}, lambda x: 1 / (1 + np.exp(-x))),
    ("tanh", {}, np.tanh),
]


def away_from_kinks(seed):
    """Values in (-8, 8) at least 0.05 away from the kinks 0, 6, -0.5 and 2."""
    x = np.random.default_rng(seed).uniform(-8, 8, (3, 4))
    for kink in (0.0, 6.0, -0.5, 2.0):
        x = np.where(np.abs(x - kink) < 0.05, kink + 0.1, x)
    return x


@pytest.mark.parametrize("name,kwargs,reference", CASES)
@given(seed=st.integers(0, 2**16))
def test_activation_formula_and_gradcheck(name, kwargs, reference, seed):
    x = away_from_kinks(seed)
    np.testing.assert_allclose(getattr(F, name)(mt.tensor(x), **kwargs).numpy(), reference(x), atol=1e-12)
    assert_gradcheck(lambda x: getattr(F, name)(x, **kwargs), [x])


@requires_torch
@pytest.mark.parametrize("name,kwargs,reference", CASES)
def test_activation_matches_torch(name, kwargs, reference):
    import torch.nn.functional as TF

    assert_torch_parity(lambda x: getattr(F, name)(x, **kwargs), lambda x: getattr(TF, name)(x, **kwargs),
                        [away_from_kinks(0)])


def test_activations_keep_float32(device):
    x = mt.randn(4, 4, device=device)
    for name, kwargs, _ in CASES:
        assert getattr(F, name)(x, **kwargs).dtype == mt.float32


@requires_torch
def test_softmax_stable_and_matches_torch():
    import torch.nn.functional as TF

    x = np.array([[1000.0, 0.0, -1000.0], [3.0, 2.0, 1.0]])
    out = F.softmax(mt.tensor(x), dim=1).numpy()
    assert np.isfinite(out).all()
    assert np.isfinite(F.log_softmax(mt.tensor(x), dim=1).numpy()).all()
    assert_torch_parity(lambda x: F.log_softmax(x, dim=0), lambda x: TF.log_softmax(x, dim=0), [x])
    assert_torch_parity(lambda x: F.softmax(x, dim=-1), lambda x: TF.softmax(x, dim=-1), [x])


def test_softmax_implicit_dim_warns_like_pytorch():
    """No dim: PyTorch's legacy rule picks 0 for 0-, 1- and 3-D input, else 1, and warns."""
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = F.softmax(mt.tensor(x))
    np.testing.assert_allclose(out.numpy().sum(axis=0), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.softmax(mt.tensor(x), dim=2)


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(mt.randn(2), approximate="erf")
