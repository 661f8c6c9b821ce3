"""More of torchvision's transforms: rotations, affine and perspective warps, Gaussian blur, random
erasing, the random containers, dtype conversions (re-exported by ``transforms``).

The warps follow torchvision's tensor path: the inverse affine matrix of ``_get_inverse_affine_matrix``
(or the perspective coefficients of its least-squares fit) maps each output pixel centre to a source
point, which is sampled as ``grid_sample(align_corners=False, padding_mode='zeros')`` does, nearest
(round half to even) or bilinear; ``fill`` paints the outside through a sampled mask of ones, exactly
as torchvision blends it. PIL images go through Pillow itself (``rotate`` / ``transform``), as in
torchvision. A tensor batch ``(N, C, H, W)`` shares one draw; NumPy images ``(H, W[, C])`` take the
tensor path. Everything is vectorised over pixels.
"""
import math
import numbers
import warnings
from collections.abc import Sequence

import numpy as np

from ... import backend
from ...dtypes import as_dtype, float32
from ...random import normal_array, randint_array, uniform_array
from ...tensor import Tensor
from .image_batch import _PIL_FILTERS, InterpolationMode, _as_batch, _image_size, _interpolation, _pad_array
from .image_io import is_pil_image


# ----------------------------------------------------------------------------- checks shared by the warps

def _check_sequence_input(x, name, req_sizes):
    msg = req_sizes[0] if len(req_sizes) < 2 else " or ".join(str(s) for s in req_sizes)
    if not isinstance(x, Sequence):
        raise TypeError(f"{name} should be a sequence of length {msg}.")
    if len(x) not in req_sizes:
        raise ValueError(f"{name} should be a sequence of length {msg}.")


def _setup_angle(x, name, req_sizes=(2,)):
    """A number ``a`` -> ``[-a, a]``; a sequence is checked for its length. Floats either way."""
    if isinstance(x, numbers.Number):
        if x < 0:
            raise ValueError(f"If {name} is a single number, it must be positive.")
        x = [-x, x]
    else:
        _check_sequence_input(x, name, req_sizes)
    return [float(d) for d in x]


def _check_fill(fill):
    if fill is None:
        return 0
    if not isinstance(fill, (Sequence, numbers.Number)):
        raise TypeError("Fill should be either a sequence or a number.")
    return fill


def _channel_fill(img, fill):
    """torchvision's forward: a tensor image's number ``fill`` becomes one float per channel."""
    if not isinstance(img, (Tensor, np.ndarray)) or is_pil_image(img):
        return fill
    if isinstance(fill, (int, float)):
        return [float(fill)] * get_dimensions(img)[0]
    return [float(f) for f in fill]


def _warp_interpolation(interpolation):
    if isinstance(interpolation, int) and not isinstance(interpolation, bool):
        return _interpolation(interpolation)
    if not isinstance(interpolation, InterpolationMode):
        raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow integer "
                        "constant")
    return interpolation


def get_dimensions(img):
    """``[channels, height, width]`` of a tensor, PIL image or NumPy image."""
    if isinstance(img, Tensor):
        return [1 if img.ndim == 2 else int(img.shape[-3]), int(img.shape[-2]), int(img.shape[-1])]
    if is_pil_image(img):
        return [len(img.getbands()), img.height, img.width]
    h, w = _image_size(img)
    return [1 if np.ndim(img) == 2 else int(np.shape(img)[2]), h, w]


