"""Wide Residual Networks (Zagoruyko & Komodakis 2016) in their CIFAR form: ``wrn28_10``.

WRN-d-k: three stages of (d - 4) / 6 pre-activation blocks, 16k, 32k and 64k filters wide, on 32x32,
16x16 and 8x8 maps. WRN-28-10 has 36.5M parameters. (torchvision's ``wide_resnet50_2`` is the ImageNet
Bottleneck form and lives in ``resnet.py``.)
"""
from .. import nn
from ..functions import flatten
from ._api import load_weights, register_model
from .resnet import conv1x1, conv3x3, init_conv_and_batch_norm


class WideBasic(nn.Module):
    """Pre-activation block: BN -> ReLU -> conv3x3(stride) -> BN -> ReLU -> dropout -> conv3x3, plus shortcut.

    (N, in_planes, H, W) -> (N, planes, H/stride, W/stride). Where the shape changes the shortcut is a
    1x1 conv applied to the pre-activated input; otherwise it is the identity on the raw input.
    """

    def __init__(self, in_planes, planes, stride=1, dropout=0.0):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv1 = conv3x3(in_planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.dropout = nn.Dropout(p=dropout)
        self.conv2 = conv3x3(planes, planes)
        self.shortcut = None
        if stride != 1 or in_planes != planes:
            self.shortcut = conv1x1(in_planes, planes, stride)

    def forward(self, x):
        o = self.relu(self.bn1(x))
        identity = x if self.shortcut is None else self.shortcut(o)
        out = self.conv1(o)
        out = self.conv2(self.dropout(self.relu(self.bn2(out))))
        return out + identity


class WideResNet(nn.Module):
    """(N, 3, 32, 32) -> conv3x3 16 -> layer1 (16k) -> layer2 (32k, /2) -> layer3 (64k, /2) -> BN -> ReLU
    -> global average pool -> fc -> (N, num_classes)."""

    def __init__(self, depth=28, widen_factor=10, dropout=0.0, num_classes=10):
        super().__init__()
        if (depth - 4) % 6 != 0:
            raise ValueError(f"WideResNet: depth must be 6n + 4 (16, 22, 28, 40 ...), got {depth}")
        n = (depth - 4) // 6
        widths = [16 * widen_factor, 32 * widen_factor, 64 * widen_factor]
        self.conv1 = conv3x3(3, 16)
        self.layer1 = self._make_layer(16, widths[0], n, 1, dropout)
        self.layer2 = self._make_layer(widths[0], widths[1], n, 2, dropout)
        self.layer3 = self._make_layer(widths[1], widths[2], n, 2, dropout)
        self.bn1 = nn.BatchNorm2d(widths[2])
        self.relu = nn.ReLU(inplace=True)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(widths[2], num_classes)

        init_conv_and_batch_norm(self)
        nn.init.constant_(self.fc.bias, 0)

    @staticmethod
    def _make_layer(in_planes, planes, blocks, stride, dropout):
        layers = [WideBasic(in_planes, planes, stride, dropout)]
        layers += [WideBasic(planes, planes, 1, dropout) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(self.conv1(x))))
        x = self.relu(self.bn1(x))
        x = flatten(self.avgpool(x), 1)
        return self.fc(x)


@register_model
def wrn28_10(*, weights=None, **kwargs):
    """WRN-28-10 for CIFAR (36.5M parameters); kwargs: ``num_classes``, ``dropout`` (the paper uses 0.3)."""
    return load_weights(WideResNet(28, 10, **kwargs), weights)
