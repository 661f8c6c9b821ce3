"""The benchmark workloads, and their PyTorch twins: one definition for ``bench`` and ``benchmarks/``.

minitorch_cnn's models come from its zoo; PyTorch's from the plain definitions below (torchvision is
not needed), written against the shared API so that ``fw`` may be minitorch_cnn or torch. Each twin
has the zoo model's layers *and state_dict key names*, so the same weights load into both and the
first losses can be compared (the runner checks the parameter counts).
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


def _is_minitorch(fw):
    return fw.__name__ == "minitorch_cnn"


def two_layer_net(fw):
    if _is_minitorch(fw):
        return fw.models.TwoLayerNet(1000, 100, 10)
    nn = fw.nn

    class TwoLayerNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear1, self.linear2 = nn.Linear(1000, 100), nn.Linear(100, 10)

        def forward(self, x):
            return self.linear2(self.linear1(x).clamp(min=0))

    return TwoLayerNet()


def conv_layers(fw):
    nn = fw.nn
    return nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(64, 64, 3, stride=2, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(64, 10))


def lenet5(fw):
    if _is_minitorch(fw):
        return fw.models.lenet5()
    nn, F = fw.nn, fw.nn.functional

    class LeNet5(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
            self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = F.relu(self.fc1(x.flatten(1)))
            return self.fc3(F.relu(self.fc2(x)))

    return LeNet5()


def resnet20(fw):
    if _is_minitorch(fw):
        return fw.models.resnet20()
    return torch_resnet(fw, "A", [3, 3, 3], [16, 32, 64])


def resnet18_small_input(fw):
    if _is_minitorch(fw):
        return fw.models.resnet18(num_classes=10, small_input=True)
    return torch_resnet(fw, "B", [2, 2, 2, 2], [64, 128, 256, 512])


WORKLOADS = [
    Workload("TwoLayerNet", two_layer_net, (1000,), {"cpu": 64, "cuda": 64, "quick": 8}, loss="mse"),
    Workload("conv layers 3x3", conv_layers, (3, 32, 32), {"cpu": 16, "cuda": 128, "quick": 2}),
    Workload("LeNet-5", lenet5, (1, 32, 32), {"cpu": 64, "cuda": 128, "quick": 4}),
    Workload("ResNet-20", resnet20, (3, 32, 32), {"cpu": 16, "cuda": 128, "quick": 2}),
    Workload("ResNet-18 (32x32)", resnet18_small_input, (3, 32, 32), {"cpu": 4, "cuda": 128, "quick": 1}),
]
WORKLOADS_BY_NAME = {w.name: w for w in WORKLOADS}


def torch_resnet(fw, shortcut, blocks, widths, num_classes=10):
    """A 32x32-input ResNet: 3x3 stem, stages of BasicBlocks, global average pool, fc.

    shortcut 'A': He et al.'s CIFAR ResNets (subsample and zero-pad channels, no parameters), as
    ``mt.models.resnet20``; 'B': a 1x1 conv + BatchNorm projection where the shape changes, as
    torchvision's ResNet-18 (``mt.models.resnet18(small_input=True)``). Key names match those models.
    """
    nn, F = fw.nn, fw.nn.functional

    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None
            if (stride != 1 or cin != cout) and shortcut == "B":
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
            self.stride, self.extra = stride, cout - cin

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            if self.downsample is not None:
                x = self.downsample(x)
            elif self.stride != 1 or self.extra:
                x = F.pad(x[:, :, ::self.stride, ::self.stride],
                          (0, 0, 0, 0, self.extra // 2, self.extra - self.extra // 2))
            return F.relu(out + x)

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(widths[0])
            cin = widths[0]
            for i, (n, width) in enumerate(zip(blocks, widths), 1):
                stage = []
                for j in range(n):
                    stage.append(BasicBlock(cin, width, 2 if i > 1 and j == 0 else 1))
                    cin = width
                setattr(self, f"layer{i}", nn.Sequential(*stage))
            self.fc = nn.Linear(cin, num_classes)
            self.num_stages = len(blocks)

        def forward(self, x):
            x = F.relu(self.bn1(self.conv1(x)))
            for i in range(1, self.num_stages + 1):
                x = getattr(self, f"layer{i}")(x)
            return self.fc(x.mean((2, 3)))

    return ResNet()