def _parse_pil_fill(fill, img):
    """Pillow's ``fillcolor`` for ``fill`` (torchvision's ``_parse_fill``)."""
    channels = len(img.getbands())
    fill = 0 if fill is None else fill
    if isinstance(fill, (int, float)) and channels > 1:
        fill = tuple([fill] * channels)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = tuple(fill) * channels
        elif len(fill) != channels:
            raise ValueError("The number of elements in 'fill' does not match the number of channels of the image "
                             f"({len(fill)} != {channels})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return fill


# ----------------------------------------------------------------------------- sampling

def _inverse_affine_matrix(center, angle, translate, scale, shear):
    """The 2x3 matrix (as 6 numbers) taking an output point to its source point: M^-1 = C RSS^-1 C^-1 T^-1,
    with RSS = R(angle) S(scale) SHy(shear_y) SHx(shear_x) (torchvision's ``_get_inverse_affine_matrix``)."""
    rot, sx, sy = math.radians(angle), math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    matrix = [x / scale for x in (d, -b, 0.0, -c, a, 0.0)]  # det [[a, b], [c, d]] = 1
    matrix[2] += matrix[0] * (-cx - tx) + matrix[1] * (-cy - ty)
    matrix[5] += matrix[3] * (-cx - tx) + matrix[4] * (-cy - ty)
    matrix[2] += cx
    matrix[5] += cy
    return matrix


def _affine_output_size(matrix, w, h):
    """(width, height) that holds the whole warped image (``expand=True``), as Pillow computes it."""
    pts = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0], [0.5 * w, 0.5 * h, 1.0],
                    [0.5 * w, -0.5 * h, 1.0]], dtype=np.float32)
    new = pts @ np.asarray(matrix, dtype=np.float32).reshape(2, 3).T
    low, high = new.min(axis=0) + np.float32([w * 0.5, h * 0.5]), new.max(axis=0) + np.float32([w * 0.5, h * 0.5])
    tol = 1e-4  # (a ceil of 1e-15 above an integer would add a pixel)
    size = np.ceil(np.trunc(high / tol) * tol) - np.floor(np.trunc(low / tol) * tol)
    return int(size[0]), int(size[1])


def _affine_grid(matrix, w, h, ow, oh, dtype):
    """Normalised source coordinates (gx, gy), each (oh, ow), of the output pixel centres (0 at the centre)."""
    x = np.linspace(-ow * 0.5 + 0.5, ow * 0.5 - 0.5, ow, dtype=dtype)[None, :]
    y = np.linspace(-oh * 0.5 + 0.5, oh * 0.5 - 0.5, oh, dtype=dtype)[:, None]
    m = np.asarray(matrix, dtype=dtype)
    return (m[0] * x + m[1] * y + m[2]) / dtype.type(0.5 * w), (m[3] * x + m[4] * y + m[5]) / dtype.type(0.5 * h)


def _perspective_grid(coeffs, ow, oh, dtype):
    """Normalised source coordinates of Pillow's perspective map x' = (c0 x + c1 y + c2) / (c6 x + c7 y + 1), ..."""
    x = np.linspace(0.5, ow - 0.5, ow, dtype=dtype)[None, :]
    y = np.linspace(0.5, oh - 0.5, oh, dtype=dtype)[:, None]
    c = np.asarray(coeffs, dtype=dtype)
    denominator = c[6] * x + c[7] * y + 1
    gx = (c[0] * x + c[1] * y + c[2]) / dtype.type(0.5 * ow) / denominator - 1
    gy = (c[3] * x + c[4] * y + c[5]) / dtype.type(0.5 * oh) / denominator - 1
    return gx, gy


def _grid_sample(x, gx, gy, mode):
    """``grid_sample(x, grid, mode, padding_mode='zeros', align_corners=False)`` with one grid for the batch.

    x: (N, C, H, W) floats; gx, gy: (oh, ow) in [-1, 1] over the input. Out: (N, C, oh, ow).
    """
    xp = backend.get_array_module(x)
    h, w = x.shape[-2:]
    ix, iy = ((gx + 1) * w - 1) / 2, ((gy + 1) * h - 1) / 2  # pixel coordinates (pixel centres at integers)
    ix, iy = xp.asarray(ix), xp.asarray(iy)

    def tap(cols, rows):
        """x at integer (rows, cols), 0 outside the image."""
        inside = (cols >= 0) & (cols < w) & (rows >= 0) & (rows < h)
        return x[..., xp.clip(rows, 0, h - 1), xp.clip(cols, 0, w - 1)] * inside.astype(x.dtype)

    if mode == "nearest":
        return tap(xp.rint(ix).astype(np.int64), xp.rint(iy).astype(np.int64))
    x0, y0 = xp.floor(ix), xp.floor(iy)
    wx, wy = (ix - x0).astype(x.dtype), (iy - y0).astype(x.dtype)
    x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
    return ((1 - wx) * (1 - wy) * tap(x0, y0) + wx * (1 - wy) * tap(x0 + 1, y0)
            + (1 - wx) * wy * tap(x0, y0 + 1) + wx * wy * tap(x0 + 1, y0 + 1))


