"""Pictures of what a CNN computes: first-layer filters, feature maps of any layer, saliency maps.

Each ``plot_*`` function returns a ``matplotlib.figure.Figure`` built with the object-oriented API
(no pyplot, no global state, no backend switch): save it with ``fig.savefig("x.png")`` or show it in a
notebook by leaving it as a cell's value.

* ``plot_filters(model)``: the first conv layer's kernels as a grid (Lecture 9's AlexNet picture): RGB
  kernels as colour images, others one grey square per kernel (the mean over its input channels).
* ``plot_feature_maps(model, layer, x)``: the output channels of ``layer`` for one input image.
* ``saliency_map(model, x, target)``: |d score_target / d x|, the maximum over colour channels
  (Simonyan et al. 2014); ``plot_saliency`` draws it beside the image.
"""
import numpy as np

from .. import nn
from ..autograd import enable_grad, no_grad
from ..autograd import grad as input_gradient
from ..tensor import Tensor


def _figure(figsize):
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def _numpy(t):
    return t.detach().cpu().numpy() if isinstance(t, Tensor) else np.asarray(t)


def _rescale(a):
    """Min-max scale an array to [0, 1] (a constant array becomes 0.5)."""
    lo, hi = float(a.min()), float(a.max())
    return np.full_like(a, 0.5, dtype=np.float64) if hi == lo else (a - lo) / (hi - lo)


def _grid(n, ncols):
    ncols = min(n, ncols)
    return -(-n // ncols), ncols


def first_conv(model):
    """The first ``nn.Conv2d`` of ``model`` in ``named_modules`` order, as (name, module)."""
    for name, module in model.named_modules():
        if isinstance(module, nn.Conv2d):
            return name, module
    raise ValueError(f"plot_filters: {type(model).__name__} has no Conv2d layer")


def plot_filters(model, ncols=8, max_filters=64, title=None):
    """Grid of the first conv layer's kernels (or of a weight tensor (C_out, C_in, kh, kw) given directly).

    Each kernel is min-max scaled on its own, so its pattern shows whatever its magnitude.
    """
    if isinstance(model, Tensor):
        name, weight = "weight", model
    else:
        name, conv = first_conv(model)
        weight = conv.weight
    w = _numpy(weight)
    if w.ndim != 4:
        raise ValueError(f"plot_filters: expected a conv weight of shape (C_out, C_in, kh, kw), got {list(w.shape)}")
    w = w[:max_filters]
    rows, cols = _grid(len(w), ncols)
    fig = _figure((1.1 * cols, 1.1 * rows + 0.4))
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax in axes:
        ax.set_axis_off()
    for ax, kernel in zip(axes, w):
        if kernel.shape[0] == 3:
            ax.imshow(_rescale(kernel.transpose(1, 2, 0)), interpolation="nearest")
        else:
            ax.imshow(_rescale(kernel.mean(axis=0)), cmap="gray", interpolation="nearest")
    fig.suptitle(title or f"{name}: {w.shape[0]} filters of {w.shape[1]}x{w.shape[2]}x{w.shape[3]}")
    return fig


def _resolve_layer(model, layer):
    if isinstance(layer, nn.Module):
        return layer
    modules = dict(model.named_modules())
    if layer not in modules:
        raise ValueError(f"plot_feature_maps: {type(model).__name__} has no layer {layer!r}; "
                         f"layers: {', '.join(n for n in modules if n)}")
    return modules[layer]


def _single_image(x):
    if x.dim() == 3:
        return x.unsqueeze(0)
    if x.dim() != 4 or x.shape[0] != 1:
        raise ValueError(f"expected one image of shape (C, H, W) or (1, C, H, W), got {list(x.shape)}")
    return x


def feature_maps(model, layer, x):
    """The output of ``layer`` (a module or its dotted name) when ``model`` (in eval mode) sees ``x``:
    a (C, H, W) array for one image."""
    module = _resolve_layer(model, layer)
    captured = []
    handle = module.register_forward_hook(lambda m, args, out: captured.append(out))
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        with no_grad():
            model(_single_image(x))
    finally:
        handle.remove()
        for m, training in modes:
            m.training = training
    if not captured:
        raise ValueError(f"plot_feature_maps: layer {layer!r} did not run in the forward pass")
    out = captured[0][0] if isinstance(captured[0], (tuple, list)) else captured[0]
    if out.dim() != 4:
        raise ValueError(f"plot_feature_maps: layer {layer!r} outputs shape {list(out.shape)}, not (N, C, H, W) maps")
    return _numpy(out[0])


def plot_feature_maps(model, layer, x, ncols=8, max_maps=32, title=None):
    """Grid of the first ``max_maps`` channels of ``layer``'s output for one image ``x``, each scaled
    on its own (viridis: dark low, yellow high)."""
    maps = feature_maps(model, layer, x)
    shown = maps[:max_maps]
    rows, cols = _grid(len(shown), ncols)
    fig = _figure((1.3 * cols, 1.3 * rows + 0.4))
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax in axes:
        ax.set_axis_off()
    for ax, fmap in zip(axes, shown):
        ax.imshow(_rescale(fmap), cmap="viridis", interpolation="nearest")
    name = layer if isinstance(layer, str) else type(layer).__name__
    fig.suptitle(title or f"{name}: {len(shown)} of {maps.shape[0]} maps, {maps.shape[1]}x{maps.shape[2]}")
    return fig


def saliency_map(model, x, target=None):
    """|d score_target / d x| for one image, maximised over channels: an (H, W) array.

    ``target`` is the class whose score is differentiated (default: the predicted class). The model runs
    in eval mode; its parameters' ``.grad`` are left untouched.
    """
    x = _single_image(x).detach().requires_grad_(True)
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        with enable_grad():
            scores = model(x)
            if target is None:
                target = int(scores[0].argmax().item())
            (dx,) = input_gradient(scores[0, target], [x])
    finally:
        for m, training in modes:
            m.training = training
    return np.abs(_numpy(dx[0])).max(axis=0), target


def plot_saliency(model, x, target=None, classes=None, title=None):
    """The image and its saliency map side by side; returns the Figure."""
    saliency, target = saliency_map(model, x, target)
    image = _numpy(_single_image(x)[0])
    fig = _figure((6.0, 3.2))
    ax_image, ax_map = fig.subplots(1, 2)
    if image.shape[0] == 3:
        ax_image.imshow(_rescale(image.transpose(1, 2, 0)))
    else:
        ax_image.imshow(_rescale(image.mean(axis=0)), cmap="gray")
    ax_map.imshow(saliency, cmap="hot")
    label = classes[target] if classes is not None else target
    ax_image.set_title("input")
    ax_map.set_title(f"saliency of class {label}")
    for ax in (ax_image, ax_map):
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    return fig
