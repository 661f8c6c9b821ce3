"""``minitorch_cnn.vision.transforms.v2``: torchvision's v2 transforms over the v1 ones.

A v2 transform takes one input or a whole sample -- ``t(img)``, ``t(img, label)``, ``t((img, label))``,
``t({"image": img, "label": 3})`` -- and gives back the same structure with its image transformed and
everything else passed through, as torchvision's v2 does for a sample without ``tv_tensors``: the
image is the first PIL image, NumPy image or tensor met in the sample's leaves (in order). (A sample
holds one image here: there are no ``tv_tensors`` masks or boxes to transform alongside.)

The pipeline that replaces ``ToTensor`` is ``Compose([ToImage(), ToDtype(mt.float32, scale=True)])``:
``ToImage`` makes a (C, H, W) tensor of the pixels' own dtype, ``ToDtype(..., scale=True)`` rescales
integers to [0, 1] (multiplying by the reciprocal of the largest value, as torchvision does).
"""
import enum
import warnings

import numpy as np

from ...dtypes import dtype as _dtype
from ...dtypes import float32
from ...tensor import Tensor
from . import transforms as _v1
from . import transforms_more as _more
from .image_io import is_pil_image
from .transforms import InterpolationMode  # noqa: F401  (v2.InterpolationMode, as torchvision re-exports it)


def _is_image(leaf):
    return isinstance(leaf, Tensor) or is_pil_image(leaf) or (isinstance(leaf, np.ndarray) and leaf.ndim in (2, 3))


def _flatten(sample):
    """(leaves, rebuild): the sample's leaves in order, and the function that puts new leaves back."""
    if isinstance(sample, (tuple, list)):
        parts = [_flatten(item) for item in sample]

        def rebuild(leaves):
            out, at = [], 0
            for (sub, sub_rebuild) in parts:
                out.append(sub_rebuild(leaves[at:at + len(sub)]))
                at += len(sub)
            return type(sample)(out) if isinstance(sample, list) or type(sample) is tuple else type(sample)(*out)
        return [leaf for sub, _ in parts for leaf in sub], rebuild
    if isinstance(sample, dict):
        keys = list(sample)
        leaves, rebuild_values = _flatten([sample[k] for k in keys])
        return leaves, lambda new: type(sample)(zip(keys, rebuild_values(new)))
    return [sample], lambda leaves: leaves[0]


class Transform:
    """The v2 call convention over ``_transform(image)``: the sample's image transformed, the rest kept.

    Its ``repr`` is torchvision v2's: the class name and its public settings that are plain values.
    """

    def _transform(self, image):
        raise NotImplementedError

    def __call__(self, *inputs):
        sample = inputs if len(inputs) > 1 else inputs[0]
        leaves, rebuild = _flatten(sample)
        for k, leaf in enumerate(leaves):
            if _is_image(leaf):
                leaves[k] = self._transform(leaf)
                return rebuild(leaves)
        return sample

    def __repr__(self):
        extra = [f"{name}={value}" for name, value in vars(self).items() if not name.startswith("_")
                 and isinstance(value, (bool, int, float, str, tuple, list, enum.Enum))]
        return f"{type(self).__name__}({', '.join(extra)})"


def _v2(v1_class):
    """The v2 class of a v1 transform: the v1 transform on the sample's image (its settings, defaults and
    checks are the v1 ones, which torchvision's v2 classes share)."""
    def _transform(self, image):
        return v1_class.__call__(self, image)

    return type(v1_class.__name__, (Transform, v1_class), {"_transform": _transform, "__call__": Transform.__call__,
                                                           "__repr__": Transform.__repr__,
                                                           "__doc__": v1_class.__doc__, "__module__": __name__})


Resize = _v2(_v1.Resize)
CenterCrop = _v2(_v1.CenterCrop)
RandomCrop = _v2(_v1.RandomCrop)
RandomResizedCrop = _v2(_v1.RandomResizedCrop)
RandomHorizontalFlip = _v2(_v1.RandomHorizontalFlip)
RandomVerticalFlip = _v2(_v1.RandomVerticalFlip)
Pad = _v2(_v1.Pad)
ColorJitter = _v2(_v1.ColorJitter)
Grayscale = _v2(_v1.Grayscale)
RandomGrayscale = _v2(_v1.RandomGrayscale)
RandomRotation = _v2(_more.RandomRotation)
RandomAffine = _v2(_more.RandomAffine)
RandomPerspective = _v2(_more.RandomPerspective)
GaussianBlur = _v2(_more.GaussianBlur)
RandomErasing = _v2(_more.RandomErasing)
ToPILImage = _v2(_v1.ToPILImage)
PILToTensor = _v2(_more.PILToTensor)


class Normalize(_v2(_v1.Normalize)):
    """``(x - mean[c]) / std[c]`` per channel of a tensor image (PIL images are refused, as in torchvision)."""

    def __init__(self, mean, std, inplace=False):
        super().__init__(list(mean), list(std), inplace)

    def _transform(self, image):
        if is_pil_image(image):
            raise TypeError("Normalize() does not support PIL images.")
        return super()._transform(image)


