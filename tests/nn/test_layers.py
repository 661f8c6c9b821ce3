"""Layers: PyTorch's constructors, reprs, default initialisation, and outputs/gradients (float64, 1e-10)."""
import math

import numpy as np
import pytest
from conftest import requires_torch
from nn_helpers import copy_to_torch, numpy_of

import minitorch_cnn as mt
from minitorch_cnn import nn

# constructor calls evaluated with both torch.nn and minitorch_cnn.nn as ``nn``
LAYERS = [
    "nn.Linear(3, 4)", "nn.Linear(3, 4, bias=False)",
    "nn.Conv2d(4, 8, 3, padding=1, bias=False)", "nn.Conv2d(4, 6, (3, 2), stride=(2, 1), dilation=2, groups=2)",
    "nn.Conv2d(4, 4, 3, padding='same', padding_mode='reflect')", "nn.Conv2d(4, 4, (2, 4), padding='same')",
    "nn.Conv2d(4, 4, 3, padding='valid')", "nn.Conv2d(4, 4, 3, padding=(1, 2), padding_mode='circular')",
    "nn.Conv2d(4, 4, 3, padding=1, padding_mode='replicate')",
    "nn.MaxPool2d(2)", "nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)", "nn.MaxPool2d((2, 3), dilation=2)",
    "nn.AvgPool2d(2)", "nn.AvgPool2d(3, 2, 1, count_include_pad=False)", "nn.AvgPool2d(3, 1, 1, divisor_override=4)",
    "nn.AdaptiveAvgPool2d((2, 3))", "nn.AdaptiveAvgPool2d(1)", "nn.AdaptiveMaxPool2d((3, 2))",
    "nn.BatchNorm2d(4)", "nn.BatchNorm2d(4, momentum=None)", "nn.BatchNorm2d(4, eps=1e-3, affine=False)",
    "nn.BatchNorm2d(4, bias=False)", "nn.BatchNorm1d(3, track_running_stats=False)",
    "nn.LocalResponseNorm(3)", "nn.LocalResponseNorm(5, alpha=2e-4, beta=0.5, k=2.0)",
    "nn.ReLU()", "nn.ReLU(inplace=True)", "nn.ReLU6()", "nn.LeakyReLU()", "nn.LeakyReLU(0.2, inplace=True)",
    "nn.ELU(alpha=0.5)", "nn.GELU()", "nn.GELU(approximate='tanh')", "nn.SiLU()", "nn.Sigmoid()", "nn.Tanh()",
    "nn.Softmax(dim=1)", "nn.LogSoftmax(dim=-1)", "nn.Flatten()", "nn.Flatten(0, 2)", "nn.Identity(5, x=1)",
    "nn.Dropout(0.3)", "nn.Dropout2d(inplace=True)",
]
INPUT_SHAPES = {"Linear": (2, 3), "BatchNorm1d": (5, 3, 4), "Flatten": (2, 3, 2, 4), "Identity": (2, 3)}


def make(expr, namespace):
    return eval(expr, {"nn": namespace})


@requires_torch
@pytest.mark.parametrize("expr", LAYERS)
def test_repr_matches_torch(expr):
    import torch

    assert repr(make(expr, nn)) == repr(make(expr, torch.nn))
    assert [n for n, _ in make(expr, nn).named_parameters()] == [n for n, _ in make(expr, torch.nn).named_parameters()]


