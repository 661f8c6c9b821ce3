"""The training loop of ``python -m minitorch_cnn train``: epochs, validation, checkpoints, resume.

One epoch is one pass over the shuffled training set in mini-batches (forward, cross-entropy, backward,
optimizer step) followed by one pass over the validation set without gradients. After every epoch the
checkpoint (model, optimizer, scheduler, history and random-number state) is written atomically, with
``metrics.json``; ``best.pt`` keeps the model of the epoch with the best validation accuracy, and the
test set is evaluated on that model at the end. Ctrl-C or SIGTERM lets the current batch finish, then
the state *inside* the epoch (batches done, running sums) is saved too, so that resuming gives exactly
the numbers of a run that was never stopped: an epoch's shuffle order is a function of (seed, epoch),
so the finished batches of the same order are skipped, and the random state of the moment of the stop
is put back. A loss that is not finite stops the run at once, without saving the diverged weights.
"""
import math
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np

from ... import random as mt_random
from ...autograd import no_grad
from ...nn import functional as F
from ...serialization import load, save
from ...utils.data_parallel import DataParallelRun
from .metrics import confusion_matrix, write_metrics
from .plots import PLOT_HINT, plot_confusion_matrix, plot_curves, plotting_available
from .progress import progress_bar

CHECKPOINT = "checkpoint.pt"
BEST = "best.pt"
PLOT_EVERY_S = 30  # redraw curves.png during a run at most this often (and always at its end)
STOP_SIGNALS = ("SIGINT", "SIGTERM")


class TrainingError(RuntimeError):
    """A run that cannot proceed; the message says why and what to do (the command line prints only it)."""

    exit_code = 1


class UsageError(TrainingError):
    """Options that contradict each other or the saved run (the command line exits with code 2)."""

    exit_code = 2


class CheckpointError(TrainingError):
    """A checkpoint that cannot be read or does not belong to this run."""


class DivergenceError(TrainingError):
    """The loss became NaN or infinite: training cannot continue from these weights."""


class _StopRequest:
    """While active, the first Ctrl-C (SIGINT) or SIGTERM only sets ``signal``; the loop stops after the
    current batch. A second Ctrl-C stops at once."""

    def __init__(self):
        self.signal = None

    @property
    def requested(self):
        return self.signal is not None

    def __enter__(self):
        self._active = threading.current_thread() is threading.main_thread()  # only it may handle signals
        self._previous = {}
        if self._active:
            for name in STOP_SIGNALS:
                if hasattr(signal, name):
                    number = getattr(signal, name)
                    self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc):
        for number, handler in self._previous.items():
            signal.signal(number, handler)

    def _handle(self, signum, frame):
        if self.requested and signum == signal.SIGINT:  # a second Ctrl-C stops at once
            raise KeyboardInterrupt
        self.signal = signum
        name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        print(f"\n{name}: finishing this batch, then saving the checkpoint"
              + (" (press Ctrl-C again to quit now)" if signum == signal.SIGINT else ""), file=sys.stderr)