def _apply_grid(img, grid_of, mode, fill):
    """Warp a tensor or NumPy image by the grid ``grid_of(w, h, dtype)``; ``fill`` paints what falls outside."""
    if mode not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{mode}' is unsupported with Tensor input")
    x, restore = _as_batch(img)
    if fill is not None and isinstance(fill, (tuple, list)) and len(fill) > 1 and len(fill) != x.shape[1]:
        raise ValueError("The number of elements in 'fill' cannot broadcast to match the number of channels of the "
                         f"image ({len(fill)} != {x.shape[1]})")
    xp = backend.get_array_module(x)
    out_dtype = x.dtype
    if x.dtype.kind != "f":
        x = x.astype(np.float32)
    gx, gy = grid_of(x.shape[-1], x.shape[-2], x.dtype)
    if fill is not None:  # a mask of ones, sampled with the image, tells where the output lies outside it
        x = xp.concatenate([x, xp.ones_like(x[:, :1])], axis=1)
    out = _grid_sample(x, gx, gy, mode)
    if fill is not None:
        out, mask = out[:, :-1], out[:, -1:]
        values = fill if isinstance(fill, (tuple, list)) else [float(fill)]
        paint = xp.broadcast_to(xp.asarray(values, dtype=out.dtype).reshape(1, -1, 1, 1), out.shape)
        if mode == "nearest":
            out = xp.where(mask < 0.5, paint, out)
        else:
            out = out * mask + (1.0 - mask) * paint
    if out_dtype.kind != "f":
        out = xp.round(out)
    return restore(xp.ascontiguousarray(out.astype(out_dtype, copy=False)))


# ----------------------------------------------------------------------------- functional warps

