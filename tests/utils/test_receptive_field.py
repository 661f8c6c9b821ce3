"""The ``receptive_field`` column: hand-derived fields (size, jump) through stacks, strides, dilations,
residual additions and concatenations; the lecture's VGG and ResNet figures; and the field checked
against the support of an output unit's input gradient."""
import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import nn
from minitorch_cnn.utils.receptive_field import Field, adaptive_window
from minitorch_cnn.utils.summary import summary


def fields(model, input_size, **kwargs):
    """{dotted name: (size, jump)} of every module call (the last call of a reused module)."""
    result = summary(model, input_size=input_size, col_names=("output_size", "receptive_field"), verbose=0, **kwargs)
    return {info.name: (info.receptive_field.size, info.receptive_field.jump) if info.receptive_field else None
            for info in result.summary_list}


def test_three_stacked_3x3_convs_see_what_one_7x7_sees():
    three = nn.Sequential(*[nn.Conv2d(2, 2, 3, padding=1) for _ in range(3)])
    got = fields(three, (1, 2, 16, 16))
    assert [got[k] for k in ("0", "1", "2")] == [((3, 3), (1, 1)), ((5, 5), (1, 1)), ((7, 7), (1, 1))]
    assert got[""] == ((7, 7), (1, 1))  # the Sequential row: its last layer's field
    assert fields(nn.Sequential(nn.Conv2d(2, 2, 7, padding=3)), (1, 2, 16, 16))["0"] == got["2"]


def test_strides_pools_and_dilations_follow_the_recurrence():
    # size += d (k - 1) jump ; jump *= stride
    model = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2), nn.ReLU(), nn.MaxPool2d(2), nn.BatchNorm2d(4),
                          nn.Conv2d(4, 4, 3, dilation=2), nn.AvgPool2d(3, stride=1), nn.Conv2d(4, 4, (1, 5)))
    got = fields(model, (1, 1, 64, 64))
    assert got["0"] == ((3, 3), (2, 2))
    assert got["1"] == got["0"]  # per-pixel layers keep the field
    assert got["2"] == ((5, 5), (4, 4))  # 3 + (2 - 1) * 2
    assert got["3"] == got["2"]
    assert got["4"] == ((21, 21), (4, 4))  # 5 + 2 * (3 - 1) * 4
    assert got["5"] == ((29, 29), (4, 4))  # 21 + (3 - 1) * 4
    assert got["6"] == ((29, 45), (4, 4))  # a 1x5 kernel widens the columns only
    result = summary(model, input_size=(1, 1, 64, 64), col_names=("receptive_field",), verbose=0)
    assert "Receptive Field" in str(result) and "29x45 (jump 4)" in str(result)


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 3, 3, padding=1)
        self.conv2 = nn.Conv2d(3, 3, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.conv2(self.relu(self.conv1(x))) + x)  # the addition is a plain function


class Branches(nn.Module):
    def __init__(self):
        super().__init__()
        self.narrow = nn.Conv2d(3, 2, 1)
        self.wide = nn.Sequential(nn.Conv2d(3, 2, 3, padding=1), nn.Conv2d(2, 2, 5, padding=2))
        self.pool = nn.MaxPool2d(3, stride=1, padding=1)

    def forward(self, x):
        return mt.cat([self.narrow(x), self.wide(x), self.pool(x)], 1)


def test_residual_additions_and_concatenations_see_their_widest_branch():
    got = fields(nn.Sequential(nn.Conv2d(3, 3, 3, padding=1), Residual()), (1, 3, 16, 16))
    assert got["1"] == ((7, 7), (1, 1))  # max(3 + 2 + 2 through the convs, 3 through the shortcut)
    got = fields(nn.Sequential(Branches(), nn.Conv2d(7, 1, 3, padding=1)), (1, 3, 16, 16))
    assert got["0.narrow"] == ((1, 1), (1, 1)) and got["0.pool"] == ((3, 3), (1, 1))
    assert got["0"] == ((7, 7), (1, 1)) and got["1"] == ((9, 9), (1, 1))


