"""DenseNet-BC (Huang et al. 2017), as torchvision builds it: ``densenet121/161/169/201``.

Inside a dense block every layer receives the concatenation of all earlier feature maps and adds
``growth_rate`` new channels; transition layers between blocks halve the channels and the resolution.
"""
import re

from .. import nn
from ..functions import cat, flatten
from ..nn import functional as F
from ._api import load_weights, register_model


class _DenseLayer(nn.Module):
    """BN -> ReLU -> conv1x1 (bn_size * k) -> BN -> ReLU -> conv3x3 (k) on the concatenated inputs.

    Takes a tensor or a list of (N, C_i, H, W) tensors with sum(C_i) = num_input_features and returns
    the (N, growth_rate, H, W) new features.
    """

    def __init__(self, num_input_features, growth_rate, bn_size, drop_rate, memory_efficient=False):
        super().__init__()
        if memory_efficient:
            raise NotImplementedError("DenseNet: memory_efficient=True needs activation checkpointing, "
                                      "which minitorch_cnn does not have; use memory_efficient=False")
        self.norm1 = nn.BatchNorm2d(num_input_features)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(num_input_features, bn_size * growth_rate, kernel_size=1, stride=1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, stride=1, padding=1, bias=False)
        self.drop_rate = float(drop_rate)
        self.memory_efficient = memory_efficient

    def bn_function(self, inputs):
        """The 1x1 bottleneck over all inputs so far: (N, sum C_i, H, W) -> (N, bn_size * k, H, W)."""
        concated_features = cat(inputs, 1)
        return self.conv1(self.relu1(self.norm1(concated_features)))

    def forward(self, input):
        prev_features = [input] if not isinstance(input, (list, tuple)) else input
        bottleneck_output = self.bn_function(prev_features)
        new_features = self.conv2(self.relu2(self.norm2(bottleneck_output)))
        if self.drop_rate > 0:
            new_features = F.dropout(new_features, p=self.drop_rate, training=self.training)
        return new_features


class _DenseBlock(nn.ModuleDict):
    """``num_layers`` dense layers: (N, C, H, W) -> (N, C + num_layers * growth_rate, H, W)."""

    _version = 2

    def __init__(self, num_layers, num_input_features, bn_size, growth_rate, drop_rate, memory_efficient=False):
        super().__init__()
        for i in range(num_layers):
            layer = _DenseLayer(num_input_features + i * growth_rate, growth_rate=growth_rate, bn_size=bn_size,
                                drop_rate=drop_rate, memory_efficient=memory_efficient)
            self.add_module("denselayer%d" % (i + 1), layer)

    def forward(self, init_features):
        features = [init_features]
        for _, layer in self.items():
            features.append(layer(features))
        return cat(features, 1)


class _Transition(nn.Sequential):
    """BN -> ReLU -> conv1x1 -> 2x2 average pool: (N, C_in, H, W) -> (N, C_out, H/2, W/2)."""

    def __init__(self, num_input_features, num_output_features):
        super().__init__()
        self.norm = nn.BatchNorm2d(num_input_features)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(num_input_features, num_output_features, kernel_size=1, stride=1, bias=False)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)


class DenseNet(nn.Module):
    """Stem (conv7x7/2, max-pool) -> 4 dense blocks with transitions -> BN -> ReLU -> pool -> classifier.

    (N, 3, 224, 224) -> features (N, C, 7, 7) -> (N, num_classes). ``growth_rate`` is the paper's k,
    ``bn_size * k`` the width of each 1x1 bottleneck, ``block_config`` the layers per block.
    """

    def __init__(self, growth_rate=32, block_config=(6, 12, 24, 16), num_init_features=64, bn_size=4, drop_rate=0,
                 num_classes=1000, memory_efficient=False):
        super().__init__()
        self.features = nn.Sequential()
        self.features.add_module("conv0", nn.Conv2d(3, num_init_features, kernel_size=7, stride=2, padding=3,
                                                    bias=False))
        self.features.add_module("norm0", nn.BatchNorm2d(num_init_features))
        self.features.add_module("relu0", nn.ReLU(inplace=True))
        self.features.add_module("pool0", nn.MaxPool2d(kernel_size=3, stride=2, padding=1))

        num_features = num_init_features
        for i, num_layers in enumerate(block_config):
            block = _DenseBlock(num_layers=num_layers, num_input_features=num_features, bn_size=bn_size,
                                growth_rate=growth_rate, drop_rate=drop_rate, memory_efficient=memory_efficient)
            self.features.add_module("denseblock%d" % (i + 1), block)
            num_features = num_features + num_layers * growth_rate
            if i != len(block_config) - 1:
                trans = _Transition(num_input_features=num_features, num_output_features=num_features // 2)
                self.features.add_module("transition%d" % (i + 1), trans)
                num_features = num_features // 2

        self.features.add_module("norm5", nn.BatchNorm2d(num_features))
        self.classifier = nn.Linear(num_features, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.Linear):
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        features = self.features(x)
        out = F.relu(features)
        out = F.adaptive_avg_pool2d(out, (1, 1))
        out = flatten(out, 1)
        return self.classifier(out)


# torchvision's released DenseNet weights predate its current names: "denselayer1.norm.1.weight" is now
# "denselayer1.norm1.weight" (same for relu/conv 1 and 2). This is torchvision's own renaming pattern.
_OLD_KEY = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$")


def remap_old_keys(state_dict):
    """Return ``state_dict`` with old-style DenseNet keys renamed to the current ones (order kept)."""
    renamed = {}
    for key, value in state_dict.items():
        match = _OLD_KEY.match(key)
        renamed[match.group(1) + match.group(2) if match else key] = value
    return renamed


def _densenet(growth_rate, block_config, num_init_features, weights, **kwargs):
    model = DenseNet(growth_rate, block_config, num_init_features, **kwargs)
    return load_weights(model, weights, remap_keys=remap_old_keys)


# Each builder: ``weights`` is the path of a torchvision .pth (old or new key names) or a state_dict;
# ``progress`` is accepted for torchvision compatibility (nothing is downloaded); ``kwargs`` go to DenseNet.
@register_model
def densenet121(*, weights=None, progress=True, **kwargs):
    """DenseNet-121 (k=32, blocks 6-12-24-16): 8.0M parameters, 2.83 GMACs at 224x224."""
    return _densenet(32, (6, 12, 24, 16), 64, weights, **kwargs)


@register_model
def densenet161(*, weights=None, progress=True, **kwargs):
    """DenseNet-161 (k=48, blocks 6-12-36-24, 96 initial features)."""
    return _densenet(48, (6, 12, 36, 24), 96, weights, **kwargs)


@register_model
def densenet169(*, weights=None, progress=True, **kwargs):
    """DenseNet-169 (k=32, blocks 6-12-32-32)."""
    return _densenet(32, (6, 12, 32, 32), 64, weights, **kwargs)


@register_model
def densenet201(*, weights=None, progress=True, **kwargs):
    """DenseNet-201 (k=32, blocks 6-12-48-32)."""
    return _densenet(32, (6, 12, 48, 32), 64, weights, **kwargs)
