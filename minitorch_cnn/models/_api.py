"""The model registry (``get_model``, ``list_models``) and loading torchvision ``.pth`` weights.

Every builder (``resnet18``, ``vgg16_bn`` ...) is decorated with ``@register_model`` so a command line or
a config file can name it: ``mt.models.get_model("resnet18", num_classes=10)``.
"""
import fnmatch
from collections.abc import Mapping

from ._weights import handle_weights

_MODELS = {}


def register_model(builder):
    """Decorator: make ``builder`` available to ``get_model`` under its function name.

    Builders of torchvision's models also get its ``weights`` interface (``pretrained=``, weight enums
    and their names; see ``_weights.handle_weights``).
    """
    builder = handle_weights(builder)
    _MODELS[builder.__name__] = builder
    return builder


def list_models(include=None, exclude=None):
    """Sorted names of every registered builder, optionally filtered by fnmatch patterns (``"resnet*"``)."""
    names = sorted(_MODELS)
    if include is not None:
        patterns = [include] if isinstance(include, str) else include
        names = [n for n in names if any(fnmatch.fnmatch(n, p) for p in patterns)]
    if exclude is not None:
        patterns = [exclude] if isinstance(exclude, str) else exclude
        names = [n for n in names if not any(fnmatch.fnmatch(n, p) for p in patterns)]
    return names


def get_model_builder(name):
    """The builder function registered as ``name``; ValueError listing the valid names otherwise."""
    name = name.lower()
    if name not in _MODELS:
        raise ValueError(f"Unknown model {name!r}. Available models: {', '.join(list_models())}")
    return _MODELS[name]


def get_model(name, **config):
    """Build the model registered as ``name``: ``get_model("resnet20", num_classes=10)``."""
    return get_model_builder(name)(**config)


def load_weights(model, weights, remap_keys=None):
    """Load ``weights`` into ``model`` and return it.

    ``weights`` is a path to a torchvision ``.pth`` file (read with ``mt.load``, which never downloads) or a
    ``state_dict`` mapping; ``None`` leaves the fresh initialisation. ``remap_keys`` renames old checkpoint
    keys (DenseNet's) before the strict ``load_state_dict``.
    """
    if weights is None:
        return model
    if isinstance(weights, Mapping):
        state_dict = dict(weights)
    else:
        from ..serialization import load

        state_dict = load(weights, map_location="cpu")
    if remap_keys is not None:
        state_dict = remap_keys(state_dict)
    model.load_state_dict(state_dict)
    return model
