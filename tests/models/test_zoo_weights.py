"""``weights=PATH`` loads checkpoints written by PyTorch: blocks built in PyTorch with the same names give
PyTorch's outputs to 1e-10 in float64, a whole model round-trips through ``torch.save`` and the builder,
DenseNet's old key names are renamed, and GoogLeNet follows torchvision's rules for its aux heads."""
import numpy as np
import pytest
from conftest import requires_torch
from zoo_helpers import fast_init, projection, torchvision_or_none

import minitorch_cnn as mt
from minitorch_cnn import models
from minitorch_cnn.models.densenet import _DenseLayer, remap_old_keys


def torch_blocks():
    """The same blocks written directly in PyTorch (torchvision's code shape, same attribute names)."""
    import torch
    from torch import nn

    def conv(i, o, k, stride=1, groups=1):
        return nn.Conv2d(i, o, k, stride, k // 2, groups=groups, bias=False)

    class BasicBlock(nn.Module):
        def __init__(self, inplanes, planes, stride):
            super().__init__()
            self.conv1, self.bn1 = conv(inplanes, planes, 3, stride), nn.BatchNorm2d(planes)
            self.conv2, self.bn2 = conv(planes, planes, 3), nn.BatchNorm2d(planes)
            self.downsample = nn.Sequential(conv(inplanes, planes, 1, stride), nn.BatchNorm2d(planes))

        def forward(self, x):
            out = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
            return torch.relu(out + self.downsample(x))

    class Bottleneck(nn.Module):
        def __init__(self, inplanes, width, out, groups):
            super().__init__()
            self.conv1, self.bn1 = conv(inplanes, width, 1), nn.BatchNorm2d(width)
            self.conv2, self.bn2 = conv(width, width, 3, groups=groups), nn.BatchNorm2d(width)
            self.conv3, self.bn3 = conv(width, out, 1), nn.BatchNorm2d(out)

        def forward(self, x):
            out = torch.relu(self.bn1(self.conv1(x)))
            out = torch.relu(self.bn2(self.conv2(out)))
            return torch.relu(self.bn3(self.conv3(out)) + x)

    class DenseLayer(nn.Module):
        def __init__(self, c, k, bn_size):
            super().__init__()
            self.norm1, self.relu1, self.conv1 = nn.BatchNorm2d(c), nn.ReLU(), conv(c, bn_size * k, 1)
            self.norm2, self.relu2, self.conv2 = nn.BatchNorm2d(bn_size * k), nn.ReLU(), conv(bn_size * k, k, 3)

        def forward(self, x):
            return self.conv2(self.relu2(self.norm2(self.conv1(self.relu1(self.norm1(x))))))

    return {
        "basic_block": (BasicBlock(3, 4, 2), lambda: models.BasicBlock(3, 4, 2, projection(3, 4, 2)), (2, 3, 6, 6)),
        "bottleneck_groups": (Bottleneck(16, 8, 16, 4), lambda: models.Bottleneck(16, 4, groups=4, base_width=32),
                              (2, 16, 5, 5)),
        "dense_layer": (DenseLayer(5, 3, 2), lambda: _DenseLayer(5, 3, 2, 0.0), (2, 5, 4, 4)),
    }


def randomise_batch_norm(torch_module):
    import torch

    generator = torch.Generator().manual_seed(0)
    for m in torch_module.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.data.uniform_(0.5, 1.5, generator=generator)
            m.bias.data.normal_(generator=generator)
            m.running_mean.normal_(generator=generator)
            m.running_var.uniform_(0.5, 2.0, generator=generator)
            m.num_batches_tracked.fill_(3)


@requires_torch
@pytest.mark.parametrize("name", ["basic_block", "bottleneck_groups", "dense_layer"])
def test_torch_saved_block_loads_and_matches_pytorch(name, tmp_path):
    import torch

    torch_block, build, input_shape = torch_blocks()[name]
    torch_block = torch_block.double()
    randomise_batch_norm(torch_block)
    path = tmp_path / f"{name}.pth"
    torch.save(torch_block.state_dict(), path)

    block = build().double()
    block.load_state_dict(mt.load(path))
    x = np.random.default_rng(1).standard_normal(input_shape)
    for train in (False, True):  # eval: running statistics; train: batch statistics and their update
        torch_block.train(train)
        block.train(train)
        expected = torch_block(torch.from_numpy(x)).detach().numpy()
        with mt.no_grad():
            got = block(mt.tensor(x)).numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
    for key, value in torch_block.state_dict().items():
        np.testing.assert_allclose(block.state_dict()[key].numpy(), value.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=key)


@requires_torch
def test_builder_loads_a_torch_saved_model(tmp_path):
    import torch

    source = models.resnet20(num_classes=10).eval()
    path = tmp_path / "resnet20.pth"
    torch.save({k: torch.from_numpy(v.numpy().copy()) for k, v in source.state_dict().items()}, path)
    loaded = models.resnet20(weights=path).eval()
    x = mt.randn(2, 3, 32, 32)
    with mt.no_grad():
        np.testing.assert_array_equal(loaded(x).numpy(), source(x).numpy())


@requires_torch
def test_densenet_old_checkpoint_keys_are_renamed(tmp_path):
    import torch

    config = dict(bn_size=2, num_classes=3)
    source = models.DenseNet(4, (2, 2), 8, **config).eval()
    # The 2017 files: "norm.1.weight" instead of "norm1.weight", and no num_batches_tracked yet.
    old = {k.replace("norm1.", "norm.1.").replace("conv2.", "conv.2.").replace("norm2.", "norm.2.")
           .replace("conv1.", "conv.1."): torch.from_numpy(v.numpy().copy())
           for k, v in source.state_dict().items() if not k.endswith("num_batches_tracked")}
    assert "features.denseblock1.denselayer1.norm.1.weight" in old
    torch.save(old, tmp_path / "old.pth")
    loaded = models.densenet._densenet(4, (2, 2), 8, tmp_path / "old.pth", **config).eval()
    x = mt.randn(1, 3, 16, 16)
    with mt.no_grad():
        np.testing.assert_array_equal(loaded(x).numpy(), source(x).numpy())


def test_remap_old_keys_is_torchvisions_pattern():
    renamed = remap_old_keys({"features.denseblock1.denselayer1.norm.1.weight": 1,
                              "features.denseblock4.denselayer16.conv.2.weight": 2,
                              "features.denseblock1.denselayer1.norm1.running_var": 3,
                              "features.transition1.norm.weight": 4})
    assert list(renamed) == ["features.denseblock1.denselayer1.norm1.weight",
                             "features.denseblock4.denselayer16.conv2.weight",
                             "features.denseblock1.denselayer1.norm1.running_var",
                             "features.transition1.norm.weight"]


def test_googlenet_weights_follow_torchvisions_rules():
    with fast_init():
        checkpoint = models.GoogLeNet(aux_logits=True, init_weights=False).state_dict()
        model = models.googlenet(weights=checkpoint)
        with_aux = models.googlenet(weights=checkpoint, aux_logits=True)
    assert model.transform_input and not model.aux_logits and model.aux1 is None and model.aux2 is None
    assert "aux1.fc1.weight" not in model.state_dict()
    assert with_aux.aux_logits and "aux1.fc1.weight" in with_aux.state_dict()


def test_wrong_num_classes_names_the_mismatch():
    checkpoint = models.resnet20(num_classes=10).state_dict()
    with pytest.raises(RuntimeError, match="fc.weight"):
        models.resnet20(weights=checkpoint, num_classes=100)


@pytest.mark.skipif(torchvision_or_none() is None, reason="torchvision is not installed")
@pytest.mark.parametrize("name, size", [("resnet18", 64), ("densenet121", 64), ("googlenet", 64),
                                        ("resnext50_32x4d", 32)])
def test_torchvision_checkpoint_gives_torchvisions_output(name, size, tmp_path):
    import torch

    torch.manual_seed(0)
    kwargs = {"aux_logits": True, "init_weights": True} if name == "googlenet" else {}  # as released
    reference = torchvision_or_none().models.get_model(name, **kwargs).eval()
    for m in reference.modules():  # non-trivial running statistics
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    torch.save(reference.state_dict(), tmp_path / f"{name}.pth")
    model = models.get_model(name, weights=tmp_path / f"{name}.pth",
                             **({"transform_input": False} if name == "googlenet" else {})).eval()
    x = np.random.default_rng(0).standard_normal((1, 3, size, size)).astype(np.float32)
    with torch.no_grad():
        expected = reference(torch.from_numpy(x)).numpy()
    with mt.no_grad():
        got = model(mt.tensor(x)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-4)
