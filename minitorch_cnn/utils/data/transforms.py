"""Image transforms for data augmentation (torchvision's names and semantics).

Each transform takes what torchvision's do -- a PIL image, or a tensor ``(C, H, W)`` -- and also a
uint8 NumPy image ``(H, W)`` / ``(H, W, C)`` (what the data sets return when Pillow is not installed),
and gives back the same kind. ``ToTensor`` turns any of them into a float tensor in [0, 1].

A tensor batch ``(N, C, H, W)`` works too: ``RandomCrop`` and ``RandomHorizontalFlip`` then draw
independently for every image in one vectorised step (torchvision draws once per call); the other
random transforms draw once per call, as torchvision does. Randomness comes from ``mt.manual_seed``'s
generator. Resizing a PIL image uses Pillow (bit-exact with torchvision); resizing a tensor or an array
uses the same separable antialiased filters written as two small matrices.
"""
import math
import numbers

import numpy as np

from ... import backend
from ...creation import tensor
from ...dtypes import get_default_dtype
from ...random import permutation_array, randint_array, uniform_array
from ...tensor import Tensor
from .image_batch import _PIL_FILTERS, InterpolationMode, _as_batch, _device, _image_size, _interpolation, _pad_array
from .image_io import is_pil_image, pillow, require_pillow


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
        if bool((std._data == 0).any()):
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
        x, restore = _as_batch(img)
        xp = backend.get_array_module(x)
        flip = uniform_array((x.shape[0],), 0.0, 1.0, np.float64, "cpu") < self.p
        flip = backend.to_device(flip, _device(img))
        return restore(xp.where(flip[:, None, None, None], x[..., ::-1], x))

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
        x, restore = _as_batch(img)
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
        top = backend.to_device(randint_array(0, h - th + 1, (n,), "cpu"), _device(img))
        left = backend.to_device(randint_array(0, w - tw + 1, (n,), "cpu"), _device(img))
        rows = top[:, None] + xp.arange(th)  # (N, th): the rows each image keeps
        cols = left[:, None] + xp.arange(tw)  # (N, tw)
        # one gather for the whole batch; the advanced indices come first: (N, th, tw, C) -> (N, C, th, tw)
        out = x[xp.arange(n)[:, None, None], :, rows[:, :, None], cols[:, None, :]].transpose(0, 3, 1, 2)
        return restore(xp.ascontiguousarray(out))

    def _pad(self, x, left, top, right, bottom):
        return _pad_array(x, left, top, right, bottom, self.fill, self.padding_mode)

    def __repr__(self):
        return f"RandomCrop(size={self.size}, padding={self.padding})"


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


# ----------------------------------------------------------------------------- resizing

def _triangle(x):
    return np.clip(1.0 - np.abs(x), 0.0, None)


def _cubic(a):
    def kernel(x):
        x = np.abs(x)
        near = ((a + 2) * x - (a + 3)) * x * x + 1
        far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
        return np.where(x < 1, near, np.where(x < 2, far, 0.0))
    return kernel


