"""Shared tools of the model-zoo tests (imported as ``from zoo_helpers import ...``)."""
import contextlib
import json
import os
from unittest import mock

import numpy as np

import minitorch_cnn as mt

with open(os.path.join(os.path.dirname(__file__), "torchvision_reference.json")) as _f:
    TORCHVISION_REFERENCE = {call: facts for call, facts in json.load(_f).items() if call != "torchvision_version"}

_NORMAL = np.random.default_rng(0).standard_normal(4099)
_NORMAL = (_NORMAL - _NORMAL.mean()) / _NORMAL.std()  # exactly zero mean: large fan-ins would amplify a bias
_UNIFORM = (np.argsort(_NORMAL) + 0.5) / _NORMAL.size  # a shuffled grid (k + 0.5) / 4099: uniform on (0, 1)


def _tiled(block, shape, scale, shift, dtype):
    out = np.resize(block.astype(dtype), tuple(shape))
    out *= scale
    out += shift
    return out


@contextlib.contextmanager
def fast_init(zeros=False):
    """Build big models quickly: initialisers draw from a repeated block of 4099 random numbers (the right
    distribution and scale, at memory speed) instead of generating ~10^9 fresh ones; ``zeros=True`` (for
    tests of shapes only) fills zeros. Use it around construction only (dropout masks stay random)."""

    def normal(shape, mean, std, dtype, *args, **kwargs):
        return np.zeros(tuple(shape), dtype) if zeros else _tiled(_NORMAL, shape, std, mean, dtype)

    def uniform(shape, low, high, dtype, *args, **kwargs):
        return np.zeros(tuple(shape), dtype) if zeros else _tiled(_UNIFORM, shape, high - low, low, dtype)

    with mock.patch.object(mt.random, "normal_array", normal), mock.patch.object(mt.random, "uniform_array", uniform), \
            mock.patch.object(mt.nn.init, "normal_array", normal):
        yield


def torchvision_or_none():
    """torchvision when it imports cleanly, else None (the tests that use it are skipped)."""
    try:
        import torchvision
    except Exception:  # not installed, or built for another torch version
        return None
    return torchvision


def projection(in_planes, out_planes, stride):
    """ResNet's projection shortcut (``downsample``): conv1x1(stride) -> BatchNorm."""
    return mt.nn.Sequential(mt.models.resnet.conv1x1(in_planes, out_planes, stride), mt.nn.BatchNorm2d(out_planes))


def param_count(model):
    return sum(p.numel() for p in model.parameters())


def key_shape_lines(state_dict):
    """``key:a,b,c`` per entry in order: what ``torchvision_reference.json`` hashes."""
    return "\n".join(f"{k}:{','.join(map(str, v.shape))}" for k, v in state_dict.items())
