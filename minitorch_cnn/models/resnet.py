"""ResNet (He et al. 2015), Wide ResNet and ResNeXt, as torchvision builds them, with a small-input stem.

``resnet18/34`` stack ``BasicBlock`` (two 3x3 convs); ``resnet50/101/152`` stack ``Bottleneck``
(1x1 reduce -> 3x3 -> 1x1 expand by 4). When a block changes the resolution or the width, its shortcut
is a 1x1 projection ``downsample = conv1x1(stride) -> BatchNorm``; otherwise it is the identity.
"""
from .. import nn
from ..functions import flatten
from ._api import load_weights, register_model


def conv3x3(in_planes, out_planes, stride=1, groups=1, dilation=1):
    """3x3 convolution with padding (no bias: a BatchNorm follows)."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation, groups=groups,
                     bias=False, dilation=dilation)


def init_conv_and_batch_norm(model):
    """torchvision's ResNet initialisation: He (fan_out) for every conv, BN weight 1 and bias 0."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.constant_(m.weight, 1)
            nn.init.constant_(m.bias, 0)


def conv1x1(in_planes, out_planes, stride=1):
    """1x1 convolution (no bias)."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """relu(bn2(conv3x3(relu(bn1(conv3x3(x, stride))))) + shortcut(x)): (N, inplanes, H, W) -> (N, planes, H/s, W/s)."""

    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1,
                 norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """1x1 (width) -> 3x3 (width, stride, groups) -> 1x1 (planes * 4), plus the shortcut.

    (N, inplanes, H, W) -> (N, 4 * planes, H/s, W/s), with width = planes * base_width / 64 * groups:
    ResNeXt's cardinality is ``groups``, Wide ResNet doubles ``base_width``. The stride sits on the 3x3 conv
    (ResNet v1.5, as torchvision).
    """

    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1,
                 norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    """Stem -> layer1..layer4 (64, 128, 256, 512 planes; stride 1, 2, 2, 2) -> global average pool -> fc.

    (N, 3, 224, 224) -> stem (N, 64, 56, 56) -> layer4 (N, 512 * expansion, 7, 7) -> (N, num_classes).
    ``small_input=True`` replaces the 7x7/2 stem conv and its max-pool by one 3x3/1 conv, for 32x32 images
    (CIFAR): layer4 then sees 4x4 instead of 1x1. The state_dict keys stay torchvision's.
    """

    def __init__(self, block, layers, num_classes=1000, zero_init_residual=False, groups=1, width_per_group=64,
                 replace_stride_with_dilation=None, norm_layer=None, small_input=False):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self._norm_layer = norm_layer

        self.inplanes = 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError("replace_stride_with_dilation should be None "
                             f"or a 3-element tuple, got {replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        if small_input:
            self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=3, stride=1, padding=1, bias=False)
        else:
            self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.Identity() if small_input else nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2, dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2, dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2, dilate=replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

        init_conv_and_batch_norm(self)

        # Start each residual branch at zero so every block begins as the identity (Goyal et al. 2017).
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck):
                    nn.init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock):
                    nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        """``blocks`` blocks; the first one changes stride/width and gets the projection shortcut."""
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride),
                norm_layer(planes * block.expansion),
            )

        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width, previous_dilation,
                        norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups, base_width=self.base_width,
                                dilation=self.dilation, norm_layer=norm_layer))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = flatten(self.avgpool(x), 1)
        return self.fc(x)


def _resnet(block, layers, weights, **kwargs):
    return load_weights(ResNet(block, layers, **kwargs), weights)


# Each builder: ``weights`` is the path of a torchvision .pth (or a state_dict); ``progress`` is accepted
# for torchvision compatibility (nothing is downloaded); ``kwargs`` go to ``ResNet`` (num_classes,
# small_input, zero_init_residual, ...).
@register_model
def resnet18(*, weights=None, progress=True, **kwargs):
    """ResNet-18: BasicBlock x [2, 2, 2, 2], 11.7M parameters."""
    return _resnet(BasicBlock, [2, 2, 2, 2], weights, **kwargs)


@register_model
def resnet34(*, weights=None, progress=True, **kwargs):
    """ResNet-34: BasicBlock x [3, 4, 6, 3]."""
    return _resnet(BasicBlock, [3, 4, 6, 3], weights, **kwargs)


@register_model
def resnet50(*, weights=None, progress=True, **kwargs):
    """ResNet-50: Bottleneck x [3, 4, 6, 3], 25.6M parameters, 4.09 GMACs at 224x224."""
    return _resnet(Bottleneck, [3, 4, 6, 3], weights, **kwargs)


@register_model
def resnet101(*, weights=None, progress=True, **kwargs):
    """ResNet-101: Bottleneck x [3, 4, 23, 3]."""
    return _resnet(Bottleneck, [3, 4, 23, 3], weights, **kwargs)


@register_model
def resnet152(*, weights=None, progress=True, **kwargs):
    """ResNet-152: Bottleneck x [3, 8, 36, 3], the ILSVRC 2015 winner."""
    return _resnet(Bottleneck, [3, 8, 36, 3], weights, **kwargs)


@register_model
def resnext50_32x4d(*, weights=None, progress=True, **kwargs):
    """ResNeXt-50 32x4d: ResNet-50 whose 3x3 convs have 32 groups of 4 channels (per 64 planes)."""
    return _resnet(Bottleneck, [3, 4, 6, 3], weights, groups=32, width_per_group=4, **kwargs)


@register_model
def resnext101_32x8d(*, weights=None, progress=True, **kwargs):
    """ResNeXt-101 32x8d."""
    return _resnet(Bottleneck, [3, 4, 23, 3], weights, groups=32, width_per_group=8, **kwargs)


@register_model
def resnext101_64x4d(*, weights=None, progress=True, **kwargs):
    """ResNeXt-101 64x4d."""
    return _resnet(Bottleneck, [3, 4, 23, 3], weights, groups=64, width_per_group=4, **kwargs)


@register_model
def wide_resnet50_2(*, weights=None, progress=True, **kwargs):
    """Wide ResNet-50-2: ResNet-50 with twice as wide bottlenecks (the outer 1x1 widths are unchanged)."""
    return _resnet(Bottleneck, [3, 4, 6, 3], weights, width_per_group=64 * 2, **kwargs)


@register_model
def wide_resnet101_2(*, weights=None, progress=True, **kwargs):
    """Wide ResNet-101-2."""
    return _resnet(Bottleneck, [3, 4, 23, 3], weights, width_per_group=64 * 2, **kwargs)
