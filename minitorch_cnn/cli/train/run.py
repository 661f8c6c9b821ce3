"""``run_training(config)``: what ``python -m minitorch_cnn train`` does, from options to result files."""
import time
from pathlib import Path

import numpy as np

from ...autograd import no_grad
from ...creation import zeros
from ...random import manual_seed
from .builders import build_model, build_optimizer, build_scheduler, resolve_device
from .data import CHANNELS, IMAGE_SIZE, NUM_CLASSES, load_splits
from .trainer import CHECKPOINT, Trainer, TrainingError, read_checkpoint

# The command's defaults: LeNet-5 on the digits reaches >= 97% test accuracy in well under two minutes.
DEFAULTS = {"model": "lenet5", "dataset": "digits", "data_dir": "data", "download": False, "epochs": 20,
            "batch_size": 64, "optimizer": "adam", "lr": None, "momentum": 0.9, "weight_decay": None,
            "scheduler": "none", "augment": True, "device": "auto", "seed": 0, "out": None, "resume": False,
            "progress": True}
# Options that may change when a run is resumed; all the others come from the checkpoint.
RESUME_OVERRIDES = ("epochs", "device", "data_dir", "download", "progress")


def _augmentation(dataset, data):
    """Random shifts: by up to 4 pixels and horizontal flips for photos (CIFAR-10, fake), by up to 2 pixels
    for the grayscale sets, whose padding is black (the normalised value of 0); digits are never flipped."""
    from ...utils.data import transforms as T

    if dataset in ("cifar10", "fake"):
        return T.Compose([T.RandomCrop(IMAGE_SIZE, padding=4, padding_mode="reflect"), T.RandomHorizontalFlip()])
    return T.RandomCrop(IMAGE_SIZE, padding=2, fill=-data.mean[0] / data.std[0])


def run_training(options):
    """Train as ``options`` (a dict of DEFAULTS' keys; None or absent = the default) say; returns the exit code.

    With ``resume``, the run in ``out`` continues with its saved settings, except RESUME_OVERRIDES.
    Exit code 0 when the run finished, 130 when Ctrl-C stopped it (after saving).
    """
    started = time.perf_counter()
    given = {k: v for k, v in options.items() if k in DEFAULTS and v is not None}
    config = {**DEFAULTS, **given}
    if config["out"] is None:
        config["out"] = str(Path("runs") / f"{config['model']}-{config['dataset']}")
    out = Path(config["out"])
    state = None
    if config["resume"]:
        state = read_checkpoint(out)
        config = {**state["config"], **{k: given[k] for k in RESUME_OVERRIDES if k in given}, "out": str(out)}
    elif (out / CHECKPOINT).exists():
        print(f"note: starting a new run in {out}; its checkpoint will be replaced (--resume continues it)")
    device = resolve_device(config["device"])

    manual_seed(config["seed"])
    np.random.seed(config["seed"])
    size = (IMAGE_SIZE, IMAGE_SIZE)
    model, channels = build_model(config["model"], NUM_CLASSES, (CHANNELS[config["dataset"]],) + size)
    model.to(device)
    _check_input(model, config["model"], (channels,) + size, device)
    data = load_splits(config["dataset"], config["data_dir"], config["download"], channels=channels)
    optimizer = build_optimizer(config["optimizer"], model.parameters(), config["lr"], config["weight_decay"],
                                config["momentum"])
    steps_per_epoch = -(-len(data.train) // config["batch_size"])
    scheduler, interval = build_scheduler(config["scheduler"], optimizer, config["epochs"], steps_per_epoch)
    trainer = Trainer(model, optimizer, data, out, epochs=config["epochs"], batch_size=config["batch_size"],
                      scheduler=scheduler, scheduler_interval=interval, device=device, config=config,
                      augment=_augmentation(config["dataset"], data) if config["augment"] else None,
                      progress=config["progress"])
    if state is not None:
        trainer.load_checkpoint(state)
    _print_header(config, model, data, device, trainer)

    results = trainer.fit()
    if results is None:
        print(f"stopped after {trainer.epoch} epochs and {trainer.batch} batches; checkpoint saved in {out}\n"
              f"resume with: python -m minitorch_cnn train --resume --out {out} --epochs {config['epochs']}",
              flush=True)
        return 130
    print(f"wrote {out}/: checkpoint.pt, metrics.json, curves.png, confusion_matrix.png "
          f"({time.perf_counter() - started:.0f}s in all)", flush=True)
    return 0


def _check_input(model, name, image_shape, device):
    """One forward pass on a blank image, so that a model unfit for 32x32 inputs fails here, clearly."""
    model.eval()
    try:
        with no_grad():
            model(zeros((1,) + image_shape, device=device))
    except (RuntimeError, ValueError) as e:
        raise TrainingError(f"model {name} cannot take {'x'.join(map(str, image_shape))} images ({e}); the data "
                            f"sets here are 32x32: choose a model for small inputs such as lenet5, resnet20 or "
                            f"resnet18") from e


def _print_header(config, model, data, device, trainer):
    num_params = sum(p.numel() for p in model.parameters())
    c, h, w = data.image_shape
    lr = trainer.optimizer.param_groups[0]["lr"]
    print(f"{config['model']} ({num_params:,} parameters) on {config['dataset']} ({c}x{h}x{w}): "
          f"{len(data.train):,} train / {len(data.val):,} validation / {len(data.test):,} test images, on {device}")
    print(f"{config['optimizer']} lr {lr:g}, batch {config['batch_size']}, scheduler {config['scheduler']}, "
          f"augment {'on' if config['augment'] else 'off'}, seed {config['seed']}, "
          f"{config['epochs']} epoch{'s' if config['epochs'] != 1 else ''} -> "
          f"{config['out']}")
    if trainer.epoch or trainer.batch:
        print(f"resuming after epoch {trainer.epoch}" + (f", batch {trainer.batch}" if trainer.batch else ""))
