"""The CIFAR-10 ResNets of He et al. 2016, Section 4.2: ``resnet20/32/44/56/110``.

Three stages of ``n`` BasicBlocks with 16, 32 and 64 filters on 32x32, 16x16 and 8x8 maps, depth 6n + 2.
Shortcuts are "option A": parameter-free identities; where a stage halves the map and doubles the
width, the shortcut subsamples by 2 and pads the new channels with zeros. Parameters: 0.27M, 0.46M,
0.66M, 0.85M, 1.7M as in the paper's Table 6.
"""
from .. import nn
from ..functions import flatten, pad
from ._api import load_weights, register_model
from .resnet import BasicBlock, conv3x3, init_conv_and_batch_norm


class PadShortcut(nn.Module):
    """Option A shortcut: (N, C_in, H, W) -> (N, C_out, H/stride, W/stride), the extra channels all zero."""

    def __init__(self, in_planes, out_planes, stride):
        super().__init__()
        self.stride = stride
        self.pad_front = (out_planes - in_planes) // 2
        self.pad_back = out_planes - in_planes - self.pad_front

    def forward(self, x):
        x = x[:, :, ::self.stride, ::self.stride]
        return pad(x, (0, 0, 0, 0, self.pad_front, self.pad_back))  # pads (W, W, H, H, C, C)

    def extra_repr(self):
        return f"stride={self.stride}, pad=({self.pad_front}, {self.pad_back})"


class CifarResNet(nn.Module):
    """(N, 3, 32, 32) -> conv3x3 16 -> layer1 (16, 32x32) -> layer2 (32, 16x16) -> layer3 (64, 8x8)
    -> global average pool -> fc -> (N, num_classes)."""

    def __init__(self, depth, num_classes=10):
        super().__init__()
        if (depth - 2) % 6 != 0:
            raise ValueError(f"CifarResNet: depth must be 6n + 2 (20, 32, 44, 56, 110 ...), got {depth}")
        n = (depth - 2) // 6
        self.inplanes = 16
        self.conv1 = conv3x3(3, 16)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(16, n, stride=1)
        self.layer2 = self._make_layer(32, n, stride=2)
        self.layer3 = self._make_layer(64, n, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, num_classes)

        init_conv_and_batch_norm(self)

    def _make_layer(self, planes, blocks, stride):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = PadShortcut(self.inplanes, planes, stride)
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        layers += [BasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = flatten(self.avgpool(x), 1)
        return self.fc(x)


# Each builder: ``weights`` is a path read with ``mt.load`` (or a state_dict); kwargs: ``num_classes``.
@register_model
def resnet20(*, weights=None, **kwargs):
    """ResNet-20 for CIFAR (n=3): 0.27M parameters."""
    return load_weights(CifarResNet(20, **kwargs), weights)


@register_model
def resnet32(*, weights=None, **kwargs):
    """ResNet-32 for CIFAR (n=5): 0.46M parameters."""
    return load_weights(CifarResNet(32, **kwargs), weights)


@register_model
def resnet44(*, weights=None, **kwargs):
    """ResNet-44 for CIFAR (n=7): 0.66M parameters."""
    return load_weights(CifarResNet(44, **kwargs), weights)


@register_model
def resnet56(*, weights=None, **kwargs):
    """ResNet-56 for CIFAR (n=9): 0.85M parameters."""
    return load_weights(CifarResNet(56, **kwargs), weights)


@register_model
def resnet110(*, weights=None, **kwargs):
    """ResNet-110 for CIFAR (n=18): 1.7M parameters."""
    return load_weights(CifarResNet(110, **kwargs), weights)