def _resample_matrix(n_in, n_out, mode, antialias):
    """R (n_out, n_in) with ``R @ x`` = ``x`` resampled along one axis (half-pixel centres).

    Pillow's (and torchvision's antialiased) filter: output pixel i centred at ``c = (i + 0.5) * s``
    in input pixels (``s = n_in / n_out``) averages the inputs under ``kernel((x + 0.5 - c) / f)``,
    stretched by ``f = max(s, 1)`` when shrinking so that every input pixel contributes, and the
    weights of each row are normalised to sum to 1 (which also handles the borders).
    """
    scale = n_in / n_out
    if mode in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT):
        offset = 0.5 if mode is InterpolationMode.NEAREST_EXACT else 0.0
        src = np.minimum(np.floor((np.arange(n_out) + offset) * scale).astype(np.int64), n_in - 1)
        R = np.zeros((n_out, n_in))
        R[np.arange(n_out), src] = 1.0
        return R
    if mode is InterpolationMode.BILINEAR:
        kernel = _triangle
    elif mode is InterpolationMode.BICUBIC:
        kernel = _cubic(-0.5 if antialias else -0.75)
    else:
        raise ValueError(f"interpolation {mode.value!r} is only supported on PIL images (bilinear, bicubic and "
                         "nearest work on tensors)")
    stretch = max(scale, 1.0) if antialias else 1.0
    centres = (np.arange(n_out) + 0.5) * scale
    if not antialias and mode is InterpolationMode.BILINEAR:  # F.interpolate: positions clamped at pixel 0
        centres = np.maximum(centres, 0.5)
    weights = kernel((np.arange(n_in)[None, :] + 0.5 - centres[:, None]) / stretch)
    if not antialias:  # ... and to the last one: the weight past the border goes to the edge pixel
        weights = _fold_outside(weights, kernel, centres, n_in)
    return weights / weights.sum(axis=1, keepdims=True)


def _fold_outside(weights, kernel, centres, n_in):
    """Add the kernel weight of taps beyond either border to the edge pixel (index clamping).

    The kernels reach at most two pixels past a centre, so two taps on each side suffice.
    """
    weights = weights.copy()
    for k in range(1, 3):
        weights[:, 0] += kernel((-k + 0.5 - centres) / 1.0)
        weights[:, n_in - 1] += kernel((n_in - 1 + k + 0.5 - centres) / 1.0)
    return weights


def _resize_array(x, size, mode, antialias, pil_rounding=False):
    """(N, C, H, W) -> (N, C, h, w) by two matrix products; integer images are rounded back."""
    xp = backend.get_array_module(x)
    h, w = size
    if mode is InterpolationMode.NEAREST and pil_rounding:
        mode = InterpolationMode.NEAREST_EXACT  # Pillow samples at pixel centres
    dtype = x.dtype if x.dtype.kind == "f" else np.float32
    rows = xp.asarray(_resample_matrix(x.shape[-2], h, mode, antialias), dtype=dtype)
    cols = xp.asarray(_resample_matrix(x.shape[-1], w, mode, antialias), dtype=dtype)
    if x.dtype.kind not in "ui":
        return rows @ x @ cols.T
    info = np.iinfo(x.dtype)

    def to_int(values):
        return xp.clip(xp.round(values), info.min, info.max)
    if pil_rounding:  # Pillow stores the horizontal pass as bytes before the vertical one
        return to_int(rows @ to_int(x.astype(dtype) @ cols.T)).astype(x.dtype)
    return to_int(rows @ x.astype(dtype) @ cols.T).astype(x.dtype)


