"""``run_training(config)``: what ``python -m minitorch_cnn train`` does, from options to result files."""
import math
import time
import warnings
from pathlib import Path

import numpy as np

from ...autograd import no_grad
from ...creation import zeros
from ...nn import Parameter
from ...random import manual_seed
from ...utils.data.datasets import DatasetError
from ...models import list_models
from .builders import (DEFAULT_LR, OPTIMIZERS, SCHEDULERS, build_model, build_optimizer, build_scheduler,
                       resolve_device)
from .data import CHANNELS, DATASETS, IMAGE_SIZE, NUM_CLASSES, load_splits
from ...utils.data_parallel import DataParallelRun
from .folder import FolderBusyError, RunFolder
from .trainer import BEST, CHECKPOINT, CheckpointError, Trainer, TrainingError, UsageError, read_checkpoint

# The command's defaults: LeNet-5 on the digits reaches >= 97% test accuracy in well under two minutes.
DEFAULTS = {"model": "lenet5", "dataset": "digits", "data_dir": "data", "download": False, "epochs": 20,
            "batch_size": 64, "optimizer": "adam", "lr": None, "momentum": 0.9, "weight_decay": None,
            "scheduler": "none", "augment": True, "small_input": None, "early_stop": None, "device": "auto",
            "seed": 0, "out": None, "resume": False, "force": False, "progress": True, "record_gradients": False}
# Options that define the run: with --resume they come from the checkpoint, and typing a different value
# is refused (the run would silently become another one).
FIXED_ON_RESUME = ("model", "dataset", "batch_size", "optimizer", "momentum", "weight_decay", "scheduler",
                   "augment", "small_input", "seed")
# Options that --resume applies: a longer --epochs extends the schedule, a new --lr applies from the next
# step on (the schedule continues from it), and where the run executes.
CHANGEABLE_ON_RESUME = ("epochs", "lr", "early_stop", "device", "data_dir", "download", "progress",
                        "record_gradients")
RESULT_FILES = (CHECKPOINT, BEST, "metrics.json", "curves.png", "confusion_matrix.png", "gradients.json",
                "gradflow.png")
MAX_SEED = 2**32 - 1


def _augmentation(dataset, data):
    """Random shifts: by up to 4 pixels and horizontal flips for photos (CIFAR-10, fake), by up to 2 pixels
    for the grayscale sets, whose padding is black (the normalised value of 0); digits are never flipped."""
    from ...utils.data import transforms as T

    if dataset in ("cifar10", "fake"):
        return T.Compose([T.RandomCrop(IMAGE_SIZE, padding=4, padding_mode="reflect"), T.RandomHorizontalFlip()])
    return T.RandomCrop(IMAGE_SIZE, padding=2, fill=-data.mean[0] / data.std[0])


def check_options(config):
    """UsageError naming the first option whose value is outside its valid range."""
    def need(ok, option, valid):
        if not ok:
            raise UsageError(f"--{option.replace('_', '-')} must be {valid}, got {config[option]!r}")

    def number(name):
        value = config[name]
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)

    def count(name):
        value = config[name]
        return isinstance(value, int) and not isinstance(value, bool) and value >= 1

    for option, names in (("model", list_models()), ("dataset", DATASETS), ("optimizer", OPTIMIZERS),
                          ("scheduler", SCHEDULERS)):
        need(config[option] in names, option, f"one of {', '.join(names)}")
    need(count("epochs"), "epochs", "a positive integer")
    need(count("batch_size"), "batch_size", "a positive integer")
    if config["lr"] is not None:
        need(number("lr") and config["lr"] > 0, "lr", "a finite number > 0")
    if config["weight_decay"] is not None:
        need(number("weight_decay") and config["weight_decay"] >= 0, "weight_decay", "a finite number >= 0")
    need(number("momentum") and 0 <= config["momentum"] < 1, "momentum", "in [0, 1)")
    need(isinstance(config["seed"], int) and 0 <= config["seed"] <= MAX_SEED, "seed", f"in 0..{MAX_SEED}")
    if config["early_stop"] is not None:
        need(count("early_stop"), "early_stop", "a positive integer (epochs without a better validation accuracy)")


