"""Image transforms for data augmentation (torchvision's names), vectorised over a batch.

Each transform takes one image ``(C, H, W)`` or a batch ``(N, C, H, W)`` (ToTensor: ``(H, W, C)`` or
``(N, H, W, C)`` arrays). On a batch, the random transforms draw independently for every image in one
vectorised step (torchvision draws once per call); randomness comes from ``mt.manual_seed``'s generator.
"""
import numbers

import numpy as np

from ... import backend
from ...creation import tensor
from ...dtypes import get_default_dtype
from ...random import randint_array, uniform_array
from ...tensor import Tensor


class Compose:
    """Apply ``transforms`` one after the other."""

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        return "Compose(\n" + "".join(f"    {t}\n" for t in self.transforms) + ")"


class ToTensor:
    """An image array ``(H, W, C)`` (or a batch ``(N, H, W, C)``, or a PIL image) to a ``(C, H, W)`` tensor.

    uint8 pixels become float32 in [0, 1] (divided by 255); other dtypes keep their values.
    """

    def __call__(self, pic):
        if isinstance(pic, Tensor) or not (isinstance(pic, np.ndarray) or hasattr(pic, "getbands")):
            raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
        array = np.asarray(pic)
        if array.ndim not in (2, 3, 4):
            raise ValueError(f"pic should be 2/3 dimensional (4 for a batch). Got {array.ndim} dimensions.")
        if array.ndim == 2:
            array = array[:, :, None]
        array = np.ascontiguousarray(np.moveaxis(array, -1, -3))  # channels-last -> channels-first
        if array.dtype == np.uint8:
            array = array.astype(get_default_dtype().np_dtype) / 255
        return Tensor._from_op(array, None)

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    """``(x - mean[c]) / std[c]`` per channel, for float images ``(..., C, H, W)``.

    ``inplace`` is accepted for torchvision compatibility; the result is always a new tensor.
    """

    def __init__(self, mean, std, inplace=False):
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, img):
        if not isinstance(img, Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(img)}")
        if not img.is_floating_point():
            raise TypeError(f"Input tensor should be a float tensor. Got {img.dtype}.")
        if img.ndim < 3:
            raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                             f"{img.shape}")
        mean = tensor(self.mean, dtype=img.dtype, device=img.device)
        std = tensor(self.std, dtype=img.dtype, device=img.device)
        if bool((std.data == 0).any()):
            raise ValueError(f"std evaluated to zero after conversion to {img.dtype}, leading to division by zero.")
        if mean.ndim == 1:
            mean = mean.reshape(-1, 1, 1)
        if std.ndim == 1:
            std = std.reshape(-1, 1, 1)
        return (img - mean) / std

    def __repr__(self):
        return f"Normalize(mean={self.mean}, std={self.std})"


class RandomHorizontalFlip:
    """Mirror left-right with probability ``p`` (each image of a batch on its own draw)."""

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, img):
        x = _as_batch(img)
        xp = backend.get_array_module(x)
        flip = uniform_array((x.shape[0],), 0.0, 1.0, np.float64, "cpu") < self.p
        flip = backend.to_device(flip, img.device)
        out = xp.where(flip[:, None, None, None], x[..., ::-1], x)
        return Tensor._from_op(out.reshape(img.shape), None)

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


class RandomCrop:
    """Pad by ``padding``, then cut a ``size`` window at a random place (per image in a batch).

    ``padding``: an int (all sides), ``(left/right, top/bottom)`` or ``(left, top, right, bottom)``;
    ``padding_mode``: ``'constant'`` (with ``fill``), ``'edge'``, ``'reflect'`` or ``'symmetric'``.
    """

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        self.size = _pair(size)
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    def __call__(self, img):
        x = _as_batch(img)
        if self.padding is not None:
            x = self._pad(x, *_ltrb(self.padding))
        th, tw = self.size
        if self.pad_if_needed and x.shape[-1] < tw:
            x = self._pad(x, tw - x.shape[-1], 0, tw - x.shape[-1], 0)
        if self.pad_if_needed and x.shape[-2] < th:
            x = self._pad(x, 0, th - x.shape[-2], 0, th - x.shape[-2])
        n, h, w = x.shape[0], x.shape[-2], x.shape[-1]
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        xp = backend.get_array_module(x)
        top = backend.to_device(randint_array(0, h - th + 1, (n,), "cpu"), img.device)
        left = backend.to_device(randint_array(0, w - tw + 1, (n,), "cpu"), img.device)
        rows = top[:, None] + xp.arange(th)  # (N, th): the rows each image keeps
        cols = left[:, None] + xp.arange(tw)  # (N, tw)
        # one gather for the whole batch; the advanced indices come first: (N, th, tw, C) -> (N, C, th, tw)
        out = x[xp.arange(n)[:, None, None], :, rows[:, :, None], cols[:, None, :]].transpose(0, 3, 1, 2)
        return Tensor._from_op(xp.ascontiguousarray(out).reshape(img.shape[:-2] + (th, tw)), None)

    def _pad(self, x, left, top, right, bottom):
        xp = backend.get_array_module(x)
        widths = ((0, 0), (0, 0), (top, bottom), (left, right))
        if self.padding_mode == "constant":
            return xp.pad(x, widths, mode="constant", constant_values=self.fill)
        return xp.pad(x, widths, mode=self.padding_mode)

    def __repr__(self):
        return f"RandomCrop(size={self.size}, padding={self.padding})"


def _as_batch(img):
    """The raw array of ``img`` viewed as ``(N, C, H, W)``: a single image is a batch of one."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    if img.ndim < 2:
        raise ValueError(f"Expected an image (..., H, W), got shape {list(img.shape)}")
    n = img.shape[0] if img.ndim == 4 else 1
    return img.data.reshape((n, -1) + tuple(img.shape[-2:]))


def _pair(size):
    """``size`` as ``(height, width)``: an int means a square."""
    if isinstance(size, numbers.Number):
        return (int(size), int(size))
    if len(size) == 1:
        return (size[0], size[0])
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    return tuple(size)


def _ltrb(padding):
    """torchvision's padding forms -> (left, top, right, bottom)."""
    if isinstance(padding, numbers.Number):
        return (padding,) * 4
    padding = tuple(padding)
    if len(padding) == 1:
        return padding * 4
    if len(padding) == 2:
        return padding * 2
    if len(padding) == 4:
        return padding
    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