@requires_torch
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # torch's note on its own speed
@pytest.mark.parametrize("expr", [e for e in LAYERS if "Dropout" not in e])
def test_forward_backward_match_torch(expr):
    """Same input, same weights, same random cotangent: outputs and every gradient agree to 1e-10."""
    import torch

    ours = make(expr, nn).double()
    theirs = copy_to_torch(ours, make(expr, torch.nn))
    rng = np.random.default_rng(0)
    x = rng.standard_normal(INPUT_SHAPES.get(type(ours).__name__, (2, 4, 7, 6)))
    x_mt, x_t = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_mt, out_t = ours(x_mt), theirs(x_t.clone())  # (a clone: torch's inplace=True refuses leaves)
    np.testing.assert_allclose(out_mt._data, numpy_of(out_t), rtol=1e-10, atol=1e-10)
    cotangent = rng.standard_normal(out_t.shape)
    out_mt.backward(mt.tensor(cotangent))
    out_t.backward(torch.tensor(cotangent))
    np.testing.assert_allclose(x_mt.grad._data, numpy_of(x_t.grad), rtol=1e-10, atol=1e-10)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad._data, numpy_of(theirs_params[name].grad), rtol=1e-10, atol=1e-10,
                                   err_msg=name)
    for (name, b), b_t in zip(ours.state_dict().items(), theirs.state_dict().values()):
        np.testing.assert_allclose(b._data, numpy_of(b_t), rtol=1e-10, atol=1e-10, err_msg=name)


@requires_torch
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("layer, shape", [("BatchNorm2d", (4, 3, 5, 2)), ("BatchNorm1d", (6, 3)),
                                          ("BatchNorm1d", (4, 3, 5))])
def test_batchnorm_running_stats_follow_torch_over_steps(layer, shape, momentum):
    import torch

    ours = getattr(nn, layer)(3, momentum=momentum).double()
    theirs = copy_to_torch(ours, getattr(torch.nn, layer)(3, momentum=momentum))
    rng = np.random.default_rng(1)
    for step in range(3):
        x = rng.standard_normal(shape) * (step + 1) + step
        np.testing.assert_allclose(ours(mt.tensor(x))._data, numpy_of(theirs(torch.tensor(x))), rtol=1e-10, atol=1e-10)
    for (name, value), value_t in zip(ours.state_dict().items(), theirs.state_dict().values()):
        np.testing.assert_allclose(value._data, numpy_of(value_t), rtol=1e-10, atol=1e-12, err_msg=name)
    assert int(ours.num_batches_tracked) == 3
    ours.eval(), theirs.eval()
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(ours(mt.tensor(x))._data, numpy_of(theirs(torch.tensor(x))), rtol=1e-10, atol=1e-10)
    assert int(ours.num_batches_tracked) == 3  # evaluation leaves the statistics alone


def test_batchnorm_without_running_stats_always_uses_the_batch(device):
    bn = nn.BatchNorm2d(2, track_running_stats=False, affine=False).eval()
    assert bn.running_mean is None and list(bn.state_dict()) == []
    x = mt.randn(3, 2, 4, 4, device=device) * 5 + 3
    y = bn(x).cpu()._data
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, atol=1e-3)


def test_batchnorm_checks_input_rank():
    with pytest.raises(ValueError, match=r"expected 4D input \(got 2D input\)"):
        nn.BatchNorm2d(3)(mt.ones(2, 3))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(mt.ones(2, 3, 1, 1))


def check_uniform_bound(values, bound):
    values = np.asarray(values, dtype=np.float64).ravel()
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.97 * bound
    assert abs(values.std() - bound / math.sqrt(3)) < 0.05 * bound / math.sqrt(3)
    assert abs(values.mean()) < 5 * bound / math.sqrt(3 * values.size)