def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    """Rotate by ``angle`` degrees counter-clockwise about ``center`` (pixels; default the image centre)."""
    interpolation = _warp_interpolation(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    if is_pil_image(img):
        return img.rotate(angle, resample=_PIL_FILTERS[interpolation], expand=expand, center=center,
                          fillcolor=_parse_pil_fill(fill, img))
    _, height, width = get_dimensions(img)
    center_f = [0.0, 0.0] if center is None else [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]
    # (the affine convention turns the other way: -angle)
    matrix = _inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    ow, oh = _affine_output_size(matrix, width, height) if expand else (width, height)
    return _apply_grid(img, lambda w, h, dtype: _affine_grid(matrix, w, h, ow, oh, dtype), interpolation.value, fill)


def affine(img, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST, fill=None, center=None):
    """Rotate by ``angle``, translate by ``translate`` pixels, scale, and shear by ``shear`` degrees (x, y),
    about ``center`` (default the image centre), keeping the image's size."""
    interpolation = _warp_interpolation(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if not isinstance(shear, (numbers.Number, list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    shear = [shear, 0.0] if isinstance(shear, numbers.Number) else list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    _, height, width = get_dimensions(img)
    if is_pil_image(img):
        # (the centre without the half-pixel offset: a 90 degree turn then matches the tensor path's)
        center = [width * 0.5, height * 0.5] if center is None else center
        matrix = _inverse_affine_matrix(center, float(angle), list(translate), scale, shear)
        return img.transform(img.size, _pil_method("AFFINE"), matrix, _PIL_FILTERS[interpolation],
                             fillcolor=_parse_pil_fill(fill, img))
    center_f = [0.0, 0.0] if center is None else [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]
    matrix = _inverse_affine_matrix(center_f, float(angle), [1.0 * t for t in translate], scale, shear)
    return _apply_grid(img, lambda w, h, dtype: _affine_grid(matrix, w, h, w, h, dtype), interpolation.value, fill)


def _pil_method(name):
    """Pillow's ``Image.Transform.AFFINE`` / ``PERSPECTIVE`` (plain ``Image.AFFINE`` before Pillow 9.1)."""
    from PIL import Image

    return getattr(Image.Transform, name) if hasattr(Image, "Transform") else getattr(Image, name)


def _perspective_coeffs(startpoints, endpoints):
    """The 8 coefficients of the map from ``endpoints`` to ``startpoints`` (a least-squares fit in float64)."""
    if len(startpoints) != 4 or len(endpoints) != 4:
        raise ValueError(f"Please provide exactly four corners, got {len(startpoints)} startpoints and "
                         f"{len(endpoints)} endpoints.")
    a = np.zeros((8, 8), dtype=np.float64)
    for i, (p1, p2) in enumerate(zip(endpoints, startpoints)):  # four corners: two equations each
        a[2 * i] = [p1[0], p1[1], 1, 0, 0, 0, -p2[0] * p1[0], -p2[0] * p1[1]]
        a[2 * i + 1] = [0, 0, 0, p1[0], p1[1], 1, -p2[1] * p1[0], -p2[1] * p1[1]]
    b = np.asarray(startpoints, dtype=np.float64).reshape(8)
    return np.linalg.lstsq(a, b, rcond=None)[0].astype(np.float32).tolist()


def perspective(img, startpoints, endpoints, interpolation=InterpolationMode.BILINEAR, fill=None):
    """Warp so that the four ``startpoints`` (corners, [x, y] pixels) land on the ``endpoints``."""
    coeffs = _perspective_coeffs(startpoints, endpoints)
    interpolation = _warp_interpolation(interpolation)
    if is_pil_image(img):
        return img.transform(img.size, _pil_method("PERSPECTIVE"), coeffs, _PIL_FILTERS[interpolation],
                             fillcolor=_parse_pil_fill(fill, img))
    return _apply_grid(img, lambda w, h, dtype: _perspective_grid(coeffs, w, h, dtype), interpolation.value, fill)


# ----------------------------------------------------------------------------- random warps

class RandomRotation:
    """Rotate by an angle drawn uniformly from ``degrees`` (a number d: [-d, d])."""

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=0):
        self.interpolation = _warp_interpolation(interpolation)
        self.degrees = _setup_angle(degrees, name="degrees", req_sizes=(2,))
        if center is not None:
            _check_sequence_input(center, "center", req_sizes=(2,))
        self.center = center
        self.expand = expand
        self.fill = _check_fill(fill)

    @staticmethod
    def get_params(degrees):
        """The angle of a random rotation, uniform in ``degrees``."""
        return float(uniform_array((), float(degrees[0]), float(degrees[1]), np.float64, "cpu"))

    def __call__(self, img):
        fill = _channel_fill(img, self.fill)
        return rotate(img, self.get_params(self.degrees), self.interpolation, self.expand, self.center, fill)

    def __repr__(self):
        text = f"RandomRotation(degrees={self.degrees}, interpolation={self.interpolation.value}, expand={self.expand}"
        if self.center is not None:
            text += f", center={self.center}"
        return text + f", fill={self.fill})"


class RandomAffine:
    """A random affine warp: angle uniform in ``degrees``, translation up to ``translate`` (fractions of the
    width and height), scale uniform in ``scale``, shear (x, or x then y) uniform in ``shear`` degrees."""

    def __init__(self, degrees, translate=None, scale=None, shear=None, interpolation=InterpolationMode.NEAREST,
                 fill=0, center=None):
        self.interpolation = _warp_interpolation(interpolation)
        self.degrees = _setup_angle(degrees, name="degrees", req_sizes=(2,))
        if translate is not None:
            _check_sequence_input(translate, "translate", req_sizes=(2,))
            for t in translate:
                if not 0.0 <= t <= 1.0:
                    raise ValueError("translation values should be between 0 and 1")
        self.translate = translate
        if scale is not None:
            _check_sequence_input(scale, "scale", req_sizes=(2,))
            for s in scale:
                if s <= 0:
                    raise ValueError("scale values should be positive")
        self.scale = scale
        self.shear = None if shear is None else _setup_angle(shear, name="shear", req_sizes=(2, 4))
        self.fill = _check_fill(fill)
        if center is not None:
            _check_sequence_input(center, "center", req_sizes=(2,))
        self.center = center

    @staticmethod
    def get_params(degrees, translate, scale_ranges, shears, img_size):
        """(angle, (tx, ty), scale, (shear_x, shear_y)) for an image of ``img_size`` = [width, height]."""
        def uniform(low, high):
            return float(uniform_array((), float(low), float(high), np.float64, "cpu"))

        angle = uniform(degrees[0], degrees[1])
        if translate is not None:
            max_dx, max_dy = float(translate[0] * img_size[0]), float(translate[1] * img_size[1])
            translations = (int(round(uniform(-max_dx, max_dx))), int(round(uniform(-max_dy, max_dy))))
        else:
            translations = (0, 0)
        scale = 1.0 if scale_ranges is None else uniform(scale_ranges[0], scale_ranges[1])
        shear_x = shear_y = 0.0
        if shears is not None:
            shear_x = uniform(shears[0], shears[1])
            if len(shears) == 4:
                shear_y = uniform(shears[2], shears[3])
        return angle, translations, scale, (shear_x, shear_y)

    def __call__(self, img):
        fill = _channel_fill(img, self.fill)
        _, height, width = get_dimensions(img)
        params = self.get_params(self.degrees, self.translate, self.scale, self.shear, [width, height])
        return affine(img, *params, interpolation=self.interpolation, fill=fill, center=self.center)

    def __repr__(self):
        text = f"RandomAffine(degrees={self.degrees}"
        text += f", translate={self.translate}" if self.translate is not None else ""
        text += f", scale={self.scale}" if self.scale is not None else ""
        text += f", shear={self.shear}" if self.shear is not None else ""
        text += f", interpolation={self.interpolation.value}" if self.interpolation != InterpolationMode.NEAREST else ""
        text += f", fill={self.fill}" if self.fill != 0 else ""
        text += f", center={self.center}" if self.center is not None else ""
        return text + ")"


class RandomPerspective:
    """With probability ``p``, a perspective warp moving each corner inwards by up to ``distortion_scale``
    of half the image."""

    def __init__(self, distortion_scale=0.5, p=0.5, interpolation=InterpolationMode.BILINEAR, fill=0):
        self.p = p
        self.interpolation = _warp_interpolation(interpolation)
        self.distortion_scale = distortion_scale
        self.fill = _check_fill(fill)

    @staticmethod
    def get_params(width, height, distortion_scale):
        """(startpoints, endpoints): the image's corners and where each goes (TL, TR, BR, BL)."""
        half_height, half_width = height // 2, width // 2
        dx, dy = int(distortion_scale * half_width), int(distortion_scale * half_height)

        def draw(low, high):
            return int(randint_array(low, high, (), "cpu"))

        topleft = [draw(0, dx + 1), draw(0, dy + 1)]
        topright = [draw(width - dx - 1, width), draw(0, dy + 1)]
        botright = [draw(width - dx - 1, width), draw(height - dy - 1, height)]
        botleft = [draw(0, dx + 1), draw(height - dy - 1, height)]
        startpoints = [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]
        return startpoints, [topleft, topright, botright, botleft]

    def __call__(self, img):
        fill = _channel_fill(img, self.fill)
        _, height, width = get_dimensions(img)
        if float(uniform_array((), 0.0, 1.0, np.float64, "cpu")) < self.p:
            startpoints, endpoints = self.get_params(width, height, self.distortion_scale)
            return perspective(img, startpoints, endpoints, self.interpolation, fill)
        return img

    def __repr__(self):
        return f"RandomPerspective(p={self.p})"


# ----------------------------------------------------------------------------- blur, erasing

def _gaussian_kernel1d(kernel_size, sigma, dtype):
    half = (kernel_size - 1) * 0.5
    pdf = np.exp(-0.5 * (np.linspace(-half, half, kernel_size, dtype=dtype) / dtype.type(sigma)) ** 2)
    return pdf / pdf.sum()


def _band(kernel, n):
    """The (n, n + k - 1) matrix whose row i holds ``kernel`` at columns i .. i + k - 1: a 'valid' correlation."""
    k = kernel.shape[0]
    band = np.zeros((n, n + k - 1), dtype=kernel.dtype)
    band[np.arange(n)[:, None], np.arange(n)[:, None] + np.arange(k)] = kernel
    return band


def gaussian_blur(img, kernel_size, sigma=None):
    """Blur with a Gaussian of ``kernel_size`` = (kx, ky) pixels (odd) and ``sigma`` = (sx, sy); borders reflect."""
    if not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError(f"kernel_size should be int or a sequence of integers. Got {type(kernel_size)}")
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if len(kernel_size) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got {len(kernel_size)}")
    for ksize in kernel_size:
        if ksize % 2 == 0 or ksize < 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got {kernel_size}")
    if sigma is None:
        sigma = [ksize * 0.15 + 0.35 for ksize in kernel_size]
    if not isinstance(sigma, (int, float, list, tuple)):
        raise TypeError(f"sigma should be either float or sequence of floats. Got {type(sigma)}")
    if isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    if isinstance(sigma, (list, tuple)) and len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    for s in sigma:
        if s <= 0.0:
            raise ValueError(f"sigma should have positive values. Got {sigma}")
    x, restore = _as_batch(img)  # (a PIL image too: through its pixels and back, as torchvision does)
    xp = backend.get_array_module(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    kx, ky = kernel_size
    padded = _pad_array(x.astype(dtype, copy=False), kx // 2, ky // 2, kx // 2, ky // 2, padding_mode="reflect")
    # the 2-D kernel is the outer product of the two 1-D ones: one banded matrix on each side
    rows = xp.asarray(_band(_gaussian_kernel1d(ky, sigma[1], dtype), x.shape[-2]))
    cols = xp.asarray(_band(_gaussian_kernel1d(kx, sigma[0], dtype), x.shape[-1]))
    out = rows @ padded @ cols.T
    if x.dtype.kind != "f":
        out = xp.round(out).astype(x.dtype)
    return restore(out)


class GaussianBlur:
    """Blur with a Gaussian of ``kernel_size`` whose sigma is drawn uniformly from ``sigma`` (min, max)."""

    def __init__(self, kernel_size, sigma=(0.1, 2.0)):
        if isinstance(kernel_size, numbers.Number):
            kernel_size = (int(kernel_size), int(kernel_size))
        elif isinstance(kernel_size, Sequence) and len(kernel_size) == 1:
            kernel_size = (kernel_size[0], kernel_size[0])
        if len(kernel_size) != 2:
            raise ValueError("Kernel size should be a tuple/list of two integers")
        self.kernel_size = kernel_size
        for ks in self.kernel_size:
            if ks <= 0 or ks % 2 == 0:
                raise ValueError("Kernel size value should be an odd and positive number.")
        if isinstance(sigma, numbers.Number):
            if sigma <= 0:
                raise ValueError("If sigma is a single number, it must be positive.")
            sigma = (sigma, sigma)
        elif isinstance(sigma, Sequence) and len(sigma) == 2:
            if not 0.0 < sigma[0] <= sigma[1]:
                raise ValueError("sigma values should be positive and of the form (min, max).")
        else:
            raise ValueError("sigma should be a single number or a list/tuple with length 2.")
        self.sigma = sigma

    @staticmethod
    def get_params(sigma_min, sigma_max):
        """The blur's sigma, uniform in [sigma_min, sigma_max]."""
        return float(uniform_array((), float(sigma_min), float(sigma_max), np.float64, "cpu"))

    def __call__(self, img):
        sigma = self.get_params(self.sigma[0], self.sigma[1])
        return gaussian_blur(img, self.kernel_size, [sigma, sigma])

    def __repr__(self):
        return f"GaussianBlur(kernel_size={self.kernel_size}, sigma={self.sigma})"


def erase(img, i, j, h, w, v, inplace=False):
    """``img`` with the window rows i..i+h, columns j..j+w set to ``v`` (a number or a tensor that broadcasts)."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    out = img if inplace else img.clone()
    out._data[..., i:i + h, j:j + w] = v._data if isinstance(v, Tensor) else v
    return out


class RandomErasing:
    """With probability ``p``, set a random window of ``scale`` x the area and aspect ratio in ``ratio`` to
    ``value``: a number, one per channel, or ``'random'`` (standard normal noise). Tensors only."""

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False):
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        if not isinstance(scale, Sequence):
            raise TypeError("Scale should be a sequence")
        if not isinstance(ratio, Sequence):
            raise TypeError("Ratio should be a sequence")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn("Scale and ratio should be of kind (min, max)")
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError("Scale should be between 0 and 1")
        if p < 0 or p > 1:
            raise ValueError("Random erasing probability should be between 0 and 1")
        self.p, self.scale, self.ratio, self.value, self.inplace = p, scale, ratio, value, inplace

    @staticmethod
    def get_params(img, scale, ratio, value=None):
        """(i, j, h, w, v): the window to erase and its value; ten tries, else the whole image (v = img)."""
        img_c, img_h, img_w = img.shape[-3], img.shape[-2], img.shape[-1]
        area = img_h * img_w
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            erase_area = area * float(uniform_array((), scale[0], scale[1], np.float64, "cpu"))
            aspect_ratio = math.exp(float(uniform_array((), log_ratio[0], log_ratio[1], np.float64, "cpu")))
            h = int(round(math.sqrt(erase_area * aspect_ratio)))
            w = int(round(math.sqrt(erase_area / aspect_ratio)))
            if not (h < img_h and w < img_w):
                continue
            if value is None:
                v = Tensor._from_op(normal_array((img_c, h, w), 0.0, 1.0, np.float32, "cpu"), None)
            else:
                v = Tensor._from_op(np.asarray(value, dtype=np.float32)[:, None, None], None)
            i = int(randint_array(0, img_h - h + 1, (), "cpu"))
            j = int(randint_array(0, img_w - w + 1, (), "cpu"))
            return i, j, h, w, v
        return 0, 0, img_h, img_w, img

    def __call__(self, img):
        if float(uniform_array((), 0.0, 1.0, np.float64, "cpu")) < self.p:
            if isinstance(self.value, (int, float)):
                value = [float(self.value)]
            elif isinstance(self.value, str):
                value = None
            else:
                value = [float(v) for v in self.value]
            if value is not None and len(value) not in (1, img.shape[-3]):
                raise ValueError("If value is a sequence, it should have either a single value or "
                                 f"{img.shape[-3]} (number of input channels)")
            i, j, h, w, v = self.get_params(img, scale=self.scale, ratio=self.ratio, value=value)
            if isinstance(v, Tensor) and v is not img:
                v = Tensor._from_op(backend.to_device(v._data.astype(img._data.dtype), img.device), None)
            return erase(img, i, j, h, w, v, self.inplace)
        return img

    def __repr__(self):
        return (f"RandomErasing(p={self.p}, scale={self.scale}, ratio={self.ratio}, value={self.value}, "
                f"inplace={self.inplace})")


# ----------------------------------------------------------------------------- containers

class RandomApply:
    """Apply all of ``transforms`` (in order) with probability ``p``, else none."""

    def __init__(self, transforms, p=0.5):
        self.transforms, self.p = transforms, p

    def __call__(self, img):
        if self.p < float(uniform_array((), 0.0, 1.0, np.float64, "cpu")):
            return img
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        return f"RandomApply(\n    p={self.p}\n" + "".join(f"    {t}\n" for t in self.transforms) + ")"


class RandomChoice:
    """Apply one of ``transforms``, picked with probabilities ``p`` (default: uniform)."""

    def __init__(self, transforms, p=None):
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence")
        if p is not None and not isinstance(p, Sequence):
            raise TypeError("Argument p should be a sequence")
        self.transforms, self.p = transforms, p

    def __call__(self, *args):
        weights = np.ones(len(self.transforms)) if self.p is None else np.asarray(self.p, dtype=np.float64)
        cumulative = np.cumsum(weights) / weights.sum()
        pick = int(np.searchsorted(cumulative, float(uniform_array((), 0.0, 1.0, np.float64, "cpu")), side="right"))
        return self.transforms[min(pick, len(self.transforms) - 1)](*args)

    def __repr__(self):
        return f"RandomChoice(\n" + "".join(f"    {t}\n" for t in self.transforms) + f"p={self.p})"


class RandomOrder:
    """Apply ``transforms`` in a random order."""

    def __init__(self, transforms):
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence")
        self.transforms = transforms

    def __call__(self, img):
        for i in np.argsort(uniform_array((len(self.transforms),), 0.0, 1.0, np.float64, "cpu")):
            img = self.transforms[int(i)](img)
        return img

    def __repr__(self):
        return "RandomOrder(\n" + "".join(f"    {t}\n" for t in self.transforms) + ")"


# ----------------------------------------------------------------------------- dtypes

_MAX_VALUE = {np.dtype(np.uint8): 255, np.dtype(np.int8): 127, np.dtype(np.int16): 32767,
              np.dtype(np.int32): 2 ** 31 - 1, np.dtype(np.int64): 2 ** 63 - 1, np.dtype(np.bool_): 1}


def _to_image_dtype(image, dtype, by_reciprocal):
    """``image`` (a tensor) in ``dtype`` with its values rescaled between the dtypes' ranges (floats: [0, 1]).

    Integers to floats divide by the input's largest value (v2: multiply by its reciprocal); floats to
    integers multiply by (max + 1 - 1e-3) so that [0, 1] covers every integer evenly; between
    integers, bits shift.
    """
    dtype = as_dtype(dtype)
    data, target = image._data, dtype.np_dtype
    xp = backend.get_array_module(data)
    if data.dtype == target:
        return image
    if data.dtype.kind == "f":
        if target.kind == "f":
            return Tensor._from_op(data.astype(target), None)
        if (data.dtype == np.float32 and target in (np.int32, np.int64)) or (
                data.dtype == np.float64 and target == np.int64):
            raise RuntimeError(f"The conversion from {image.dtype} to {dtype} cannot be performed safely.")
        return Tensor._from_op((data * (float(_MAX_VALUE[target]) + 1.0 - 1e-3)).astype(target), None)
    if target.kind == "f":
        top = _MAX_VALUE[data.dtype]
        out = data.astype(target) * (1.0 / top) if by_reciprocal else data.astype(target) / top
        return Tensor._from_op(out.astype(target, copy=False), None)
    bits_in = _num_value_bits(data.dtype)
    bits_out = _num_value_bits(target)
    if bits_in > bits_out:
        return Tensor._from_op(xp.right_shift(data, bits_in - bits_out).astype(target), None)
    return Tensor._from_op(xp.left_shift(data.astype(target), bits_out - bits_in), None)


def _num_value_bits(dtype):
    return {np.dtype(np.uint8): 8, np.dtype(np.int8): 7, np.dtype(np.int16): 15, np.dtype(np.int32): 31,
            np.dtype(np.int64): 63, np.dtype(np.bool_): 1}[np.dtype(dtype)]


def convert_image_dtype(image, dtype=float32):
    """A tensor image in ``dtype``, its values rescaled (uint8 255 -> float 1.0 and back)."""
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    return _to_image_dtype(image, dtype, by_reciprocal=False)


class ConvertImageDtype:
    """``convert_image_dtype(image, dtype)``."""

    def __init__(self, dtype):
        self.dtype = dtype

    def __call__(self, image):
        return convert_image_dtype(image, self.dtype)

    def __repr__(self):
        return f"ConvertImageDtype(dtype={self.dtype})"


def pil_to_tensor(pic):
    """A PIL image as a (C, H, W) tensor of its own dtype (no scaling)."""
    if not is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    pixels = np.asarray(pic)
    pixels = pixels[:, :, None] if pixels.ndim == 2 else pixels
    return Tensor._from_op(np.ascontiguousarray(np.moveaxis(pixels, -1, 0)), None)


class PILToTensor:
    """``pil_to_tensor(pic)``."""

    def __call__(self, pic):
        return pil_to_tensor(pic)

    def __repr__(self):
        return "PILToTensor()"
