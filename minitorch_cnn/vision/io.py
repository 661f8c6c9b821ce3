"""``torchvision.io``'s image reading: files decoded by Pillow into uint8 tensors (C, H, W)."""
from enum import Enum

import numpy as np

from ..creation import from_numpy
from ..utils.data.image_io import require_pillow


class ImageReadMode(Enum):
    """The channels ``read_image`` returns: as stored, gray, gray + alpha, RGB or RGB + alpha."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4


_PIL_MODES = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA", ImageReadMode.RGB: "RGB",
              ImageReadMode.RGB_ALPHA: "RGBA"}


def read_image(path, mode=ImageReadMode.UNCHANGED):
    """The image file at ``path`` as a uint8 tensor (C, H, W)."""
    image = require_pillow(f"read_image({path!r})")
    if isinstance(mode, str):
        mode = ImageReadMode[mode.upper()]
    with image.open(path) as img:
        if mode is not ImageReadMode.UNCHANGED:
            img = img.convert(_PIL_MODES[mode])
        elif img.mode not in ("L", "LA", "RGB", "RGBA"):
            img = img.convert("RGB")
        pixels = np.asarray(img)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    return from_numpy(np.ascontiguousarray(pixels.transpose(2, 0, 1)))


decode_image = read_image
