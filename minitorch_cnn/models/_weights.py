"""torchvision's weight enums (``ResNet18_Weights.DEFAULT`` ...) and its ``pretrained=`` interface.

minitorch_cnn never downloads. A weights enum (or its name: ``"DEFAULT"``, ``"IMAGENET1K_V1"``) names
torchvision's checkpoint file; the builder loads it from where torchvision caches it
(``$TORCH_HOME/hub/checkpoints/``, by default ``~/.cache/torch/hub/checkpoints/``) or says how to get it.
A path (``weights="resnet18-f37072fd.pth"``) or a state_dict is loaded as it is.
"""
import functools
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum


@dataclass(eq=False)
class Weights:
    """One released checkpoint: its ``url``, the input ``transforms`` it expects, and ``meta`` data."""

    url: str
    transforms: object
    meta: dict = field(default_factory=dict)


class WeightsEnum(Enum):
    """The checkpoints of one builder (``IMAGENET1K_V1`` ..., ``DEFAULT`` the recommended one)."""

    @classmethod
    def verify(cls, obj):
        """``obj`` (None, a member, or a member's name) as a member of this enum (or None)."""
        if obj is None or isinstance(obj, cls):
            return obj
        if isinstance(obj, str):
            name = obj.replace(cls.__name__ + ".", "")
            if name not in cls.__members__:
                raise ValueError(f"Failed to find Weights {obj} in {cls.__name__}. "
                                 f"Try one of {list(cls.__members__)}")
            return cls.__members__[name]
        raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                        f"{obj.__class__.__name__}.")

    @property
    def url(self):
        return self.value.url

    @property
    def transforms(self):
        return self.value.transforms

    @property
    def meta(self):
        return self.value.meta

    @property
    def file_name(self):
        """torchvision's checkpoint file name, the last part of ``url``."""
        return self.url.rsplit("/", 1)[-1]

    def get_state_dict(self, progress=True, check_hash=False):
        """The checkpoint's state_dict, read from torchvision's cache folder (never downloaded)."""
        from ..serialization import load

        return load(checkpoint_path(self), map_location="cpu")

    def __repr__(self):
        return f"{type(self).__name__}.{self.name}"


def hub_checkpoint_dir():
    """Where torchvision keeps downloaded checkpoints: ``$TORCH_HOME/hub/checkpoints``."""
    torch_home = os.getenv("TORCH_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch"))
    return os.path.join(os.path.expanduser(torch_home), "hub", "checkpoints")


def checkpoint_path(weights, builder_name=None):
    """The local file of ``weights`` (a member), or FileNotFoundError saying how to get it."""
    path = os.path.join(hub_checkpoint_dir(), weights.file_name)
    if os.path.isfile(path):
        return path
    builder = builder_name or "the builder"
    raise FileNotFoundError(
        f"{builder}(weights={weights!r}) needs torchvision's checkpoint file {weights.file_name}; minitorch_cnn "
        f"never downloads. Download {weights.url} and either put it in {hub_checkpoint_dir()}/ (where torchvision "
        f"caches it) or pass its path: {builder}(weights='path/to/{weights.file_name}')."
    )


class ImageClassification:
    """torchvision's ImageNet preset: resize (bilinear, antialiased), center crop, [0, 1] floats, normalize.

    Takes a PIL image, a uint8 or float tensor (C, H, W) or (N, C, H, W), or a NumPy image; returns floats.
    """

    def __init__(self, *, crop_size, resize_size=256, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225),
                 interpolation=None, antialias=True):
        from ..utils.data.transforms import InterpolationMode

        self.crop_size = [crop_size]
        self.resize_size = [resize_size]
        self.mean = list(mean)
        self.std = list(std)
        self.interpolation = InterpolationMode.BILINEAR if interpolation is None else interpolation
        self.antialias = antialias

    def __call__(self, img):
        from ..tensor import Tensor
        from ..utils.data import transforms as T

        img = T.resize(img, self.resize_size, interpolation=self.interpolation, antialias=self.antialias)
        img = T.center_crop(img, self.crop_size)
        if not isinstance(img, Tensor):
            img = T.ToTensor()(img)
        elif not img.is_floating_point():
            img = img.float() / 255
        return T.normalize(img, self.mean, self.std)

    forward = __call__

    def __repr__(self):
        return (f"{type(self).__name__}(\n    crop_size={self.crop_size}\n    resize_size={self.resize_size}\n"
                f"    mean={self.mean}\n    std={self.std}\n    interpolation={self.interpolation}\n)")

    def describe(self):
        return (f"Accepts PIL.Image, batched (B, C, H, W) and single (C, H, W) image torch.Tensor objects. The "
                f"images are resized to resize_size={self.resize_size} using "
                f"interpolation={self.interpolation}, followed by a central crop of crop_size={self.crop_size}. "
                f"Finally the values are first rescaled to [0.0, 1.0] and then normalized using mean={self.mean} "
                f"and std={self.std}.")