class Compose:
    """Apply ``transforms`` one after the other to the whole sample."""

    def __init__(self, transforms):
        if not isinstance(transforms, (list, tuple)):
            raise TypeError("Argument transforms should be a sequence of callables")
        if not transforms:
            raise ValueError("Pass at least one transform")
        self.transforms = transforms

    def __call__(self, *inputs):
        sample = inputs if len(inputs) > 1 else inputs[0]
        for t in self.transforms:
            sample = t(sample)
        return sample

    def __repr__(self):
        return "Compose(\n" + "".join(f"      {t}\n" for t in self.transforms) + ")"


class Lambda(Transform):
    """``lambd`` on each leaf of the sample of one of ``types`` (default: every leaf)."""

    def __init__(self, lambd, *types):
        self.lambd = lambd
        self.types = types or (object,)

    def __call__(self, *inputs):
        sample = inputs if len(inputs) > 1 else inputs[0]
        leaves, rebuild = _flatten(sample)
        return rebuild([self.lambd(leaf) if isinstance(leaf, self.types) else leaf for leaf in leaves])

    def __repr__(self):
        extras = [getattr(self.lambd, "__name__", None)] if getattr(self.lambd, "__name__", None) else []
        return f"Lambda({', '.join(extras + [f'types={[t.__name__ for t in self.types]}'])})"


RandomApply, RandomChoice, RandomOrder = _more.RandomApply, _more.RandomChoice, _more.RandomOrder


def to_image(inpt):
    """A PIL image, NumPy image (H, W[, C]) or tensor as a (C, H, W) tensor of its own dtype (no scaling)."""
    if isinstance(inpt, np.ndarray):
        pixels = np.atleast_3d(inpt)
        return Tensor._from_op(np.ascontiguousarray(np.moveaxis(pixels, -1, 0)), None)
    if is_pil_image(inpt):
        return _more.pil_to_tensor(inpt)
    if isinstance(inpt, Tensor):
        return inpt
    raise TypeError(f"Input can either be a pure Tensor, a numpy array, or a PIL image, but got {type(inpt)} "
                    "instead.")


class ToImage(Transform):
    """``to_image``: the sample's image as a (C, H, W) tensor of its own dtype."""

    def _transform(self, image):
        return to_image(image)


class ToPureTensor(Transform):
    """A tensor stays itself (minitorch_cnn has no ``tv_tensors`` subclasses to unwrap)."""

    def _transform(self, image):
        return image


def to_dtype(inpt, dtype=float32, scale=False):
    """A tensor image in ``dtype``; with ``scale``, its values rescaled between the dtypes' ranges."""
    if not scale:
        return inpt if inpt.dtype == dtype else inpt.to(dtype)
    return _more._to_image_dtype(inpt, dtype, by_reciprocal=True)


class ToDtype(Transform):
    """``to_dtype(image, dtype, scale)`` on the sample's tensor image (PIL and NumPy images pass through)."""

    def __init__(self, dtype, scale=False):
        if not isinstance(dtype, (dict, _dtype)):
            raise ValueError(f"dtype must be a dict or a torch.dtype, got {type(dtype)} instead")
        self.dtype, self.scale = dtype, scale

    def _transform(self, image):
        if not isinstance(image, Tensor):
            return image
        dtype = self.dtype
        if isinstance(dtype, dict):
            dtype = dtype.get(Tensor, dtype.get("others"))
            if dtype is None:
                return image
        return to_dtype(image, dtype, self.scale)


class ConvertImageDtype(Transform):
    """``ToDtype(dtype, scale=True)`` (its deprecated spelling)."""

    def __init__(self, dtype=float32):
        self.dtype = dtype

    def _transform(self, image):
        return to_dtype(image, self.dtype, scale=True) if isinstance(image, Tensor) else image


class ToTensor(Transform):
    """[Deprecated] ``Compose([ToImage(), ToDtype(mt.float32, scale=True)])``: v1's ``ToTensor``."""

    def __init__(self):
        warnings.warn("The transform `ToTensor()` is deprecated and will be removed in a future release. Instead, "
                      "please use `v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True)])`.Output is "
                      "equivalent up to float precision.", stacklevel=2)

    def _transform(self, image):
        return image if isinstance(image, Tensor) else _v1.ToTensor()(image)


# the functional kernels (``v2.functional``)
from .transforms import (adjust_brightness, adjust_contrast, adjust_hue, adjust_saturation,  # noqa: E402,F401
                         center_crop, crop, hflip, normalize, pad, resize, rgb_to_grayscale, to_grayscale,
                         to_pil_image, vflip)
from .transforms_more import (affine, erase, gaussian_blur, get_dimensions, perspective, pil_to_tensor,  # noqa: E402,F401
                              rotate)