class Trainer:
    """Trains ``model`` on ``data`` (a ``cli.train.data.Splits``) and writes its results to ``out_dir``.

    Args:
        epochs: train up to this epoch (``fit`` continues from ``self.epoch``).
        augment: a callable applied to each training batch of images (N, C, H, W), or None.
        scheduler_interval: ``'epoch'`` or ``'batch'``: when ``scheduler.step()`` is called.
        early_stop: stop when the validation accuracy has not improved for this many epochs (None: never).
        config: the run's settings, saved in the checkpoint and ``metrics.json`` (``seed`` also orders the
            shuffles: epoch e's order is drawn from (seed, e), so a resumed epoch repeats its own).
        record_gradients: record each conv/linear layer's gradient norm and activation statistics per step
            (``utils.gradflow.GradientRecorder``), written to ``gradients.json`` and ``gradflow.png``.
        run: a ``utils.data_parallel.DataParallelRun`` under ``mpiexec`` (``model`` is then its ``wrap``);
            ``batch_size`` is the global batch, split over the processes; only rank 0 writes and prints.

    ``fit()`` trains, keeps ``best.pt``, and evaluates the test set on the best model; it returns the test
    results, or None when a signal stopped it (after saving). ``TrainingError`` subclasses report what
    cannot go on: ``DivergenceError`` (non-finite loss), ``CheckpointError``.
    """

    def __init__(self, model, optimizer, data, out_dir, *, epochs, batch_size=64, scheduler=None,
                 scheduler_interval="epoch", augment=None, device="cpu", config=None, progress=True,
                 eval_batch_size=512, early_stop=None, run=None, record_gradients=False):
        self.model, self.optimizer, self.data = model, optimizer, data
        self.scheduler, self.scheduler_interval = scheduler, scheduler_interval
        self.out_dir = Path(out_dir)
        self.epochs, self.augment, self.device = epochs, augment, device
        self.early_stop = early_stop
        self.config = dict(config or {})
        self.run = run or DataParallelRun()
        self.progress = progress and self.run.is_main
        self.train_loader = self.run.train_loader(data.train, batch_size, seed=self.config.get("seed", 0))
        self.val_loader = self.run.eval_loader(data.val, eval_batch_size)
        self.test_loader = self.run.eval_loader(data.test, eval_batch_size)
        self.history = []  # one metrics row per finished epoch
        self.epoch = 0  # finished epochs
        self.batch = 0  # batches done in the unfinished epoch (not 0 only after a stop signal)
        self.best_epoch, self.best_val_acc = None, -1.0  # the epoch saved in best.pt
        self.stop_signal = None  # the signal that stopped the last fit(), if any
        self._partial = _new_totals()  # running sums of the unfinished epoch
        self._plotted_at = time.perf_counter()
        self._plots = plotting_available()
        self._main = self.run.is_main  # the one process that writes files and prints
        self.recorder = None
        if record_gradients:  # per-layer gradient norms and activation statistics, by hooks
            from ...utils.gradflow import GradientRecorder

            self.recorder = GradientRecorder(self.run.unwrap(model))

    @property
    def checkpoint_path(self):
        return self.out_dir / CHECKPOINT

    @property
    def best_path(self):
        return self.out_dir / BEST

    # ------------------------------------------------------------------ the loop

    def fit(self):
        """Train up to ``epochs`` and test; returns the test results, or None if stopped by a signal."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        if not self._plots and self._main:
            print(PLOT_HINT.format(names="curves.png and confusion_matrix.png"), flush=True)
        with _StopRequest() as stop:
            while self.epoch < self.epochs and not self._patience_exhausted():
                row = self._train_epoch(stop)
                if row is None:
                    self.save_checkpoint()
                    self.stop_signal = stop.signal
                    return None
                row.update(zip(("val_loss", "val_acc"), self.evaluate(self.val_loader)[:2]))
                self.history.append(row)
                self.epoch, self.batch = self.epoch + 1, 0
                self._partial = _new_totals()
                if self.scheduler is not None and self.scheduler_interval == "epoch":
                    self.scheduler.step()
                if self._main:
                    print(self._summary(row), flush=True)
                if row["val_acc"] > self.best_val_acc:
                    self.best_epoch, self.best_val_acc = self.epoch, row["val_acc"]
                    if self._main:
                        save({"epoch": self.epoch, "val_acc": row["val_acc"],
                              "model": self.run.unwrap(self.model).state_dict()}, self.best_path)
                self.save_checkpoint()
                if self._main:
                    write_metrics(self.out_dir / "metrics.json", self.config, self.history, self._best_record())
                last = self.epoch == self.epochs or stop.requested or self._patience_exhausted()
                if self._plots and self._main and (last or time.perf_counter() - self._plotted_at > PLOT_EVERY_S):
                    plot_curves(self.history, self.out_dir / "curves.png", title=self._title())
                    self._plotted_at = time.perf_counter()
                if stop.requested:
                    self.stop_signal = stop.signal
                    return None
        self._write_gradient_record()
        if self._patience_exhausted() and self.epoch < self.epochs and self._main:
            print(f"early stop after epoch {self.epoch}: no better validation accuracy for {self.early_stop} "
                  f"epoch{'s' if self.early_stop != 1 else ''} (best: epoch {self.best_epoch}, "
                  f"{self.best_val_acc:.2%})", flush=True)
        return self.test()

    def _write_gradient_record(self):
        """gradients.json (and gradflow.png) from the recorder, which then stops recording."""
        if self.recorder is None:
            return
        self.recorder.remove()
        if self._main:
            from .metrics import write_json_atomically

            write_json_atomically(self.out_dir / "gradients.json", self.recorder.to_dict())
            if self._plots:
                self.recorder.plot(title=f"{self._title()}: gradient flow").savefig(self.out_dir / "gradflow.png",
                                                                                     dpi=100)
        self.recorder = None

    def _patience_exhausted(self):
        return (self.early_stop is not None and self.best_epoch is not None
                and self.epoch - self.best_epoch >= self.early_stop)

    def _train_epoch(self, stop):
        """One pass over the training set; the epoch's metrics row, or None when a signal stopped it."""
        self.model.train()
        self.run.set_epoch(self.train_loader, self.epoch)  # the epoch's order: a function of (seed, epoch)
        batches = iter(self.train_loader)
        for _ in range(self.batch):  # a resumed epoch skips the batches it has done, in the same order
            next(batches)
        totals = self._partial
        if totals["lr"] is None:
            totals["lr"] = self.optimizer.param_groups[0]["lr"]
        bar = progress_bar(len(self.train_loader), initial=self.batch, desc=f"epoch {self.epoch + 1}/{self.epochs}",
                           enabled=self.progress)
        start = time.perf_counter() - totals["seconds"]
        try:
            for images, labels in batches:
                loss, correct = self._train_step(images, labels)
                self.batch += 1
                totals["loss_sum"] += loss * len(labels)
                totals["correct"] += correct
                totals["seen"] += len(labels)
                totals["seconds"] = time.perf_counter() - start
                bar.set_postfix(loss=f"{totals['loss_sum'] / totals['seen']:.4f}",
                                acc=f"{totals['correct'] / totals['seen']:.2%}",
                                img_s=f"{totals['seen'] / totals['seconds']:.0f}", refresh=False)
                bar.update()
                if self.run.any_rank(stop.requested) and self.batch < len(self.train_loader):
                    stop.signal = stop.signal or signal.SIGINT  # (another rank was asked to stop)
                    return None
        finally:
            bar.close()
        loss_sum, correct, seen = self.run.sum(totals["loss_sum"], totals["correct"], totals["seen"])
        return {"epoch": self.epoch + 1, "lr": totals["lr"], "train_loss": loss_sum / seen, "train_acc": correct / seen,
                "seconds": totals["seconds"], "images_per_s": seen / totals["seconds"]}

    def _train_step(self, images, labels):
        images, labels = images.to(self.device), labels.to(self.device)
        if self.augment is not None:
            images = self.augment(images)
        outputs = self.model(images)
        # GoogLeNet in training mode also returns auxiliary logits: their losses count 0.3 each (Szegedy et
        # al. 2015) in the gradient; the loss reported is the main one, comparable to the validation loss.
        logits, *auxiliary = outputs if isinstance(outputs, tuple) else (outputs,)
        loss = F.cross_entropy(logits, labels)
        total = sum((0.3 * F.cross_entropy(aux, labels) for aux in auxiliary), loss)
        value = total.item()
        if self.run.any_rank(not math.isfinite(value)):  # the update would spread NaN/inf into every weight
            self._diverged(value)
        self.optimizer.zero_grad()
        total.backward()
        self.optimizer.step()
        if self.scheduler is not None and self.scheduler_interval == "batch":
            self.scheduler.step()
        return loss.item(), int((logits.argmax(dim=1) == labels).sum().item())

    def _diverged(self, value):
        lr = self.optimizer.param_groups[0]["lr"]
        kept = (f"the checkpoint of epoch {self.epoch} in {self.checkpoint_path} is kept" if self.epoch
                else "no checkpoint was written")
        raise DivergenceError(f"training diverged: the loss is {value} at epoch {self.epoch + 1}, batch "
                              f"{self.batch + 1} (lr {lr:g}); {kept}. Try a smaller --lr")

    def evaluate(self, loader):
        """(mean loss, accuracy, predictions (N,), labels (N,)) of the model in eval mode over ``loader``."""
        self.model.eval()
        loss_sum, predictions, targets = 0.0, [], []
        with no_grad():
            for images, labels in loader:
                logits = self.model(images.to(self.device))
                labels = labels.to(self.device)
                loss_sum += F.cross_entropy(logits, labels, reduction="sum").item()
                predictions.append(logits.argmax(dim=1).cpu().numpy())
                targets.append(labels.cpu().numpy())
        predictions, targets = np.concatenate(predictions), np.concatenate(targets)
        loss_sum, correct, count = self.run.sum(loss_sum, float((predictions == targets).sum()), len(targets))
        predictions, targets = self.run.gather_sharded(predictions), self.run.gather_sharded(targets)
        return loss_sum / count, float(correct / count), predictions, targets

    def test(self):
        """Accuracy of the best model (by validation accuracy) on the test set, written to ``metrics.json``."""
        if self.best_epoch is not None and self.best_path.is_file():
            best = read_best(self.best_path)
            self.run.unwrap(self.model).load_state_dict(best["model"])
        loss, accuracy, predictions, targets = self.evaluate(self.test_loader)
        matrix = confusion_matrix(targets, predictions, len(self.data.classes))
        results = {"test_loss": loss, "test_accuracy": accuracy, "classes": self.data.classes,
                   "confusion_matrix": matrix.tolist(), **self._best_record()}
        if not self._main:
            return results
        write_metrics(self.out_dir / "metrics.json", self.config, self.history, results)
        if self._plots:
            plot_confusion_matrix(matrix, self.data.classes, self.out_dir / "confusion_matrix.png",
                                  title=f"{self._title()}: test accuracy {accuracy:.2%}")
        which = (f" (model of epoch {self.best_epoch}, best validation accuracy {self.best_val_acc:.2%})"
                 if self.best_epoch is not None else "")
        print(f"test accuracy {accuracy:.2%} ({int((predictions == targets).sum())}/{len(targets)}), "
              f"test loss {loss:.4f}{which}", flush=True)
        return results

    def _best_record(self):
        return {} if self.best_epoch is None else {"best_epoch": self.best_epoch, "best_val_acc": self.best_val_acc}

    # ------------------------------------------------------------------ checkpoints

    def save_checkpoint(self):
        """Write everything needed to continue the run to ``out_dir/checkpoint.pt``, atomically.

        Under ``mpiexec`` every rank calls this (the running sums are summed over the ranks); rank 0 writes.
        """
        partial = dict(self._partial)
        partial["loss_sum"], partial["correct"], partial["seen"] = self.run.totals_to_save(
            partial["loss_sum"], partial["correct"], partial["seen"])
        if not self._main:
            self.run.barrier()
            return
        state = {
            "config": self.config,
            "epoch": self.epoch,
            "batch": self.batch,
            "partial": partial,
            "history": self.history,
            "best_epoch": self.best_epoch,
            "best_val_acc": self.best_val_acc,
            "model": self.run.unwrap(self.model).state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
            "rng_state": mt_random.get_rng_state(),
            "numpy_rng_state": _numpy_rng_state(),
        }
        save(state, self.checkpoint_path)  # mt.save writes a temporary file and renames it: atomic
        self.run.barrier()  # no rank reads it before it is complete

    def load_checkpoint(self, state=None):
        """Continue from ``state`` (default: read ``out_dir/checkpoint.pt``); CheckpointError if it does not fit."""
        state = read_checkpoint(self.out_dir) if state is None else state
        check_counters(state, len(self.train_loader), self.checkpoint_path)
        try:
            self.run.unwrap(self.model).load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            if self.scheduler is not None and state.get("scheduler") is not None:
                self.scheduler.load_state_dict(state["scheduler"])
            _set_numpy_rng_state(state["numpy_rng_state"])
            mt_random.set_rng_state(state["rng_state"])
        except (KeyError, ValueError, RuntimeError, TypeError, IndexError) as e:
            raise CheckpointError(f"{self.checkpoint_path} does not fit this model and optimizer: {e}") from e
        self.epoch, self.batch = state["epoch"], state["batch"]
        self._partial, self.history = dict(state["partial"]), list(state["history"])
        self._partial["loss_sum"], self._partial["correct"], self._partial["seen"] = self.run.totals_to_resume(
            self._partial["loss_sum"], self._partial["correct"], self._partial["seen"])
        best = state.get("best_epoch")
        if best is None and self.history:  # a checkpoint written before best.pt existed
            accuracies = [row["val_acc"] for row in self.history]
            best = int(np.argmax(accuracies)) + 1
        self.best_epoch = best
        self.best_val_acc = self.history[best - 1]["val_acc"] if best else -1.0

    # ------------------------------------------------------------------ printing

    def _title(self):
        return f"{self.config.get('model', 'model')} on {self.config.get('dataset', 'data')}"

    def _summary(self, row):
        width = len(str(self.epochs))
        return (f"epoch {row['epoch']:>{width}}/{self.epochs}  "
                f"train loss {row['train_loss']:.4f} acc {row['train_acc']:6.2%}  "
                f"val loss {row['val_loss']:.4f} acc {row['val_acc']:6.2%}  "
                f"lr {row['lr']:.2e}  {row['seconds']:.1f}s ({row['images_per_s']:.0f} img/s)")