def _categories():
    from ._imagenet_categories import IMAGENET_CATEGORIES

    return IMAGENET_CATEGORIES


_BASE = "https://download.pytorch.org/models/"

# builder -> [(member, file name, num_params, min_size, crop_size, resize_size)]; DEFAULT is the last one
_RELEASES = {
    "alexnet": [("IMAGENET1K_V1", "alexnet-owt-7be5be79.pth", 61100840, 63, 224, 256)],
    **{name: [("IMAGENET1K_V1", f, n, 32, 224, 256)] for name, f, n in [
        ("vgg11", "vgg11-8a719046.pth", 132863336), ("vgg11_bn", "vgg11_bn-6002323d.pth", 132868840),
        ("vgg13", "vgg13-19584684.pth", 133047848), ("vgg13_bn", "vgg13_bn-abd245e5.pth", 133053736),
        ("vgg16", "vgg16-397923af.pth", 138357544), ("vgg16_bn", "vgg16_bn-6c64b313.pth", 138365992),
        ("vgg19", "vgg19-dcbb9e9d.pth", 143667240), ("vgg19_bn", "vgg19_bn-c79401a0.pth", 143678248)]},
    "googlenet": [("IMAGENET1K_V1", "googlenet-1378be20.pth", 6624904, 15, 224, 256)],
    "inception_v3": [("IMAGENET1K_V1", "inception_v3_google-0cc3c7bd.pth", 27161264, 75, 299, 342)],
    "resnet18": [("IMAGENET1K_V1", "resnet18-f37072fd.pth", 11689512, 1, 224, 256)],
    "resnet34": [("IMAGENET1K_V1", "resnet34-b627a593.pth", 21797672, 1, 224, 256)],
    **{name: [("IMAGENET1K_V1", v1, n, 1, 224, 256), ("IMAGENET1K_V2", v2, n, 1, 224, 232)]
       for name, v1, v2, n in [
           ("resnet50", "resnet50-0676ba61.pth", "resnet50-11ad3fa6.pth", 25557032),
           ("resnet101", "resnet101-63fe2227.pth", "resnet101-cd907fc2.pth", 44549160),
           ("resnet152", "resnet152-394f9c45.pth", "resnet152-f82ba261.pth", 60192808),
           ("resnext50_32x4d", "resnext50_32x4d-7cdf4587.pth", "resnext50_32x4d-1a0047aa.pth", 25028904),
           ("resnext101_32x8d", "resnext101_32x8d-8ba56ff5.pth", "resnext101_32x8d-110c445d.pth", 88791336),
           ("wide_resnet50_2", "wide_resnet50_2-95faca4d.pth", "wide_resnet50_2-9ba9bcbe.pth", 68883240),
           ("wide_resnet101_2", "wide_resnet101_2-32ee1156.pth", "wide_resnet101_2-d733dc28.pth", 126886696),
           ("mobilenet_v2", "mobilenet_v2-b0353104.pth", "mobilenet_v2-7ebf99e0.pth", 3504872)]},
    "resnext101_64x4d": [("IMAGENET1K_V1", "resnext101_64x4d-173b62eb.pth", 83455272, 1, 224, 232)],
    **{name: [("IMAGENET1K_V1", f, n, 29, 224, 256)] for name, f, n in [
        ("densenet121", "densenet121-a639ec97.pth", 7978856), ("densenet161", "densenet161-8d451a50.pth", 28681000),
        ("densenet169", "densenet169-b2777c0a.pth", 14149480),
        ("densenet201", "densenet201-c1103571.pth", 20013928)]},
    "squeezenet1_0": [("IMAGENET1K_V1", "squeezenet1_0-b66bff10.pth", 1248424, 21, 224, 256)],
    "squeezenet1_1": [("IMAGENET1K_V1", "squeezenet1_1-b8a52dc0.pth", 1235496, 17, 224, 256)],
}

_ENUM_NAMES = {"alexnet": "AlexNet", "googlenet": "GoogLeNet", "inception_v3": "Inception_V3",
               "mobilenet_v2": "MobileNet_V2", "resnext50_32x4d": "ResNeXt50_32X4D",
               "resnext101_32x8d": "ResNeXt101_32X8D", "resnext101_64x4d": "ResNeXt101_64X4D",
               "wide_resnet50_2": "Wide_ResNet50_2", "wide_resnet101_2": "Wide_ResNet101_2",
               "squeezenet1_0": "SqueezeNet1_0", "squeezenet1_1": "SqueezeNet1_1"}


