"""Lazy modules (LazyLinear, LazyConv2d, LazyBatchNorm1d/2d/3d): shapes inferred on the first forward,
the same initialisation as the ordinary layer, placeholders that become the real parameters in place
(an optimizer built before the dry run keeps working), state_dict loading before the first forward;
and the ``x = nn.ReLU(x)`` mistake reported at once."""
import copy

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import nn
from minitorch_cnn.nn.parameter import UninitializedBuffer, UninitializedParameter


def test_lazy_linear_becomes_linear_with_the_same_initialisation():
    mt.manual_seed(0)
    lazy = nn.LazyLinear(3)
    assert isinstance(lazy.weight, UninitializedParameter) and lazy.has_uninitialized_params()
    assert repr(lazy) == "LazyLinear(in_features=0, out_features=3, bias=True)"
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
        lazy.weight.shape
    x = mt.randn(2, 5)
    mt.manual_seed(1)
    y = lazy(x)
    mt.manual_seed(1)
    plain = nn.Linear(5, 3)
    assert type(lazy) is nn.Linear and lazy.in_features == 5 and y.shape == (2, 3)
    assert np.array_equal(lazy.weight.detach().numpy(), plain.weight.detach().numpy())
    assert np.array_equal(lazy.bias.detach().numpy(), plain.bias.detach().numpy())
    assert type(lazy.weight) is nn.Parameter and repr(lazy) == repr(plain)
    assert np.allclose(y.detach().numpy(), plain(x).detach().numpy())


def test_optimizer_built_before_the_dry_run_trains_the_materialised_parameters():
    net = nn.Sequential(nn.LazyConv2d(4, 3, padding=1), nn.LazyBatchNorm2d(), nn.ReLU(), nn.Flatten(),
                        nn.LazyLinear(2), nn.LazyBatchNorm1d())
    params = list(net.parameters())
    assert len(params) == 8 and all(isinstance(p, UninitializedParameter) for p in params)
    opt = mt.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    x = mt.randn(3, 2, 5, 5)
    out = net(x)
    assert out.shape == (3, 2) and [type(m).__name__ for m in net] == [
        "Conv2d", "BatchNorm2d", "ReLU", "Flatten", "Linear", "BatchNorm1d"]
    assert net[0].weight.shape == (4, 2, 3, 3) and net[4].weight.shape == (2, 100)
    assert net[1].running_mean.shape == (4,) and type(net[1].running_mean) is mt.Tensor
    assert [p is q for p, q in zip(net.parameters(), params)] == [True] * 8  # the same objects, in place
    before = net[0].weight.detach().clone()
    (out * mt.randn(3, 2)).sum().backward()  # (a plain sum after batch norm has zero gradient)
    opt.step()
    expected = before.numpy() - 0.1 * net[0].weight.grad.numpy()
    assert np.abs(net[0].weight.grad.numpy()).max() > 1e-3
    np.testing.assert_allclose(net[0].weight.detach().numpy(), expected, rtol=1e-6, atol=1e-7)
    assert sum(p.numel() for p in net.parameters()) == 4 * 2 * 9 + 4 + 8 + 2 * 100 + 2 + 4


def test_lazy_conv2d_unbatched_groups_and_errors():
    conv = nn.LazyConv2d(6, kernel_size=3, groups=2, bias=False)
    conv(mt.randn(4, 7, 7))  # (C, H, W): unbatched
    assert conv.in_channels == 4 and conv.weight.shape == (6, 2, 3, 3) and conv.bias is None
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.LazyConv2d(4, 3, groups=2)(mt.randn(1, 3, 5, 5))


def test_lazy_batch_norm_3d_and_no_affine():
    bn = nn.LazyBatchNorm3d(affine=False)
    y = bn(mt.randn(2, 3, 2, 2, 2))
    assert type(bn) is nn.BatchNorm3d and bn.num_features == 3 and bn.weight is None
    assert bn.running_var.shape == (3,) and bn.num_batches_tracked.item() == 1 and y.shape == (2, 3, 2, 2, 2)


def test_load_state_dict_before_the_first_forward():
    source = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4 * 4 * 4, 5))
    target = nn.Sequential(nn.LazyConv2d(4, 3), nn.LazyBatchNorm2d(), nn.Flatten(), nn.LazyLinear(5))
    target.load_state_dict(source.state_dict())
    assert target[0].weight.shape == (4, 3, 3, 3) and not target[3].has_uninitialized_params()
    x = mt.randn(2, 3, 6, 6)
    source.eval(), target.eval()
    assert np.allclose(target(x).detach().numpy(), source(x).detach().numpy())
    assert type(target[3]) is nn.Linear


def test_uninitialized_placeholders():
    p = UninitializedParameter()
    assert repr(p) == "<UninitializedParameter>" and p.requires_grad
    copy.deepcopy(p).materialize((2,))
    b = UninitializedBuffer()
    b.materialize((2, 3))
    assert type(b) is mt.Tensor and b.shape == (2, 3)
    with pytest.raises(RuntimeError, match="Call `forward` to initialize the parameters"):
        p.numel()


@pytest.mark.parametrize("cls, function", [
    (nn.ReLU, "F.relu(x)"), (nn.LeakyReLU, "F.leaky_relu(x)"), (nn.Sigmoid, "F.sigmoid(x)"),
    (nn.Softmax, "F.softmax(x)"), (nn.Dropout, "F.dropout(x)"), (nn.Linear, "F.linear(x, ...)"),
    (nn.Conv2d, "F.conv2d(x, ...)"), (nn.MaxPool2d, "F.max_pool2d(x, ...)"), (nn.BatchNorm2d, "F.batch_norm(x, ...)"),
])
def test_module_constructed_with_a_tensor_says_what_is_wrong(cls, function):
    x = mt.randn(2, 3)
    with pytest.raises(TypeError) as info:
        cls(x)
    message = str(info.value)
    assert message.startswith(f"nn.{cls.__name__} is a module: create it in __init__ (self.")
    assert function in message


def test_relu_message_and_legitimate_tensor_arguments():
    with pytest.raises(TypeError, match=r"^nn\.ReLU is a module: create it in __init__ \(self\.relu = nn\.ReLU\(\)\) "
                                        r"and call it, or call F\.relu\(x\)"):
        nn.ReLU(mt.randn(3))

    class Scale(nn.Module):  # a user's own module may well take a tensor
        def __init__(self, factor):
            super().__init__()
            self.factor = factor

    assert Scale(mt.tensor(2.0)).factor.item() == 2.0
    assert nn.CrossEntropyLoss(mt.ones(3)).weight.shape == (3,)  # losses take a class-weight tensor
    assert nn.BCEWithLogitsLoss(mt.ones(3)) is not None