def _new_totals():
    """Running sums of an epoch; ``lr`` is the learning rate it started with."""
    return {"loss_sum": 0.0, "correct": 0, "seen": 0, "seconds": 0.0, "lr": None}


def _numpy_rng_state():
    """NumPy's global random state with its key array as a list (a checkpoint holds no NumPy arrays)."""
    state = np.random.get_state(legacy=False)
    return {**state, "state": {**state["state"], "key": state["state"]["key"].tolist()}}


def _set_numpy_rng_state(state):
    np.random.set_state({**state, "state": {**state["state"], "key": np.asarray(state["state"]["key"], np.uint32)}})


def _load_dict(path, required, what):
    if not path.is_file():
        raise CheckpointError(f"no checkpoint to resume: {path} does not exist (train without --resume first)")
    try:
        state = load(path, map_location="cpu")  # load_state_dict then copies to the model's device
    except Exception as e:  # any failure to parse means the file is damaged or not ours
        raise CheckpointError(f"{path} is corrupt or not a minitorch_cnn checkpoint ({type(e).__name__}: {e}); "
                              f"delete it to start over") from e
    if not isinstance(state, dict) or not required <= set(state):
        raise CheckpointError(f"{path} is not {what} of minitorch_cnn (missing keys); delete it to start over")
    return state


