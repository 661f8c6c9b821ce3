"""The pixels behind an image argument, whatever its kind, and the names every transform shares.

A transform takes a PIL image, a tensor ``(..., C, H, W)`` or a NumPy image ``(H, W[, C])``;
``_as_batch`` gives its pixels as one array ``(N, C, H, W)`` and the function that turns a result back
into the same kind. ``InterpolationMode`` and Pillow's filter codes live here too, so that the
transform modules (``transforms``, ``transforms_more``) import them from one place.
"""
from enum import Enum

import numpy as np

from ... import backend
from ...tensor import Tensor
from .image_io import is_pil_image, pillow


class InterpolationMode(Enum):
    """How ``Resize`` samples pixels (torchvision's enum; PIL's integer codes are accepted too)."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_PIL_CODES = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR, 3: InterpolationMode.BICUBIC,
              4: InterpolationMode.BOX, 5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}
_PIL_FILTERS = {InterpolationMode.NEAREST: 0, InterpolationMode.NEAREST_EXACT: 0, InterpolationMode.BILINEAR: 2,
                InterpolationMode.BICUBIC: 3, InterpolationMode.BOX: 4, InterpolationMode.HAMMING: 5,
                InterpolationMode.LANCZOS: 1}


def _interpolation(mode):
    if isinstance(mode, InterpolationMode):
        return mode
    if isinstance(mode, int) and mode in _PIL_CODES:
        return _PIL_CODES[mode]
    if isinstance(mode, str):
        return InterpolationMode(mode)
    raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow integer "
                    f"constant, got {mode!r}")


def _as_batch(img):
    """``(x, restore)``: the pixels of ``img`` as an array ``(N, C, H, W)`` and the function that turns an
    array of that layout (any H, W) back into the kind of ``img``.

    A tensor keeps its leading dimensions (a single image is a batch of one); a PIL image or a NumPy
    image ``(H, W)`` / ``(H, W, C)`` is one image, channels last, given back in the same form.
    """
    if isinstance(img, Tensor):
        if img.ndim < 2:
            raise ValueError(f"Expected an image (..., H, W), got shape {list(img.shape)}")
        n = img.shape[0] if img.ndim == 4 else 1
        # the dims before the channels come back as they were; the channels may change (grayscale)
        lead = tuple(img.shape[:-3]) + (-1,) if img.ndim > 2 else ()
        return (img._data.reshape((n, -1) + tuple(img.shape[-2:])),
                lambda out: Tensor._from_op(out.reshape(lead + tuple(out.shape[-2:])), None))
    if is_pil_image(img):
        mode = img.mode
        pixels = np.asarray(img)
        image = pillow()

        def to_pil(out):
            hwc = np.ascontiguousarray(_unbatch_hwc(out, pixels.ndim))
            result = image.fromarray(hwc)
            return result if result.mode == mode else result.convert(mode)
        return _hwc_batch(pixels), to_pil
    if isinstance(img, np.ndarray):
        if img.ndim not in (2, 3):
            raise ValueError(f"Expected a NumPy image (H, W) or (H, W, C), got shape {list(img.shape)}")
        return _hwc_batch(img), lambda out: np.ascontiguousarray(_unbatch_hwc(out, img.ndim))
    raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")


def _hwc_batch(pixels):
    """(H, W) or (H, W, C) -> a (1, C, H, W) view."""
    return (pixels[None, None] if pixels.ndim == 2 else np.moveaxis(pixels, -1, 0)[None])


def _unbatch_hwc(out, ndim):
    """(1, C, H, W) -> (H, W) when ``ndim`` is 2, else (H, W, C)."""
    return out[0, 0] if ndim == 2 else np.moveaxis(out[0], 0, -1)


def _device(img):
    return img.device if isinstance(img, Tensor) else "cpu"


def _image_size(img):
    """(height, width) of a tensor, PIL image or NumPy image."""
    if isinstance(img, Tensor):
        return tuple(img.shape[-2:])
    if is_pil_image(img):
        return (img.height, img.width)
    return tuple(np.shape(img)[:2])


def _pad_array(x, left, top, right, bottom, fill=0, padding_mode="constant"):
    """Pad the last two axes of ``x`` (N, C, H, W); ``fill`` is a number or one value per channel."""
    xp = backend.get_array_module(x)
    widths = ((0, 0), (0, 0), (top, bottom), (left, right))
    if padding_mode != "constant":
        return xp.pad(x, widths, mode=padding_mode)
    if isinstance(fill, (tuple, list)):  # per-channel fill: pad each channel with its own value
        if len(fill) != x.shape[1]:
            raise ValueError(f"fill has {len(fill)} values for an image with {x.shape[1]} channels")
        out = xp.empty(x.shape[:2] + (x.shape[2] + top + bottom, x.shape[3] + left + right), dtype=x.dtype)
        out[...] = xp.asarray(fill, dtype=x.dtype)[None, :, None, None]
        out[..., top:top + x.shape[2], left:left + x.shape[3]] = x
        return out
    return xp.pad(x, widths, mode="constant", constant_values=fill)