def run_training(options):
    """Train as ``options`` (a dict of DEFAULTS' keys; None or absent = the default) say; returns the exit code.

    With ``resume``, the run in ``out`` continues with its saved settings: FIXED_ON_RESUME options given
    with another value are refused (UsageError), CHANGEABLE_ON_RESUME ones are applied. Without ``resume``,
    a folder that already holds a run is refused unless ``force`` (which deletes that run's files).
    Exit code 0 when the run finished, 128 + the signal number when Ctrl-C (130) or SIGTERM (143) stopped
    it after saving. Raises TrainingError (exit code 1; UsageError: 2) when the run cannot proceed.
    """
    started = time.perf_counter()
    given = {k: v for k, v in options.items() if k in DEFAULTS and v is not None}
    config = {**DEFAULTS, **given}
    check_options(config)
    if config["out"] is None:
        config["out"] = str(Path("runs") / f"{config['model']}-{config['dataset']}")
    out = Path(config["out"])
    run = DataParallelRun.from_launcher()  # one process, or this rank of an mpiexec job
    try:
        if not run.is_main:  # rank 0 holds the folder; the other ranks only read from it
            return _train_in(run, out, config, given, started)
        with RunFolder(out) as folder:
            if folder.removed:
                print(f"removed {len(folder.removed)} temporary file(s) left in {out} by an interrupted run")
            return _train_in(run, out, config, given, started)
    except FolderBusyError as e:
        raise TrainingError(str(e)) from None
    except OSError as e:  # read-only folder, full disk, ...: the last good checkpoint is intact (atomic writes)
        if isinstance(e, DatasetError):  # missing data files: their own message says what to do
            raise
        where = e.filename or out
        raise TrainingError(f"cannot write to {where}: {e.strerror or e}; files already saved in {out} are "
                            f"intact") from e
    finally:
        run.close()