def read_checkpoint(out_dir):
    """The dict saved by ``Trainer.save_checkpoint`` in ``out_dir``; CheckpointError if absent or corrupt."""
    state = _load_dict(Path(out_dir) / CHECKPOINT, {"config", "epoch", "batch", "partial", "history", "model",
                                                    "optimizer", "rng_state", "numpy_rng_state"},
                       "a training checkpoint")
    if not isinstance(state["config"], dict):
        raise CheckpointError(f"{Path(out_dir) / CHECKPOINT} is not a training checkpoint of minitorch_cnn "
                              f"(its config is not a dict); delete it to start over")
    return state


def read_best(path):
    """The dict of ``best.pt``: the epoch, its validation accuracy and the model's state_dict."""
    return _load_dict(Path(path), {"epoch", "model"}, "a best-model file")


def check_counters(state, batches_per_epoch, path):
    """CheckpointError unless the checkpoint's counters describe a possible point of a run."""
    epoch, batch, history, partial = state["epoch"], state["batch"], state["history"], state["partial"]

    def bad(reason):
        raise CheckpointError(f"{path} is inconsistent: {reason}; delete it to start over")

    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
        bad(f"epoch {epoch!r} is not a count of epochs")
    if not isinstance(batch, int) or isinstance(batch, bool) or not 0 <= batch < batches_per_epoch:
        bad(f"batch {batch!r} is outside 0..{batches_per_epoch - 1} (an epoch has {batches_per_epoch} batches)")
    if not isinstance(history, list) or len(history) != epoch:
        bad(f"it records {len(history) if isinstance(history, list) else 'no'} epochs of history for epoch {epoch}")
    if not all(isinstance(row, dict) and {"epoch", "val_acc", "lr"} <= set(row) for row in history):
        bad("a history row lacks epoch, val_acc or lr")
    if not isinstance(partial, dict) or set(partial) != set(_new_totals()):
        bad("the running sums of the unfinished epoch are missing")
    best = state.get("best_epoch")
    if best is not None and (not isinstance(best, int) or not 1 <= best <= epoch):
        bad(f"best epoch {best!r} is not one of the epochs done (1..{epoch})")
