"""Images as torchvision hands them to transforms: Pillow images when Pillow is installed, else arrays.

Pillow (``pip install pillow``) is an optional extra. Without it, a data set's sample is a uint8
NumPy array ``(H, W)`` or ``(H, W, C)`` (what ``np.asarray(pil_image)`` would give), which ``ToTensor``
and every transform here accept; only decoding image files (``ImageFolder``, ``save_image``) needs it.
"""
import numpy as np

PILLOW_HINT = "pip install pillow (or pip install 'minitorch_cnn[vision]')"


def pillow():
    """The ``PIL.Image`` module, or None when Pillow is not installed."""
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image


def require_pillow(what):
    """``PIL.Image``, or an ImportError saying that ``what`` needs Pillow and how to install it."""
    image = pillow()
    if image is None:
        raise ImportError(f"{what} needs Pillow, the Python imaging library: {PILLOW_HINT}")
    return image


def is_pil_image(obj):
    """True for a Pillow image (checked without importing Pillow)."""
    image = pillow()
    return image is not None and isinstance(obj, image.Image)


def to_sample_image(pixels):
    """A uint8 array (H, W) or (H, W, 3) as torchvision's datasets return it: a PIL image, or the array itself."""
    image = pillow()
    if image is None:
        return pixels
    return image.fromarray(np.ascontiguousarray(pixels))


def load_image(path, mode="RGB"):
    """Decode an image file into a PIL image converted to ``mode`` (torchvision's ``pil_loader``)."""
    image = require_pillow(f"reading the image file {path}")
    with open(path, "rb") as f:
        return image.open(f).convert(mode)