def _train_in(run, out, config, given, started):
    state = None
    if config["resume"]:
        state = read_checkpoint(out)
        config = _resumed_config(state["config"], given, out)
    elif (out / CHECKPOINT).exists():
        if not config["force"]:
            raise TrainingError(f"{out} already holds a training run; --resume continues it, --force deletes it "
                                f"and starts over, or choose another --out")
        if run.is_main:
            for name in RESULT_FILES:
                (out / name).unlink(missing_ok=True)
        run.barrier()
    if config["lr"] is None:
        config["lr"] = DEFAULT_LR[config["optimizer"]]
    device = resolve_device(config["device"])
    if run.distributed and device == "cuda":  # one GPU per rank of the node
        from ... import distributed as dist

        device = f"cuda:{dist.get_local_rank()}"

    manual_seed(config["seed"])
    np.random.seed(config["seed"])
    size = (IMAGE_SIZE, IMAGE_SIZE)
    model, channels, small_input = build_model(config["model"], NUM_CLASSES, (CHANNELS[config["dataset"]],) + size,
                                               small_input=config["small_input"])
    config["small_input"] = small_input
    model.to(device)
    _check_input(model, config["model"], (channels,) + size, device)
    net = run.wrap(model)  # DDP with SyncBatchNorm under mpiexec, else the model itself
    data = load_splits(config["dataset"], config["data_dir"], config["download"], channels=channels)
    optimizer = build_optimizer(config["optimizer"], model.parameters(), config["lr"], config["weight_decay"],
                                config["momentum"])
    try:
        local_batch = run.local_batch_size(config["batch_size"])
    except ValueError as e:
        raise UsageError(str(e)) from None
    per_rank = -(-len(data.train) // run.world_size)  # a DistributedSampler's share (padded)
    steps_per_epoch = -(-per_rank // local_batch)
    scheduler, interval = build_scheduler(config["scheduler"], optimizer, config["epochs"], steps_per_epoch)
    trainer = Trainer(net, optimizer, data, out, epochs=config["epochs"], batch_size=config["batch_size"],
                      scheduler=scheduler, scheduler_interval=interval, device=device, config=config,
                      augment=_augmentation(config["dataset"], data) if config["augment"] else None,
                      progress=config["progress"], early_stop=config["early_stop"], run=run,
                      record_gradients=config["record_gradients"])
    assert steps_per_epoch == len(trainer.train_loader)
    if state is not None:
        trainer.load_checkpoint(state)
        if config["epochs"] < trainer.epoch:
            raise UsageError(f"--epochs {config['epochs']} is fewer than the {trainer.epoch} epochs the run in {out} "
                             f"has done; give --epochs {trainer.epoch} or more")
        _continue_schedule(trainer, config, steps_per_epoch)
    if run.is_main:
        _print_header(config, model, data, device, trainer, run)

    results = trainer.fit()
    if not run.is_main:
        return 0 if results is not None else 128 + int(trainer.stop_signal)
    if results is None:
        print(f"stopped after {trainer.epoch} epochs and {trainer.batch} batches; checkpoint saved in {out}\n"
              f"resume with: python -m minitorch_cnn train --resume --out {out} --epochs {config['epochs']}",
              flush=True)
        return 128 + int(trainer.stop_signal)
    written = [name for name in RESULT_FILES if (out / name).exists()]
    print(f"wrote {out}/: {', '.join(written)} ({time.perf_counter() - started:.0f}s in all)", flush=True)
    return 0


def _resumed_config(saved, given, out):
    """The saved run's settings, with the changeable options that were typed; UsageError on a conflict."""
    config = {**DEFAULTS, **saved}
    conflicts = [f"--{k.replace('_', '-')} {given[k]} (the run has {config[k]})" for k in FIXED_ON_RESUME
                 if k in given and given[k] != config[k]]
    if conflicts:
        raise UsageError(f"--resume continues the run saved in {out}, which was started with other settings: "
                         f"{', '.join(conflicts)}. Leave these options out to resume, or train into a new "
                         f"--out (or --force) to start another run")
    config.update({k: given[k] for k in CHANGEABLE_ON_RESUME if k in given})
    config["out"], config["resume"], config["force"] = str(out), True, False
    try:
        check_options(config)
    except UsageError as e:  # a value typed now was checked by the parser: this one comes from the file
        raise CheckpointError(f"{out / CHECKPOINT} is inconsistent: its settings say {e}; delete it to start "
                              f"over") from None
    return config


def _continue_schedule(trainer, config, steps_per_epoch):
    """Put the learning-rate schedule where a run started with today's ``--epochs`` and ``--lr`` would be.

    The schedule is replayed from step 0 on a stand-in optimizer with the same settings (a schedule is a
    function of the step count and the base rate only), then its state and rates are copied over. A run
    resumed with the settings it was started with gets exactly the rates it would have had; a longer
    ``--epochs`` stretches cosine and one-cycle schedules over the new total (the epochs done keep the
    rates they had); a new ``--lr`` becomes the base rate of the rest of the schedule.
    """
    done = trainer.epoch if trainer.scheduler_interval == "epoch" else trainer.epoch * steps_per_epoch + trainer.batch
    stand_in = build_optimizer(config["optimizer"], [Parameter(zeros(1))], config["lr"], config["weight_decay"],
                               config["momentum"])
    schedule, _ = build_scheduler(config["scheduler"], stand_in, config["epochs"], steps_per_epoch)
    with warnings.catch_warnings():  # stepping a schedule without optimizer steps is intended here
        warnings.simplefilter("ignore")
        for _ in range(done if schedule is not None else 0):
            schedule.step()
    settings = {k: v for k, v in stand_in.param_groups[0].items() if k != "params"}
    for group in trainer.optimizer.param_groups:
        group.update(settings)
    if schedule is not None:
        trainer.scheduler.load_state_dict(schedule.state_dict())


def _check_input(model, name, image_shape, device):
    """One forward pass on a blank image, so that a model unfit for 32x32 inputs fails here, clearly."""
    model.eval()
    try:
        with no_grad():
            model(zeros((1,) + image_shape, device=device))
    except (RuntimeError, ValueError) as e:
        raise TrainingError(f"model {name} cannot take {'x'.join(map(str, image_shape))} images ({e}); the data "
                            f"sets here are 32x32: choose a model for small inputs such as lenet5, resnet20 or "
                            f"resnet18 (which gets its small-input stem automatically)") from e


def _print_header(config, model, data, device, trainer, run):
    num_params = sum(p.numel() for p in model.parameters())
    c, h, w = data.image_shape
    lr = trainer.optimizer.param_groups[0]["lr"]
    stem = ", small-input stem" if config["small_input"] else ""
    print(f"{config['model']} ({num_params:,} parameters{stem}) on {config['dataset']} ({c}x{h}x{w}): "
          f"{len(data.train):,} train / {len(data.val):,} validation / {len(data.test):,} test images, on {device}"
          + (f", {run.world_size} processes (batch {config['batch_size'] // run.world_size} each)"
             if run.distributed else ""))
    stop = f", early stop {config['early_stop']}" if config["early_stop"] else ""
    print(f"{config['optimizer']} lr {lr:g}, batch {config['batch_size']}, scheduler {config['scheduler']}, "
          f"augment {'on' if config['augment'] else 'off'}, seed {config['seed']}{stop}, "
          f"{config['epochs']} epoch{'s' if config['epochs'] != 1 else ''} -> "
          f"{config['out']}")
    if trainer.epoch or trainer.batch:
        print(f"resuming after epoch {trainer.epoch}" + (f", batch {trainer.batch}" if trainer.batch else ""))
