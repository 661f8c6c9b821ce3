"""nn.init: PyTorch's gains, fans and distributions (checked by statistics over large tensors)."""
import math

import numpy as np
import pytest
from conftest import requires_torch

import minitorch_cnn as mt
from minitorch_cnn import nn
from minitorch_cnn.nn import init

SHAPE = (64, 32, 3, 3)  # a conv weight: fan_in = 288, fan_out = 576, 18432 samples
FAN_IN, FAN_OUT = 32 * 9, 64 * 9


def check_uniform(values, low, high):
    """Bounds respected and nearly reached; mean and std of U(low, high) within sampling error."""
    values = np.asarray(values, dtype=np.float64).ravel()
    width = high - low
    assert values.min() >= low and values.max() <= high
    assert values.min() < low + 0.01 * width and values.max() > high - 0.01 * width
    check_moments(values, (low + high) / 2, width / math.sqrt(12))


def check_moments(values, mean, std):
    values = np.asarray(values, dtype=np.float64).ravel()
    assert abs(values.mean() - mean) < 5 * std / math.sqrt(values.size)
    assert abs(values.std() - std) < 0.03 * std


def fill(fn, *args, shape=SHAPE, **kwargs):
    t = mt.empty(*shape)
    assert fn(t, *args, **kwargs) is t  # in place, returns its argument
    return t._data


@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_xavier(gain):
    std = gain * math.sqrt(2.0 / (FAN_IN + FAN_OUT))
    check_uniform(fill(init.xavier_uniform_, gain=gain), -math.sqrt(3) * std, math.sqrt(3) * std)
    check_moments(fill(init.xavier_normal_, gain=gain), 0.0, std)


@pytest.mark.parametrize("a, mode, nonlinearity", [
    (0, "fan_in", "relu"), (0, "fan_out", "relu"), (0.2, "fan_in", "leaky_relu"),
    (math.sqrt(5), "fan_in", "leaky_relu"),
    (0, "FAN_OUT", "tanh"), (0, "fan_in", "linear"),
])
def test_kaiming(a, mode, nonlinearity):
    fan = FAN_IN if mode.lower() == "fan_in" else FAN_OUT
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3) * std
    check_uniform(fill(init.kaiming_uniform_, a=a, mode=mode, nonlinearity=nonlinearity), -bound, bound)
    check_moments(fill(init.kaiming_normal_, a=a, mode=mode, nonlinearity=nonlinearity), 0.0, std)


def test_uniform_normal_constant_eye():
    check_uniform(fill(init.uniform_), 0.0, 1.0)
    check_uniform(fill(init.uniform_, -3.0, -1.0), -3.0, -1.0)
    check_moments(fill(init.normal_, 2.0, 0.5), 2.0, 0.5)
    assert (fill(init.constant_, 0.3, shape=(3, 4)) == np.float32(0.3)).all()
    assert (fill(init.ones_, shape=(2,)) == 1).all() and (fill(init.zeros_, shape=(2,)) == 0).all()
    np.testing.assert_array_equal(fill(init.eye_, shape=(2, 3)), np.eye(2, 3))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(mt.empty(2, 2, 2))


def test_trunc_normal_matches_the_truncated_distribution():
    values = fill(init.trunc_normal_, 1.0, 2.0, -1.0, 4.0).astype(np.float64)
    assert values.min() >= -1.0 and values.max() <= 4.0
    # truncated N(1, 2^2) on [-1, 4]: alpha = -1, beta = 1.5 in standard units
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
    alpha, beta = -1.0, 1.5
    z = cdf(beta) - cdf(alpha)
    mean = 1.0 + 2.0 * (pdf(alpha) - pdf(beta)) / z
    var = 4.0 * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - ((pdf(alpha) - pdf(beta)) / z) ** 2)
    check_moments(values, mean, math.sqrt(var))
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        init.trunc_normal_(mt.empty(10), mean=-5.0, std=1.0, a=-2.0, b=2.0)


@requires_torch
def test_gains_and_fans_match_torch():
    import torch

    cases = [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("selu", None),
             ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 1), ("leaky_relu", math.sqrt(5))]
    for name, param in cases:
        assert init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param), (name, param)
    for bad in [("leaky_relu", "x"), ("leaky_relu", True), ("softplus", None)]:
        with pytest.raises(ValueError) as ours:
            init.calculate_gain(*bad)
        with pytest.raises(ValueError) as theirs:
            torch.nn.init.calculate_gain(*bad)
        assert str(ours.value) == str(theirs.value)
    for shape in [(3, 4), (8, 3, 5, 5), (2, 3, 4), (6, 1, 1, 7)]:
        assert init._calculate_fan_in_and_fan_out(mt.empty(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


def test_errors():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(mt.empty(5))
    with pytest.raises(ValueError, match=r"Mode fan_avg not supported, please use one of \['fan_in', 'fan_out'\]"):
        init.kaiming_normal_(mt.empty(3, 3), mode="fan_avg")
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(mt.empty(0, 3))


def test_seeded_and_usable_on_parameters_with_grad_enabled(device):
    p = nn.Parameter(mt.empty(4, 5, device=device))
    version = p._version[0]
    mt.manual_seed(7)
    init.kaiming_normal_(p)
    first = np.array(p.detach().cpu()._data)
    mt.manual_seed(7)
    init.kaiming_normal_(p)
    np.testing.assert_array_equal(p.detach().cpu()._data, first)
    assert p.requires_grad and p.grad_fn is None and p._version[0] > version
    init.trunc_normal_(p, std=0.02)
    init.eye_(p)
    np.testing.assert_array_equal(p.detach().cpu()._data, np.eye(4, 5))


@pytest.mark.parametrize("shape", [(6, 3), (3, 6), (64, 1, 5, 5), (4, 32, 3, 3)])
def test_orthogonal_rows_or_columns_are_orthonormal_times_gain(shape):
    """The tensor seen as (size(0), rest) has orthonormal rows (wide) or columns (tall), scaled by gain."""
    w = init.orthogonal_(nn.Parameter(mt.empty(*shape, dtype=mt.float64)), gain=2.0)
    a = w.detach().numpy().reshape(shape[0], -1)
    gram = a @ a.T if a.shape[0] <= a.shape[1] else a.T @ a
    np.testing.assert_allclose(gram, 4.0 * np.eye(len(gram)), atol=1e-12)
    mt.manual_seed(1)
    first = init.orthogonal_(mt.empty(*shape)).numpy()
    mt.manual_seed(1)
    np.testing.assert_array_equal(init.orthogonal_(mt.empty(*shape)).numpy(), first)  # seeded
    with pytest.raises(ValueError, match="^Only tensors with 2 or more dimensions are supported$"):
        init.orthogonal_(mt.empty(3))
