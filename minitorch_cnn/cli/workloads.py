"""The benchmark workloads, written once against PyTorch's API so that ``fw`` may be minitorch_cnn or torch.

minitorch_cnn's models come from its zoo; PyTorch's from the plain definitions below (torchvision is not
needed), which have the same layers and parameter counts - the runner checks that the counts agree.
"""
from dataclasses import dataclass


@dataclass
class Workload:
    """One training step to time: ``build(fw)`` -> model, input shape without the batch, loss kind."""

    name: str
    build: object
    input_shape: tuple
    batch: dict  # batch size per mode: 'cpu', 'cuda', 'quick'
    loss: str = "cross_entropy"  # or 'mse' (the lecture's TwoLayerNet regresses random targets)
    outputs: int = 10


def two_layer_net(fw):
    if fw.__name__ == "minitorch_cnn":
        return fw.models.TwoLayerNet(1000, 100, 10)
    nn = fw.nn
    return nn.Sequential(nn.Linear(1000, 100), nn.ReLU(), nn.Linear(100, 10))


def conv_layers(fw):
    nn = fw.nn
    return nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(64, 64, 3, stride=2, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(64, 10))


def lenet5(fw):
    if fw.__name__ == "minitorch_cnn":
        return fw.models.lenet5()
    nn = fw.nn
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84),
                         nn.ReLU(), nn.Linear(84, 10))


def resnet20(fw):
    if fw.__name__ == "minitorch_cnn":
        return fw.models.resnet20()
    return _TorchResNet(fw, "A", [3, 3, 3], [16, 32, 64])


def resnet18_small_input(fw):
    if fw.__name__ == "minitorch_cnn":
        return fw.models.resnet18(num_classes=10, small_input=True)
    return _TorchResNet(fw, "B", [2, 2, 2, 2], [64, 128, 256, 512])


WORKLOADS = [
    Workload("TwoLayerNet", two_layer_net, (1000,), {"cpu": 64, "cuda": 64, "quick": 8}, loss="mse"),
    Workload("conv layers 3x3", conv_layers, (3, 32, 32), {"cpu": 16, "cuda": 128, "quick": 2}),
    Workload("LeNet-5", lenet5, (1, 32, 32), {"cpu": 64, "cuda": 128, "quick": 4}),
    Workload("ResNet-20", resnet20, (3, 32, 32), {"cpu": 16, "cuda": 128, "quick": 2}),
    Workload("ResNet-18 (32x32)", resnet18_small_input, (3, 32, 32), {"cpu": 4, "cuda": 128, "quick": 1}),
]


def _TorchResNet(fw, shortcut, blocks, widths):
    """A 32x32-input ResNet in PyTorch: 3x3 stem, stages of BasicBlocks, global pool, fc.

    shortcut 'A': He et al.'s CIFAR ResNets (subsample and zero-pad channels, no parameters);
    'B': a 1x1 conv + BatchNorm projection where the shape changes (torchvision's ResNet-18).
    """
    nn, F = fw.nn, fw.nn.functional

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.project = None
            if (stride != 1 or cin != cout) and shortcut == "B":
                self.project = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
            self.stride, self.extra = stride, cout - cin

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            if self.project is not None:
                x = self.project(x)
            elif self.stride != 1 or self.extra:
                x = F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, self.extra // 2, self.extra // 2))
            return F.relu(out + x)

    layers = [nn.Conv2d(3, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU()]
    cin = widths[0]
    for i, (n, width) in enumerate(zip(blocks, widths)):
        for j in range(n):
            layers.append(Block(cin, width, 2 if i > 0 and j == 0 else 1))
            cin = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 10)]
    return nn.Sequential(*layers)
