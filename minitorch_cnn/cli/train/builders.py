"""Turn the training command's names (``--model``, ``--optimizer``, ``--scheduler``, ``--device``) into objects."""
import inspect

from ... import nn, optim
from ...backend import CUPY_INSTALL_HINT, cupy_available
from ...models import get_model_builder, list_models
from .trainer import TrainingError

OPTIMIZERS = {"sgd": optim.SGD, "adam": optim.Adam, "adamw": optim.AdamW, "rmsprop": optim.RMSprop,
              "lion": optim.Lion}
# Learning rates that suit each optimizer when --lr is not given (Lion wants a 3-10x smaller one than Adam).
DEFAULT_LR = {"sgd": 0.05, "adam": 2e-3, "adamw": 2e-3, "rmsprop": 1e-3, "lion": 2e-4}
# The largest image side for which the ImageNet ResNets get their small-input stem automatically.
SMALL_INPUT_SIDE = 64
SCHEDULERS = ("none", "step", "multistep", "exponential", "cosine", "onecycle")


def resolve_device(name):
    """``auto`` is CUDA when a GPU and CuPy are present, else the CPU; TrainingError when CUDA is missing."""
    if name == "auto":
        return "cuda" if cupy_available() else "cpu"
    if name.startswith("cuda") and not cupy_available():
        raise TrainingError(f"--device {name}: no CUDA GPU is usable here. {CUPY_INSTALL_HINT}")
    return name


def first_layer(model):
    """The first Conv2d or Linear of ``model`` in registration order (what the input must fit)."""
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            return module
    raise ValueError(f"{type(model).__name__} has no Conv2d or Linear layer")


def build_model(name, num_classes, image_shape, small_input=None):
    """Build zoo model ``name`` for images of ``image_shape`` (C, H, W); returns (model, channels it expects,
    small_input).

    A model whose first layer is a Linear (``two_layer_net``) gets D_in = C*H*W and a Flatten in front.
    A convolutional model built for a different number of channels is rebuilt with ``in_channels=C``
    when its builder takes that argument (``lenet5``); otherwise the data is adapted to the model by
    the caller (gray -> RGB by repeating the channel, RGB -> gray by averaging). The ImageNet ResNets
    (whose builders take ``small_input``) get the small-input stem for images of at most
    SMALL_INPUT_SIDE pixels unless ``small_input=False``: their 7x7/2 stem and max-pool would leave
    layer4 at 1x1 on 32x32 images. ``small_input`` in the result is None for the other models.
    """
    if name not in list_models():
        raise ValueError(f"unknown model {name!r}; valid names: {', '.join(list_models())}")
    builder = get_model_builder(name)
    c, h, w = image_shape
    if "D_in" in inspect.signature(builder).parameters:
        return nn.Sequential(nn.Flatten(), builder(D_in=c * h * w, num_classes=num_classes)), c, None
    kwargs = {"num_classes": num_classes,
              "small_input": max(h, w) <= SMALL_INPUT_SIDE if small_input is None else bool(small_input)}
    try:
        model = builder(**kwargs)
    except TypeError as e:  # only the ResNet family has a small-input stem
        if "small_input" not in str(e):
            raise
        if small_input:
            raise TrainingError(f"--small-input: model {name} has no small-input variant (the ImageNet ResNets, "
                                f"ResNeXts and Wide ResNets have one)") from None
        del kwargs["small_input"]
        model = builder(**kwargs)
    expected = first_layer(model).in_channels
    if expected != c:
        try:
            model, expected = builder(**kwargs, in_channels=c), c
        except TypeError:  # the builder has a fixed input width: the data is converted instead
            pass
    return model, expected, kwargs.get("small_input")


def build_optimizer(name, parameters, lr=None, weight_decay=None, momentum=0.9):
    """One of OPTIMIZERS with ``lr`` (DEFAULT_LR[name] when None) and ``weight_decay`` (its default when None)."""
    kwargs = {"lr": DEFAULT_LR[name] if lr is None else lr}
    if weight_decay is not None:
        kwargs["weight_decay"] = weight_decay
    if name == "sgd":
        kwargs["momentum"] = momentum
    return OPTIMIZERS[name](parameters, **kwargs)


def build_scheduler(name, optimizer, epochs, steps_per_epoch):
    """A learning-rate schedule over ``epochs``; returns (scheduler or None, 'epoch' or 'batch' stepping).

    step: x0.1 every third of the run; multistep: x0.1 at 50% and 75% (He et al.'s CIFAR schedule);
    exponential: x0.9 per epoch; cosine: cosine decay to 0; onecycle: warm-up then anneal, per batch.
    """
    lr_scheduler = optim.lr_scheduler
    if name == "none":
        return None, "epoch"
    if name == "step":
        return lr_scheduler.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.1), "epoch"
    if name == "multistep":
        milestones = sorted({max(1, epochs // 2), max(1, 3 * epochs // 4)})
        return lr_scheduler.MultiStepLR(optimizer, milestones=milestones, gamma=0.1), "epoch"
    if name == "exponential":
        return lr_scheduler.ExponentialLR(optimizer, gamma=0.9), "epoch"
    if name == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs), "epoch"
    if name == "onecycle":
        max_lr = optimizer.param_groups[0]["lr"]
        return lr_scheduler.OneCycleLR(optimizer, max_lr=max_lr, total_steps=epochs * steps_per_epoch), "batch"
    raise ValueError(f"unknown scheduler {name!r}; valid names: {', '.join(SCHEDULERS)}")
