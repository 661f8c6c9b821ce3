"""LeNet-5 (LeCun et al. 1998) in its common modern form: ReLU and max-pooling."""
from .. import nn
from ..functions import flatten
from ._api import load_weights, register_model


class LeNet5(nn.Module):
    """conv5x5(6) -> pool -> conv5x5(16) -> pool -> 120 -> 84 -> num_classes.

    Shapes on a (N, 1, 32, 32) input::

        conv1 (N, 6, 28, 28) -> pool (N, 6, 14, 14) -> conv2 (N, 16, 10, 10) -> pool (N, 16, 5, 5)
        -> flatten (N, 400) -> fc1 (N, 120) -> fc2 (N, 84) -> fc3 (N, num_classes)

    61,706 parameters for 10 classes.
    """

    def __init__(self, num_classes=10, in_channels=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, kernel_size=5)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.relu = nn.ReLU()
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = flatten(x, 1)
        x = self.relu(self.fc1(x))
        x = self.relu(self.fc2(x))
        return self.fc3(x)


@register_model
def lenet5(*, weights=None, **kwargs):
    """LeNet-5 for 1x32x32 images (pad 28x28 MNIST by 2)."""
    return load_weights(LeNet5(**kwargs), weights)
