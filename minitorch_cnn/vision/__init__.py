"""torchvision's layout over minitorch_cnn, so vision code ports by its import lines alone::

    import minitorch_cnn.vision as torchvision              # import torchvision
    from minitorch_cnn.vision import datasets, transforms   # from torchvision import datasets, transforms
    torchvision.utils.make_grid(images)                     # torchvision.utils.make_grid
    torchvision.models.resnet18(weights=None)               # torchvision.models.resnet18

``datasets`` and ``transforms`` are ``mt.utils.data.datasets`` / ``.transforms``, ``models`` is
``mt.models``, ``utils`` holds ``make_grid`` and ``save_image``, ``io`` reads image files.
"""
import sys

from .. import models
from ..utils.data import datasets, transforms
from ..utils.data import transforms_v2
from . import io, utils

__all__ = ["datasets", "transforms", "models", "utils", "io"]

# ``import minitorch_cnn.vision.transforms as T`` (and ``.datasets``, ``.models``) like torchvision's
# submodules; ``transforms.functional`` is the transforms module itself (resize, center_crop, pad, ...),
# ``transforms.v2`` the v2 transforms, whose module also holds ``v2.functional``'s kernels.
for _name, _module in (("datasets", datasets), ("transforms", transforms), ("models", models),
                       ("transforms.functional", transforms), ("transforms.v2", transforms_v2),
                       ("transforms.v2.functional", transforms_v2)):
    sys.modules[f"{__name__}.{_name}"] = _module
transforms.functional = transforms
transforms.v2 = transforms_v2
transforms_v2.functional = transforms_v2