def test_cifar_resnet20_and_its_strided_zero_padded_shortcut():
    got = fields(mt.models.resnet20(), (1, 3, 32, 32))
    # conv1 3; layer1: six 3x3 at jump 1 -> 15; layer2: 3x3/2 -> 17 (jump 2), five more -> 37;
    # layer3: 3x3/2 -> 41 (jump 4), five more -> 81
    assert got["layer1"] == ((15, 15), (1, 1)) and got["layer2"] == ((37, 37), (2, 2))
    assert got["layer3"] == ((81, 81), (4, 4))
    assert got["layer2.0.downsample"] == ((15, 15), (2, 2))  # subsampling doubles the jump, not the size


def test_torchvision_vgg16_pool5_sees_212_pixels():
    features = mt.models.vgg.make_layers(mt.models.vgg.cfgs["D"])
    got = fields(features, (1, 3, 32, 32))
    pools = [got[str(i)] for i, m in enumerate(features) if isinstance(m, nn.MaxPool2d)]
    assert pools == [((s, s), (j, j)) for s, j in ((6, 2), (16, 4), (44, 8), (100, 16), (212, 32))]


def test_torchvision_resnet50_last_stage_sees_427_pixels():
    got = fields(mt.models.resnet50(), (1, 3, 32, 32))
    assert got["conv1"] == ((7, 7), (2, 2)) and got["maxpool"] == ((11, 11), (4, 4))
    assert got["layer4"] == ((427, 427), (32, 32))


@pytest.mark.parametrize("layers", [
    [(3, 1, 1), (3, 1, 1), (3, 1, 1)],
    [(3, 2, 1), (3, 1, 2), (5, 2, 1)],
    [(5, 1, 1), ("pool", 2, 2), (3, 1, 3)],
], ids=str)
def test_the_field_is_the_support_of_an_output_units_input_gradient(layers):
    """With positive weights and no nonlinearity, d(centre unit)/d(input) is nonzero exactly on its field."""
    modules = []
    for k, s, d in layers:
        modules.append(nn.MaxPool2d(s, stride=s) if k == "pool" else nn.Conv2d(1, 1, k, stride=s, dilation=d))
    model = nn.Sequential(*modules)
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.constant_(m.weight, 1.0)
            nn.init.constant_(m.bias, 0.0)
    x = mt.rand(1, 1, 61, 61, requires_grad=True)
    y = model(x)
    h, w = y.shape[-2:]
    y[0, 0, h // 2, w // 2].backward()
    rows = np.nonzero(np.abs(x.grad.numpy()[0, 0]).sum(axis=1))[0]
    got = fields(model, (1, 1, 61, 61))[str(len(layers) - 1)]
    if all(k != "pool" for k, _, _ in layers):  # a max-pool routes the gradient to one pixel per window
        assert rows.max() - rows.min() + 1 == got[0][0]
    else:
        assert rows.max() - rows.min() + 1 <= got[0][0]


def test_adaptive_pools_and_linear_layers():
    assert adaptive_window((7, 7), (1, 1)) == ((7, 7), (7.0, 7.0))
    assert adaptive_window((5, 5), (3, 3)) == ((3, 3), (5 / 3, 5 / 3))  # windows 0-1, 1-3, 3-4
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2, 3))
    got = fields(model, (1, 1, 10, 10))
    assert got["1"] == ((10, 10), (8, 8))  # 3 + (8 - 1) * 1: the whole 8x8 map, that is the whole image
    assert got["3"] == got["1"]  # a linear layer sees all of a 1x1 map
    flat = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(2 * 8 * 8, 3))
    assert fields(flat, (1, 1, 10, 10))["2"] == ((10, 10), (8, 8))  # it sees the whole 8x8 map it flattens
    assert str(Field((3, 5), (2, 2), (4, 4))) == "3x5 (jump 2)"


def test_a_model_without_spatial_input_has_no_fields():
    result = summary(mt.models.two_layer_net(), input_size=(2, 3072), col_names=("receptive_field",), verbose=0)
    assert all(info.receptive_field is None for info in result.summary_list)
    assert "--" in str(result)
