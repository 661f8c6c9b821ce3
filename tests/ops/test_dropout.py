"""dropout / dropout2d: statistics, scaling, whole-channel masks, reproducibility, gradient = mask."""
import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F


def test_dropout_zeroes_about_p_and_scales_the_rest(device):
    x = mt.ones(200, 100, device=device)
    out = F.dropout(x, p=0.3).cpu().numpy()
    assert abs((out == 0).mean() - 0.3) < 0.02
    np.testing.assert_allclose(out[out != 0], 1 / 0.7, rtol=1e-6)


def test_dropout_is_reproducible_with_manual_seed():
    x = mt.randn(10, 10)
    mt.manual_seed(3)
    a = F.dropout(x).numpy()
    mt.manual_seed(3)
    b = F.dropout(x).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, F.dropout(x).numpy())


def test_dropout_gradient_is_the_mask():
    x = mt.randn(20, 20, dtype=mt.float64, requires_grad=True)
    out = F.dropout(x, p=0.4)
    out.backward(mt.ones(20, 20, dtype=mt.float64))
    np.testing.assert_allclose(x.grad.numpy(), out.detach().numpy() / x.detach().numpy())


def test_dropout_eval_p0_p1():
    x = mt.randn(4, 5)
    assert F.dropout(x, training=False) is x and F.dropout(x, p=0.0) is x
    assert (F.dropout(x, p=1.0).numpy() == 0).all()


def test_dropout2d_zeroes_whole_channels(device):
    x = mt.ones(50, 40, 3, 3, device=device)
    out = F.dropout2d(x, p=0.5).cpu().numpy()
    per_channel = out.reshape(50, 40, 9)
    assert ((per_channel == 0).all(axis=2) | (per_channel == 2).all(axis=2)).all()
    assert abs((per_channel[:, :, 0] == 0).mean() - 0.5) < 0.05


def test_dropout_rejects_bad_p():
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        F.dropout(mt.randn(3), p=1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout2d(mt.randn(2, 3, 4, 4), p=-0.1)
