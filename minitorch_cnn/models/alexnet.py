"""AlexNet (Krizhevsky, Sutskever, Hinton 2012): torchvision's version and the paper's network."""
from .. import nn
from ..functions import flatten
from ._api import load_weights, register_model


class AlexNet(nn.Module):
    """AlexNet, as torchvision builds it (``variant="torchvision"``) or as the 2012 paper drew it.

    ``variant="torchvision"`` (the "one weird trick" form torchvision ships, 61,100,840 parameters):
    conv 64/11/s4/p2 -> pool -> conv 192/5 -> pool -> conv 384, 256, 256 -> pool -> 6x6x256 -> FC.

    ``variant="paper"``: the lecture's shape chain on a 227x227 image, local response norm after the
    first two pools (the lecture's CONV1, MAX POOL1, NORM1, CONV2, MAX POOL2, NORM2 ...)::

        (3, 227, 227) -> conv1 (96, 55, 55) -> pool1 (96, 27, 27) -> conv2 (256, 27, 27)
        -> pool2 (256, 13, 13) -> conv3 (384, 13, 13) -> conv4 (384, 13, 13) -> conv5 (256, 13, 13)
        -> pool3 (256, 6, 6) -> fc6 4096 -> fc7 4096 -> fc8 num_classes

    ``groups=2`` (paper only) splits conv2, conv4 and conv5 into the two halves that ran on the two GPUs;
    conv3 and the FC layers see both halves.
    """

    def __init__(self, num_classes=1000, dropout=0.5, variant="torchvision", groups=1):
        super().__init__()
        if variant == "torchvision":
            if groups != 1:
                raise ValueError(f"AlexNet: groups={groups} needs variant='paper' (torchvision's AlexNet has none)")
            self.features = self._torchvision_features()
        elif variant == "paper":
            self.features = self._paper_features(groups)
        else:
            raise ValueError(f"AlexNet: variant must be 'torchvision' or 'paper', got {variant!r}")
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(256 * 6 * 6, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    @staticmethod
    def _torchvision_features():
        return nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )

    @staticmethod
    def _paper_features(groups):
        # The paper's normalisation is a / (k + alpha * sum a^2)^beta with k=2, n=5, alpha=1e-4, beta=0.75;
        # PyTorch's LocalResponseNorm divides alpha by size, so the paper's alpha is 5 * 1e-4 here.
        def norm():
            return nn.LocalResponseNorm(size=5, alpha=5e-4, beta=0.75, k=2.0)

        return nn.Sequential(
            nn.Conv2d(3, 96, kernel_size=11, stride=4),  # 227 -> 55
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),  # 55 -> 27 (overlapping pooling)
            norm(),
            nn.Conv2d(96, 256, kernel_size=5, padding=2, groups=groups),  # 27 -> 27
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),  # 27 -> 13
            norm(),
            nn.Conv2d(256, 384, kernel_size=3, padding=1),  # 13 -> 13
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 384, kernel_size=3, padding=1, groups=groups),
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1, groups=groups),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),  # 13 -> 6
        )

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = flatten(x, 1)
        return self.classifier(x)


@register_model
def alexnet(*, weights=None, progress=True, **kwargs):
    """AlexNet; ``alexnet(variant="paper", groups=2)`` for the 2012 two-GPU network on 227x227 input.

    ``weights``: path of a torchvision ``.pth`` (or a state_dict). ``progress`` is accepted for
    torchvision compatibility; nothing is downloaded.
    """
    return load_weights(AlexNet(**kwargs), weights)