def _enum_name(builder):
    if builder in _ENUM_NAMES:
        return _ENUM_NAMES[builder] + "_Weights"
    if builder.startswith("vgg"):
        return builder.upper() + "_Weights"
    if builder.startswith("densenet"):
        return "DenseNet" + builder[len("densenet"):] + "_Weights"
    return "ResNet" + builder[len("resnet"):] + "_Weights"


class _LazyMeta(dict):
    """A meta dict whose ``categories`` (1000 ImageNet names) are imported on first use."""

    def __missing__(self, key):
        if key != "categories":
            raise KeyError(key)
        self["categories"] = list(_categories())
        return self["categories"]

    def __contains__(self, key):
        return key == "categories" or super().__contains__(key)


def _make_enum(builder, releases):
    members = {}
    for member, file_name, num_params, min_size, crop, resize in releases:
        meta = _LazyMeta(num_params=num_params, min_size=(min_size, min_size), _docs="minitorch_cnn "
                         "reads torchvision's file; it is never downloaded")
        members[member] = Weights(url=_BASE + file_name,
                                  transforms=functools.partial(ImageClassification, crop_size=crop,
                                                               resize_size=resize),
                                  meta=meta)
    members["DEFAULT"] = members[releases[-1][0]]
    return WeightsEnum(_enum_name(builder), members, module=__name__)


WEIGHTS = {builder: _make_enum(builder, releases) for builder, releases in _RELEASES.items()}
globals().update({enum.__name__: enum for enum in WEIGHTS.values()})
__all__ = ["Weights", "WeightsEnum", "get_weight", "get_model_weights"] + [e.__name__ for e in WEIGHTS.values()]


def get_weight(name):
    """``"ResNet50_Weights.IMAGENET1K_V2"`` -> the member (torchvision's ``get_weight``)."""
    enum_name, _, member = name.partition(".")
    for enum in WEIGHTS.values():
        if enum.__name__ == enum_name:
            return enum.verify(member)
    raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be retrieved.")


def get_model_weights(name):
    """The weights enum of a builder (by name or function)."""
    name = name if isinstance(name, str) else name.__name__
    if name not in WEIGHTS:
        raise ValueError(f"Unknown model {name!r} or it has no weights")
    return WEIGHTS[name]


def handle_weights(builder):
    """Wrap a builder with torchvision's interface for its ``weights`` (see the module docstring).

    ``pretrained=True/False`` (keyword or first positional argument) is the pre-0.13 spelling: it warns
    like torchvision and means ``weights=<Enum>.IMAGENET1K_V1`` / ``weights=None``. An enum member or
    its name becomes the checkpoint's local path; ``num_classes`` must then be 1000.
    """
    enum = WEIGHTS.get(builder.__name__)
    if enum is None:
        return builder

    @functools.wraps(builder)
    def wrapper(*args, **kwargs):
        if len(args) > 1:
            raise TypeError(f"{builder.__name__}() takes at most 1 positional argument (pretrained), "
                            f"got {len(args)}")
        positional = bool(args)
        if positional:
            kwargs["pretrained"] = args[0]
        if "pretrained" in kwargs:
            pretrained = kwargs.pop("pretrained")
            default = enum.IMAGENET1K_V1 if pretrained else None
            if kwargs.get("weights") is not None:
                default = kwargs["weights"]
            if not positional:
                warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed in the "
                              "future, please use 'weights' instead.", UserWarning, stacklevel=2)
            msg = ("Arguments other than a weight enum or `None` for 'weights' are deprecated since 0.13 and may be "
                   f"removed in the future. The current behavior is equivalent to passing `weights={default!r}`.")
            if pretrained:
                msg += (f" You can also use `weights={enum.__name__}.DEFAULT` to get the most up-to-date "
                        "weights.")
            warnings.warn(msg, UserWarning, stacklevel=2)
            kwargs["weights"] = default
        kwargs["weights"] = _resolve(enum, kwargs.get("weights"), builder.__name__, kwargs)
        return builder(**kwargs)

    wrapper.weights_enum = enum
    return wrapper


def _resolve(enum, weights, builder_name, kwargs):
    """A member (or its name) -> its local checkpoint path; paths and state_dicts pass through."""
    if weights is None or isinstance(weights, Mapping) or isinstance(weights, os.PathLike):
        return weights
    if isinstance(weights, str) and weights.replace(enum.__name__ + ".", "") not in enum.__members__:
        return weights  # a file path
    if isinstance(weights, WeightsEnum) and not isinstance(weights, enum):
        raise TypeError(f"Invalid Weight class provided; expected {enum.__name__} but received "
                        f"{weights.__class__.__name__}.")
    member = enum.verify(weights)
    if kwargs.get("num_classes", 1000) != 1000:
        raise ValueError(f"The parameter 'num_classes' expected value 1000 but got {kwargs['num_classes']} instead.")
    return checkpoint_path(member, builder_name)