@pytest.mark.parametrize("layer, fan_in", [
    (lambda nn: nn.Linear(400, 300), 400),
    (lambda nn: nn.Conv2d(32, 64, 3), 32 * 9),
    (lambda nn: nn.Conv2d(32, 64, (3, 5), groups=4), 8 * 15),
])
def test_default_init_is_torchs(layer, fan_in):
    """kaiming_uniform_(a=sqrt(5)) gives weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    bound = 1 / math.sqrt(fan_in)
    module = layer(nn)
    check_uniform_bound(module.weight._data, bound)
    bias = module.bias._data
    assert np.abs(bias).max() <= bound and bias.std() > 0.4 * bound / math.sqrt(3)
    try:
        import torch
    except ImportError:
        return
    check_uniform_bound(layer(torch.nn).weight.detach().numpy(), bound)  # the same law holds for torch's


def test_batchnorm_default_init_and_buffers(device):
    bn = nn.BatchNorm2d(4, device=device, dtype=mt.float64)
    np.testing.assert_array_equal(bn.weight.cpu()._data, 1)
    np.testing.assert_array_equal(bn.bias.cpu()._data, 0)
    np.testing.assert_array_equal(bn.running_mean.cpu()._data, 0)
    np.testing.assert_array_equal(bn.running_var.cpu()._data, 1)
    assert bn.num_batches_tracked.dtype == mt.int64 and bn.num_batches_tracked.shape == ()
    assert bn.weight.dtype == mt.float64 and bn.running_mean.device == mt.device(device)


def test_factory_kwargs_and_seeding(device):
    mt.manual_seed(3)
    a = nn.Conv2d(2, 3, 3, device=device, dtype=mt.float64)
    mt.manual_seed(3)
    b = nn.Conv2d(2, 3, 3, device=device, dtype=mt.float64)
    assert a.weight.dtype == mt.float64 and a.weight.device == mt.device(device)
    np.testing.assert_array_equal(a.weight.cpu()._data, b.weight.cpu()._data)
    y = nn.Linear(3, 2, device=device)(mt.ones(4, 3, device=device))
    assert y.shape == (4, 2) and y.device == mt.device(device)


def test_conv_constructor_errors():
    with pytest.raises(ValueError, match="groups must be a positive integer"):
        nn.Conv2d(4, 4, 3, groups=0)
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="Invalid padding string 'full'"):
        nn.Conv2d(3, 4, 3, padding="full")
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        nn.Conv2d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(3, 4, 3, padding_mode="mirror")
    conv = nn.Conv2d(3, 4, 3)
    assert (conv.kernel_size, conv.stride, conv.padding, conv.dilation) == ((3, 3), (1, 1), (0, 0), (1, 1))
    assert conv.weight.shape == (4, 3, 3, 3) and conv.bias.shape == (4,)


def test_dropout_layers(device):
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    x = mt.ones(40, 50, 3, 3, device=device)
    drop = nn.Dropout(0.25)
    y = drop(x).cpu()._data
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.02
    channels = nn.Dropout2d(0.5)(x).cpu()._data
    per_channel = channels.reshape(40, 50, 9)
    assert (per_channel.min(axis=2) == per_channel.max(axis=2)).all()  # whole channels kept or dropped
    assert abs((per_channel[:, :, 0] == 0).mean() - 0.5) < 0.05
    drop.eval()
    assert drop(x) is x or np.array_equal(drop(x).cpu()._data, x.cpu()._data)


def test_flatten_unflatten_identity():
    x = mt.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60) and nn.Flatten(0, -2)(x).shape == (24, 5)
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    assert nn.Identity(54, unused=True)(x) is x
    with pytest.raises(TypeError, match="unflattened_size must be a tuple of ints, but found type int"):
        nn.Unflatten(1, 3)
    with pytest.raises(TypeError, match="found element of type float at pos 1"):
        nn.Unflatten(1, (3, 2.0))


@requires_torch
def test_unflatten_repr_matches_torch():
    import torch

    assert repr(nn.Unflatten(1, (2, 3))) == repr(torch.nn.Unflatten(1, (2, 3)))


@requires_torch
@pytest.mark.parametrize("expr", ["nn.MaxPool2d(2, return_indices=True)", "nn.AdaptiveMaxPool2d(3, True)"])
def test_pooling_return_indices_like_torch(expr):
    import torch

    x = np.random.default_rng(2).standard_normal((2, 3, 6, 5))
    (values, indices), (values_t, indices_t) = make(expr, nn)(mt.tensor(x)), make(expr, torch.nn)(torch.tensor(x))
    np.testing.assert_array_equal(values._data, values_t.numpy())
    np.testing.assert_array_equal(indices._data, indices_t.numpy())
    assert indices.dtype == mt.int64