def _resized_size(image_size, size, max_size=None):
    """torchvision's output size: an int (or [int]) matches the shorter edge, keeping the aspect ratio."""
    h, w = image_size
    if isinstance(size, (tuple, list)) and len(size) == 2:
        return (int(size[0]), int(size[1]))
    requested = size if isinstance(size, int) else size[0]
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = requested, int(requested * long / short)
    if max_size is not None:
        if max_size <= requested:
            raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                             f"smaller edge size = {size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return (new_long, new_short) if w <= h else (new_short, new_long)


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize a PIL image, tensor or NumPy image to ``size`` (an int: the shorter edge; or (h, w))."""
    mode = _interpolation(interpolation)
    h, w = _resized_size(_image_size(img), size, max_size)
    if (h, w) == _image_size(img):
        return img
    if is_pil_image(img):
        return img.resize((w, h), _PIL_FILTERS[mode])
    x, restore = _as_batch(img)
    return restore(_resize_array(x, (h, w), mode, antialias if antialias is not None else True,
                                 pil_rounding=not isinstance(img, Tensor)))


class Resize:
    """Resize to ``size``: an int matches the shorter edge (aspect ratio kept), ``(h, w)`` is exact.

    Bilinear with antialiasing by default, like torchvision (PIL images go through Pillow itself).
    """

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        if not isinstance(size, (int, tuple, list)) or isinstance(size, bool):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, (tuple, list)) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size = size
        self.interpolation = _interpolation(interpolation)
        self.max_size = max_size
        self.antialias = antialias

    def __call__(self, img):
        return resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self):
        return (f"Resize(size={self.size}, interpolation={self.interpolation.value}, max_size={self.max_size}, "
                f"antialias={self.antialias})")


# ----------------------------------------------------------------------------- crops and padding

def crop(img, top, left, height, width):
    """The ``height`` x ``width`` window at (``top``, ``left``); parts outside the image are zeros."""
    if is_pil_image(img):
        return img.crop((left, top, left + width, top + height))
    x, restore = _as_batch(img)
    h, w = x.shape[-2:]
    pad = (max(-left, 0), max(-top, 0), max(left + width - w, 0), max(top + height - h, 0))
    if any(pad):
        x = _pad_array(x, *pad)
        top, left = top + pad[1], left + pad[0]
    return restore(x[..., top:top + height, left:left + width])


def center_crop(img, output_size):
    """The central ``output_size`` window, zero-padding first when the image is smaller (torchvision's rule)."""
    th, tw = _pair(output_size)
    h, w = _image_size(img)
    if th > h or tw > w:
        img = pad(img, [(tw - w) // 2 if tw > w else 0, (th - h) // 2 if th > h else 0,
                        (tw - w + 1) // 2 if tw > w else 0, (th - h + 1) // 2 if th > h else 0])
        h, w = _image_size(img)
        if (h, w) == (th, tw):
            return img
    return crop(img, int(round((h - th) / 2.0)), int(round((w - tw) / 2.0)), th, tw)


class CenterCrop:
    """Cut the central ``size`` window (an int: a square)."""

    def __init__(self, size):
        self.size = _pair(size)

    def __call__(self, img):
        return center_crop(img, self.size)

    def __repr__(self):
        return f"CenterCrop(size={self.size})"


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad by ``padding`` (int, (left/right, top/bottom) or (left, top, right, bottom))."""
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    x, restore = _as_batch(img)
    if is_pil_image(img) and isinstance(fill, numbers.Number) and x.shape[1] > 1:
        fill = (fill,) * x.shape[1]
    return restore(_pad_array(x, *_ltrb(padding), fill=fill, padding_mode=padding_mode))


class Pad:
    """Pad every side (``padding`` as in ``pad``) with ``fill`` or by ``edge``/``reflect``/``symmetric``."""

    def __init__(self, padding, fill=0, padding_mode="constant"):
        if not isinstance(padding, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate padding arg")
        if not isinstance(fill, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate fill arg")
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        _ltrb(padding)
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode

    def __call__(self, img):
        return pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self):
        return f"Pad(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class RandomResizedCrop:
    """A random window of ``scale`` x the area and aspect ratio in ``ratio``, resized to ``size``.

    Inception's augmentation, with torchvision's sampling: ten tries of (area, log-uniform ratio),
    falling back to the largest central crop within ``ratio``. One draw per call (a tensor batch
    shares the window).
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
        self.size = _pair(size)
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError("Scale and ratio should be of kind (min, max)")
        self.scale = scale
        self.ratio = ratio
        self.interpolation = _interpolation(interpolation)
        self.antialias = antialias

    @staticmethod
    def get_params(img, scale, ratio):
        """``(top, left, height, width)`` of a random crop of ``img``."""
        height, width = _image_size(img)
        area = height * width
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            target_area = area * float(uniform_array((), scale[0], scale[1], np.float64, "cpu"))
            aspect_ratio = math.exp(float(uniform_array((), log_ratio[0], log_ratio[1], np.float64, "cpu")))
            w = int(round(math.sqrt(target_area * aspect_ratio)))
            h = int(round(math.sqrt(target_area / aspect_ratio)))
            if 0 < w <= width and 0 < h <= height:
                top = int(randint_array(0, height - h + 1, (), "cpu"))
                left = int(randint_array(0, width - w + 1, (), "cpu"))
                return top, left, h, w
        in_ratio = width / height
        if in_ratio < min(ratio):
            w, h = width, int(round(width / min(ratio)))
        elif in_ratio > max(ratio):
            h, w = height, int(round(height * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, img):
        top, left, h, w = self.get_params(img, self.scale, self.ratio)
        return resize(crop(img, top, left, h, w), self.size, self.interpolation, antialias=self.antialias)

    def __repr__(self):
        return (f"RandomResizedCrop(size={self.size}, scale={tuple(round(s, 4) for s in self.scale)}, "
                f"ratio={tuple(round(r, 4) for r in self.ratio)}, interpolation={self.interpolation.value}, "
                f"antialias={self.antialias})")


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror top-bottom with probability ``p`` (each image of a batch on its own draw)."""

    def __call__(self, img):
        x, restore = _as_batch(img)
        xp = backend.get_array_module(x)
        flip = uniform_array((x.shape[0],), 0.0, 1.0, np.float64, "cpu") < self.p
        flip = backend.to_device(flip, _device(img))
        return restore(xp.where(flip[:, None, None, None], x[..., ::-1, :], x))

    def __repr__(self):
        return f"RandomVerticalFlip(p={self.p})"


# ----------------------------------------------------------------------------- colour

def _gray(x):
    """ITU-R 601 luma of (..., 3, H, W) floats, keeping the channel axis: (..., 1, H, W)."""
    return 0.2989 * x[..., 0:1, :, :] + 0.587 * x[..., 1:2, :, :] + 0.114 * x[..., 2:3, :, :]


def _rgb_to_hsv(x):
    """(..., 3, H, W) RGB in [0, 1] -> HSV in [0, 1] (torchvision's formulas)."""
    xp = backend.get_array_module(x)
    r, g, b = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    maxc, minc = x.max(axis=-3), x.min(axis=-3)
    cr = maxc - minc
    s = cr / xp.where(maxc == 0, 1.0, maxc)
    safe = xp.where(cr == 0, 1.0, cr)
    rc, gc, bc = (maxc - r) / safe, (maxc - g) / safe, (maxc - b) / safe
    h = xp.where(maxc == r, bc - gc, 0.0)
    h = h + xp.where((maxc == g) & (maxc != r), 2.0 + rc - bc, 0.0)
    h = h + xp.where((maxc != g) & (maxc != r), 4.0 + gc - rc, 0.0)
    h = (h / 6.0 + 1.0) % 1.0
    return xp.stack([h, s, maxc], axis=-3)


def _hsv_to_rgb(x):
    """(..., 3, H, W) HSV in [0, 1] -> RGB."""
    xp = backend.get_array_module(x)
    h, s, v = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    i = xp.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int64) % 6
    p, q, t = xp.clip(v * (1 - s), 0, 1), xp.clip(v * (1 - s * f), 0, 1), xp.clip(v * (1 - s * (1 - f)), 0, 1)
    table = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = [xp.select([i == k for k in range(6)], [row[c] for row in table]) for c in range(3)]
    return xp.stack(out, axis=-3)


def _blend(a, b, ratio):
    """``ratio * a + (1 - ratio) * b`` clipped to [0, 1] (ratio > 1 extrapolates away from ``b``)."""
    xp = backend.get_array_module(a)
    return xp.clip(ratio * a + (1.0 - ratio) * b, 0.0, 1.0)


def _adjust_float(x, kind, factor):
    """One colour adjustment on float images (..., C, H, W) in [0, 1]."""
    xp = backend.get_array_module(x)
    if kind == "brightness":
        return _blend(x, xp.zeros_like(x), factor)
    if kind == "contrast":
        gray = _gray(x) if x.shape[-3] == 3 else x
        return _blend(x, gray.mean(axis=(-3, -2, -1), keepdims=True), factor)
    if x.shape[-3] == 1:  # saturation and hue leave a grayscale image alone
        return x
    if kind == "saturation":
        return _blend(x, _gray(x), factor)
    hsv = _rgb_to_hsv(x)
    hsv[..., 0, :, :] = (hsv[..., 0, :, :] + factor) % 1.0
    return _hsv_to_rgb(hsv).astype(x.dtype, copy=False)


def _adjust_pil(img, kind, factor):
    """The same adjustment through Pillow, as torchvision does for PIL images."""
    from PIL import ImageEnhance

    if kind == "brightness":
        return ImageEnhance.Brightness(img).enhance(factor)
    if kind == "contrast":
        return ImageEnhance.Contrast(img).enhance(factor)
    if kind == "saturation":
        return ImageEnhance.Color(img).enhance(factor)
    if img.mode in {"L", "1", "I", "F"}:
        return img
    h, s, v = img.convert("HSV").split()
    np_h = np.array(h, dtype=np.uint8)
    with np.errstate(over="ignore"):
        np_h += np.array(factor * 255).astype(np.uint8)
    image = pillow()
    return image.merge("HSV", (image.fromarray(np_h, "L"), s, v)).convert(img.mode)


def _adjust(img, kind, factor):
    if is_pil_image(img):
        return _adjust_pil(img, kind, factor)
    x, restore = _as_batch(img)
    if x.dtype.kind == "f":
        return restore(_adjust_float(x, kind, factor).astype(x.dtype, copy=False))
    xp = backend.get_array_module(x)
    out = _adjust_float(x.astype(np.float32) / 255, kind, factor)
    return restore(xp.clip(xp.round(out * 255), 0, 255).astype(x.dtype))


def adjust_brightness(img, brightness_factor):
    return _adjust(img, "brightness", brightness_factor)


def adjust_contrast(img, contrast_factor):
    return _adjust(img, "contrast", contrast_factor)


def adjust_saturation(img, saturation_factor):
    return _adjust(img, "saturation", saturation_factor)


def adjust_hue(img, hue_factor):
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    return _adjust(img, "hue", hue_factor)


class ColorJitter:
    """Random brightness, contrast, saturation and hue changes, applied in a random order.

    Each argument ``a`` (a number) draws a factor from ``[max(0, 1 - a), 1 + a]`` (hue: ``[-a, a]``,
    ``a <= 0.5``), or from ``[min, max]`` when given as a pair.
    """

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        self.brightness = self._check_input(brightness, "brightness")
        self.contrast = self._check_input(contrast, "contrast")
        self.saturation = self._check_input(saturation, "saturation")
        self.hue = self._check_input(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def _check_input(value, name, center=1, bound=(0, float("inf")), clip_first_on_zero=True):
        if isinstance(value, numbers.Number):
            if value < 0:
                raise ValueError(f"If {name} is a single number, it must be non negative.")
            value = [center - float(value), center + float(value)]
            if clip_first_on_zero:
                value[0] = max(value[0], 0.0)
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            value = [float(value[0]), float(value[1])]
        else:
            raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            raise ValueError(f"{name} values should be between {bound}, but got {value}.")
        return None if value[0] == value[1] == center else tuple(value)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        """The order of the four adjustments and each factor (None: not applied)."""
        order = permutation_array(4, "cpu")
        factors = [None if r is None else float(uniform_array((), r[0], r[1], np.float64, "cpu"))
                   for r in (brightness, contrast, saturation, hue)]
        return (order, *factors)

    def __call__(self, img):
        order, *factors = self.get_params(self.brightness, self.contrast, self.saturation, self.hue)
        kinds = ("brightness", "contrast", "saturation", "hue")
        for k in order.tolist():
            if factors[k] is not None:
                img = _adjust(img, kinds[k], factors[k])
        return img

    def __repr__(self):
        return (f"ColorJitter(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")


def rgb_to_grayscale(img, num_output_channels=1):
    """RGB -> luma (ITU-R 601) with ``num_output_channels`` (1 or 3) copies."""
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if is_pil_image(img):
        gray = img.convert("L")
        return gray if num_output_channels == 1 else pillow().merge("RGB", [gray] * 3)
    x, restore = _as_batch(img)
    xp = backend.get_array_module(x)
    gray = _gray(x.astype(np.float32)) if x.shape[1] == 3 else x.astype(np.float32)
    if x.dtype.kind != "f":
        gray = xp.clip(xp.round(gray), 0, 255)
    gray = gray.astype(x.dtype)
    return restore(xp.repeat(gray, num_output_channels, axis=1))


to_grayscale = rgb_to_grayscale


class Grayscale:
    """RGB -> luma with ``num_output_channels`` (1 or 3) copies."""

    def __init__(self, num_output_channels=1):
        self.num_output_channels = num_output_channels

    def __call__(self, img):
        return rgb_to_grayscale(img, self.num_output_channels)

    def __repr__(self):
        return f"Grayscale(num_output_channels={self.num_output_channels})"


class RandomGrayscale:
    """With probability ``p``, grayscale with as many output channels as the input has."""

    def __init__(self, p=0.1):
        self.p = p

    def __call__(self, img):
        x, _ = _as_batch(img)
        if float(uniform_array((), 0.0, 1.0, np.float64, "cpu")) < self.p:
            return rgb_to_grayscale(img, num_output_channels=x.shape[1])
        return img

    def __repr__(self):
        return f"RandomGrayscale(p={self.p})"


# ----------------------------------------------------------------------------- conversions and others

class Lambda:
    """Apply a user function ``lambd`` as a transform."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return "Lambda()"


def to_pil_image(pic, mode=None):
    """A tensor (C, H, W) / (H, W) or array (H, W[, C]) as a PIL image; floats are scaled by 255."""
    image = require_pillow("ToPILImage")
    if isinstance(pic, Tensor):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        array = pic.detach().cpu().numpy()
        if pic.is_floating_point() and mode != "F":
            array = (array * 255).astype(np.uint8)  # like torchvision: mul(255) then truncate to bytes
        array = array if array.ndim == 2 else np.moveaxis(array, 0, -1)
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        array = pic
        if array.dtype.kind == "f" and mode != "F":
            array = (array * 255).astype(np.uint8)
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    result = image.fromarray(np.ascontiguousarray(array))
    return result if mode is None or result.mode == mode else result.convert(mode)


class ToPILImage:
    """Tensor or array -> PIL image (needs Pillow): the inverse of ``ToTensor`` for display and saving."""

    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        return to_pil_image(pic, self.mode)

    def __repr__(self):
        return "ToPILImage()" if self.mode is None else f"ToPILImage(mode={self.mode})"


def to_tensor(pic):
    """``ToTensor()(pic)``."""
    return ToTensor()(pic)


def normalize(tensor, mean, std, inplace=False):
    """``Normalize(mean, std)(tensor)``."""
    return Normalize(mean, std, inplace)(tensor)


def hflip(img):
    """Mirror left-right."""
    x, restore = _as_batch(img)
    return restore(x[..., ::-1])


def vflip(img):
    """Mirror top-bottom."""
    x, restore = _as_batch(img)
    return restore(x[..., ::-1, :])


from .transforms_more import (ConvertImageDtype, GaussianBlur, PILToTensor, RandomAffine,  # noqa: E402,F401
                              RandomApply, RandomChoice, RandomErasing, RandomOrder, RandomPerspective,
                              RandomRotation, affine, convert_image_dtype, erase, gaussian_blur, get_dimensions,
                              perspective, pil_to_tensor, rotate)
