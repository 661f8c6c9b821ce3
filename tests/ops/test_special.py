"""erf without SciPy: checked against math.erf (and torch when installed)."""
import math

import numpy as np
import pytest

from minitorch_cnn.ops.special import erf


def test_erf_matches_math_erf_to_double_precision():
    x = np.concatenate([np.linspace(-7, 7, 2001), [0.0, 1e-12, -1e-300, 30.0, -30.0]])
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(erf(x), expected, rtol=2e-15, atol=2e-16)


def test_erf_keeps_float32_and_shape():
    x = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    out = erf(x)
    assert out.dtype == np.float32 and out.shape == (3, 4)
    np.testing.assert_allclose(out, [[math.erf(v) for v in row] for row in x.astype(np.float64)], rtol=1e-6)


def test_gelu_exact_matches_torch():
    torch = pytest.importorskip("torch")
    import minitorch_cnn as mt

    x = np.random.default_rng(0).normal(size=(5, 7)) * 3
    ours = mt.tensor(x, requires_grad=True)
    y = mt.nn.functional.gelu(ours)
    g = np.random.default_rng(1).normal(size=x.shape)
    y.backward(mt.tensor(g))
    ref = torch.tensor(x, requires_grad=True)
    torch.nn.functional.gelu(ref).backward(torch.tensor(g))
    np.testing.assert_allclose(y.detach().numpy(), torch.nn.functional.gelu(torch.tensor(x)).numpy(), rtol=0, atol=1e-14)
    np.testing.assert_allclose(ours.grad.numpy(), ref.grad.numpy(), rtol=0, atol=1e-13)
