"""``make_grid`` and ``save_image`` (torchvision.utils'): a batch of images as one picture."""
import math

import numpy as np

from .. import backend
from ..functions import stack
from ..tensor import Tensor
from .data.image_io import require_pillow


def _normalized(x, value_range, scale_each):
    """Clamp to ``value_range`` (default: the min and max) and map it to [0, 1], per image if ``scale_each``."""
    xp = backend.get_array_module(x)
    if value_range is not None and not isinstance(value_range, tuple):
        raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
    axes = tuple(range(1, x.ndim)) if scale_each else None
    if value_range is None:
        low = x.min(axis=axes, keepdims=True)
        high = x.max(axis=axes, keepdims=True)
    else:
        low, high = value_range
    span = xp.maximum(high - low, 1e-5) if value_range is None else max(high - low, 1e-5)
    return (xp.clip(x, low, high) - low) / span


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """Tile images (N, C, H, W) (or a list of (C, H, W)) into one (C', rows*(H+p)+p, nrow*(W+p)+p) image.

    Grayscale images are repeated to 3 channels; ``padding`` pixels of ``pad_value`` separate the tiles;
    ``normalize`` maps ``value_range`` (default: min..max, per image with ``scale_each``) to [0, 1].
    """
    if isinstance(tensor, list):
        tensor = stack(tensor, 0)
    if not isinstance(tensor, Tensor):
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    x = tensor.detach()._data
    xp = backend.get_array_module(x)
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 3:
        x = (xp.concatenate([x, x, x], 0) if x.shape[0] == 1 else x)[None]
    if x.ndim == 4 and x.shape[1] == 1:
        x = xp.concatenate([x, x, x], 1)
    if normalize:
        x = _normalized(x.astype(x.dtype if x.dtype.kind == "f" else np.float32), value_range, scale_each)
    if x.shape[0] == 1:
        return Tensor._from_op(xp.ascontiguousarray(x[0]), None)
    n, c, h, w = x.shape
    cols = min(nrow, n)
    rows = int(math.ceil(n / cols))
    # every tile gets `padding` pixels above and to its left; missing tiles are all padding
    tiles = xp.full((rows * cols, c, h + padding, w + padding), pad_value, dtype=x.dtype)
    tiles[:n, :, padding:, padding:] = x
    grid = tiles.reshape(rows, cols, c, h + padding, w + padding).transpose(2, 0, 3, 1, 4)
    grid = grid.reshape(c, rows * (h + padding), cols * (w + padding))
    out = xp.full((c, grid.shape[1] + padding, grid.shape[2] + padding), pad_value, dtype=x.dtype)
    out[:, :grid.shape[1], :grid.shape[2]] = grid
    return Tensor._from_op(out, None)


def save_image(tensor, fp, format=None, **kwargs):
    """Write ``make_grid(tensor, **kwargs)`` to ``fp`` (a path or file object) as an image file (needs Pillow).

    Values in [0, 1] become bytes by ``round(255 x)``, clamped to [0, 255].
    """
    image = require_pillow("save_image")
    grid = make_grid(tensor, **kwargs).cpu().numpy()
    pixels = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    image.fromarray(np.ascontiguousarray(pixels)).save(fp, format=format)
