"""Lecture 8's TwoLayerNet: the first ``nn.Module`` a course writes."""
from .. import nn
from ._api import register_model


class TwoLayerNet(nn.Module):
    """``Linear(D_in, H) -> ReLU -> Linear(H, D_out)``, exactly as the lecture writes it.

    Input (N, D_in) -> output (N, D_out).
    """

    def __init__(self, D_in, H, D_out):
        super().__init__()
        self.linear1 = nn.Linear(D_in, H)
        self.linear2 = nn.Linear(H, D_out)

    def forward(self, x):
        h_relu = self.linear1(x).clamp(min=0)
        y_pred = self.linear2(h_relu)
        return y_pred


@register_model
def two_layer_net(D_in=3072, H=100, num_classes=10):
    """TwoLayerNet for flattened 3x32x32 images (CIFAR-10 sized by default)."""
    return TwoLayerNet(D_in, H, num_classes)
