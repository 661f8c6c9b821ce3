"""The training command as a finished tool: resume semantics, bad values, I/O failures, divergence, signals,
one writer per folder, best model and early stop, optional extras, and the bench command's method."""
import errno
import json
import math
import os
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest

from minitorch_cnn.cli import main
from minitorch_cnn.cli.bench import median_ratio, time_alternating
from minitorch_cnn.cli.train import trainer as trainer_module
from minitorch_cnn.cli.train.builders import build_model
from minitorch_cnn.cli.train.folder import RunFolder
from minitorch_cnn.cli.train.metrics import write_json_atomically, write_metrics
from minitorch_cnn.cli.train.trainer import Trainer

# Small, quick runs: TwoLayerNet on the bundled digits (20 batches of 64 per epoch, about 0.1 s).
FAST = ("--model", "two_layer_net", "--no-augment")


def train(out, *options):
    return main(["train", "--out", str(out), "--no-progress", *map(str, options)])


def metrics(out):
    return json.loads((out / "metrics.json").read_text(), parse_constant=_reject)


def _reject(name):
    raise ValueError(f"metrics.json holds {name}, which strict JSON parsers reject")


def lrs(out):
    return [row["lr"] for row in metrics(out)["epochs"]]


def strip_timing(out):
    return [{k: v for k, v in row.items() if k not in ("seconds", "images_per_s")} for row in metrics(out)["epochs"]]


# ------------------------------------------------------------------ resume continues the same run

def test_resume_with_more_epochs_stretches_a_cosine_schedule(tmp_path):
    assert train(tmp_path / "part", *FAST, "--scheduler", "cosine", "--epochs", 4) == 0
    assert train(tmp_path / "part", "--resume", "--epochs", 8) == 0
    assert train(tmp_path / "whole", *FAST, "--scheduler", "cosine", "--epochs", 8) == 0
    resumed, whole = lrs(tmp_path / "part"), lrs(tmp_path / "whole")
    assert len(resumed) == 8
    # epochs 5..8 run at the rates of a run started with 8 epochs: no epoch at lr 0, no rise again
    np.testing.assert_allclose(resumed[4:], whole[4:], rtol=1e-12)
    assert resumed[4] == pytest.approx(0.5 * whole[0])  # cos(pi * 4/8): half the base rate
    assert all(a > b for a, b in zip(resumed[4:], resumed[5:]))


def test_resume_with_more_epochs_extends_onecycle(tmp_path, capsys):
    assert train(tmp_path / "run", *FAST, "--scheduler", "onecycle", "--epochs", 2) == 0
    assert train(tmp_path / "run", "--resume", "--epochs", 4) == 0  # was: "Tried to step 41 times"
    assert [row["epoch"] for row in metrics(tmp_path / "run")["epochs"]] == [1, 2, 3, 4]
    assert "test accuracy" in capsys.readouterr().out


def test_sigterm_saves_and_resume_gives_the_uninterrupted_run(tmp_path):
    common = (*FAST, "--scheduler", "onecycle", "--optimizer", "sgd")
    assert train(tmp_path / "whole", *common, "--epochs", 3) == 0
    step = Trainer._train_step
    calls = []

    def step_then_sigterm(self, images, labels):
        calls.append(1)
        if len(calls) == 25:  # the 5th batch of epoch 2
            signal.raise_signal(signal.SIGTERM)
        return step(self, images, labels)

    Trainer._train_step = step_then_sigterm
    try:
        assert train(tmp_path / "sig", *common, "--epochs", 3) == 128 + signal.SIGTERM
    finally:
        Trainer._train_step = step
    assert len(calls) == 25  # the batch under way was finished, no more
    assert train(tmp_path / "sig", "--resume") == 0
    assert strip_timing(tmp_path / "sig") == strip_timing(tmp_path / "whole")


def test_resume_applies_a_new_lr_from_the_next_epoch(tmp_path):
    assert train(tmp_path / "run", *FAST, "--lr", "0.002", "--epochs", 2) == 0
    assert train(tmp_path / "run", "--resume", "--epochs", 3, "--lr", "0.0005") == 0
    assert lrs(tmp_path / "run") == [0.002, 0.002, 0.0005]


@pytest.mark.parametrize("option, value", [("--optimizer", "sgd"), ("--model", "lenet5"), ("--batch-size", 32),
                                           ("--scheduler", "cosine"), ("--seed", 5)])
def test_resume_refuses_options_that_would_make_another_run(tmp_path, capsys, option, value):
    assert train(tmp_path / "run", *FAST, "--epochs", 1) == 0
    capsys.readouterr()
    assert train(tmp_path / "run", "--resume", "--epochs", 2, option, value) == 2
    error = capsys.readouterr().err
    assert f"{option} {value}" in error and "started with other settings" in error
    assert len(metrics(tmp_path / "run")["epochs"]) == 1  # nothing ran


def test_resume_with_fewer_epochs_than_done_is_a_usage_error(tmp_path, capsys):
    assert train(tmp_path / "run", *FAST, "--epochs", 2) == 0
    assert train(tmp_path / "run", "--resume", "--epochs", 1) == 2
    assert "--epochs 1 is fewer than the 2 epochs" in capsys.readouterr().err


# ------------------------------------------------------------------ bad values are usage errors

@pytest.mark.parametrize("option, value, message", [
    ("--lr", "-1", "argument --lr: must be a finite number > 0, got -1"),
    ("--lr", "nan", "argument --lr: must be a finite number > 0, got nan"),
    ("--weight-decay", "-1", "argument --weight-decay: must be a finite number >= 0, got -1"),
    ("--momentum", "-0.5", "argument --momentum: must be in [0, 1), got -0.5"),
    ("--momentum", "1", "argument --momentum: must be in [0, 1), got 1"),
    ("--seed", "-1", "argument --seed: must be an integer in 0..4294967295, got -1"),
    ("--epochs", "0", "argument --epochs: must be a positive integer, got 0"),
    ("--early-stop", "x", "argument --early-stop: must be a positive integer, got 'x'"),
])
def test_out_of_range_values_exit_2_naming_the_option(tmp_path, capsys, option, value, message):
    with pytest.raises(SystemExit) as exit_info:
        train(tmp_path, option, value)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_bad_values_from_the_shell_have_no_traceback():
    for argv in (["train", "--lr", "-1"], ["gradcheck", "--ops", "nonexistent"]):
        result = subprocess.run([sys.executable, "-m", "minitorch_cnn", *argv], capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "no op matches --ops 'nonexistent'; valid names: add" in result.stderr


def test_version():
    from minitorch_cnn import __version__

    result = subprocess.run([sys.executable, "-m", "minitorch_cnn", "--version"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == f"minitorch_cnn {__version__}"


# ------------------------------------------------------------------ I/O failures: one line, exit 1

def test_an_out_folder_that_cannot_be_created_is_one_line(tmp_path, capsys):
    (tmp_path / "file").write_text("not a folder")
    assert train(tmp_path / "file" / "run", *FAST, "--epochs", 1) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: cannot write to ") and error.count("\n") == 1


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write to read-only folders")
def test_a_read_only_out_folder_is_one_line(tmp_path, capsys):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        assert train(out, *FAST, "--epochs", 1) == 1
    finally:
        out.chmod(0o755)
    assert capsys.readouterr().err.startswith("error: cannot write to ")


def test_a_full_disk_keeps_the_last_good_checkpoint(tmp_path, monkeypatch, capsys):
    saves = []
    real_save = trainer_module.save

    def save_then_fill_the_disk(obj, path):
        saves.append(path)
        if len(saves) > 2:  # best.pt and checkpoint.pt of epoch 1 are written, then the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_save(obj, path)

    monkeypatch.setattr(trainer_module, "save", save_then_fill_the_disk)
    assert train(tmp_path / "run", *FAST, "--epochs", 3) == 1
    error = capsys.readouterr().err
    assert "No space left on device" in error and error.count("\n") == 1
    monkeypatch.setattr(trainer_module, "save", real_save)
    state = trainer_module.read_checkpoint(tmp_path / "run")
    assert state["epoch"] == 1  # the last good checkpoint is intact and loads


@pytest.mark.parametrize("key, value, message", [("model", "lenet6", "--model must be one of"),
                                                 ("lr", -3.0, "--lr must be a finite number > 0, got -3.0"),
                                                 ("batch_size", "64", "--batch-size must be a positive integer")])
def test_a_checkpoint_with_impossible_settings_is_refused_clearly(tmp_path, capsys, key, value, message):
    import minitorch_cnn as mt

    assert train(tmp_path / "run", *FAST, "--epochs", 1) == 0
    path = tmp_path / "run" / "checkpoint.pt"
    state = mt.load(path)
    state["config"][key] = value
    mt.save(state, path)
    capsys.readouterr()
    assert train(tmp_path / "run", "--resume", "--epochs", 2) == 1
    error = capsys.readouterr().err
    assert "checkpoint.pt is inconsistent: its settings say" in error and message in error


@pytest.mark.parametrize("field, value, message", [("batch", 10**6, "batch 1000000 is outside 0..19"),
                                                   ("epoch", 5, "it records 1 epochs of history for epoch 5"),
                                                   ("epoch", -1, "epoch -1 is not a count of epochs"),
                                                   ("best_epoch", 9, "best epoch 9 is not one of the epochs")])
def test_an_inconsistent_checkpoint_is_refused_clearly(tmp_path, capsys, field, value, message):
    import minitorch_cnn as mt

    assert train(tmp_path / "run", *FAST, "--epochs", 1) == 0
    path = tmp_path / "run" / "checkpoint.pt"
    state = mt.load(path)
    state[field] = value
    mt.save(state, path)
    capsys.readouterr()
    assert train(tmp_path / "run", "--resume", "--epochs", 2) == 1
    error = capsys.readouterr().err
    assert "is inconsistent" in error and message in error and "Traceback" not in error


# ------------------------------------------------------------------ divergence

def test_a_diverging_run_stops_with_a_clear_message_and_valid_json(tmp_path, capsys):
    assert train(tmp_path / "run", *FAST, "--optimizer", "sgd", "--lr", "1e9", "--epochs", 3) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: training diverged: the loss is ") and "smaller --lr" in error
    if (tmp_path / "run" / "metrics.json").exists():
        metrics(tmp_path / "run")  # strict JSON


def test_metrics_json_writes_non_finite_numbers_as_null(tmp_path):
    write_metrics(tmp_path / "metrics.json", {"lr": 0.1}, [{"epoch": 1, "train_loss": math.nan,
                                                             "val_loss": math.inf, "val_acc": 0.5}])
    record = metrics(tmp_path)
    assert record["epochs"][0]["train_loss"] is None and record["epochs"][0]["val_loss"] is None


def test_concurrent_json_writers_never_share_a_temporary_file(tmp_path):
    errors = []

    def write(k):
        try:
            for i in range(40):
                write_json_atomically(tmp_path / "m.json", {"writer": k, "i": i, "pad": "x" * 5000})
        except Exception as e:  # pragma: no cover - the failure being tested
            errors.append(e)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert json.loads((tmp_path / "m.json").read_text())["i"] == 39
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


# ------------------------------------------------------------------ one writer per folder

def test_a_second_writer_is_refused_while_the_first_holds_the_folder(tmp_path, capsys):
    with RunFolder(tmp_path / "run"):
        assert train(tmp_path / "run", *FAST, "--epochs", 1) == 1
    error = capsys.readouterr().err
    assert f"is in use by another training run (pid {os.getpid()})" in error


def test_stale_temporary_files_are_removed_at_the_next_start(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    stale = [".checkpoint.pt.1a2b3c4d.tmp", ".metrics.json.tmp", ".metrics.json.k2j3h4.tmp", ".best.pt.00ff00ff.tmp"]
    for name in stale:
        (out / name).write_bytes(b"half a file")
    (out / "notes.tmp").write_text("the user's own file")
    assert train(out, *FAST, "--epochs", 1) == 0
    assert "removed 4 temporary file(s)" in capsys.readouterr().out
    names = {p.name for p in out.iterdir()}
    assert not names & set(stale) and "notes.tmp" in names


def test_an_existing_run_is_not_overwritten_without_force(tmp_path, capsys):
    assert train(tmp_path / "run", *FAST, "--epochs", 1) == 0
    before = (tmp_path / "run" / "checkpoint.pt").read_bytes()
    capsys.readouterr()
    assert train(tmp_path / "run", *FAST, "--epochs", 2) == 1
    assert "already holds a training run; --resume continues it, --force" in capsys.readouterr().err
    assert (tmp_path / "run" / "checkpoint.pt").read_bytes() == before
    assert train(tmp_path / "run", *FAST, "--epochs", 2, "--force") == 0
    assert len(metrics(tmp_path / "run")["epochs"]) == 2


# ------------------------------------------------------------------ models for small inputs, best model, early stop

def test_imagenet_resnets_get_the_small_input_stem_for_32x32_data():
    from minitorch_cnn import nn

    model, channels, small = build_model("resnet18", 10, (1, 32, 32))
    assert small is True and isinstance(model.maxpool, nn.Identity) and model.conv1.kernel_size == (3, 3)
    model, _, small = build_model("resnet18", 10, (1, 32, 32), small_input=False)
    assert small is False and model.conv1.kernel_size == (7, 7)
    assert build_model("lenet5", 10, (1, 32, 32))[2] is None


def test_small_input_for_a_model_without_one_is_refused(tmp_path, capsys):
    assert train(tmp_path / "run", "--model", "lenet5", "--small-input", "--epochs", 1) == 1
    assert "model lenet5 has no small-input variant" in capsys.readouterr().err


def test_early_stop_keeps_the_best_model_and_tests_it(tmp_path, monkeypatch, capsys):
    import minitorch_cnn as mt

    accuracies = iter([0.50, 0.70, 0.60, 0.65, 0.66, 0.9, 0.9])
    evaluate = Trainer.evaluate

    def scripted(self, loader):
        loss, accuracy, predictions, targets = evaluate(self, loader)
        if loader is self.val_loader:
            accuracy = next(accuracies)
        return loss, accuracy, predictions, targets

    monkeypatch.setattr(Trainer, "evaluate", scripted)
    assert train(tmp_path / "run", *FAST, "--epochs", 7, "--early-stop", 2) == 0
    printed = capsys.readouterr().out
    assert "early stop after epoch 4: no better validation accuracy for 2 epochs (best: epoch 2, 70.00%)" in printed
    assert "(model of epoch 2, best validation accuracy 70.00%)" in printed
    record = metrics(tmp_path / "run")
    assert len(record["epochs"]) == 4 and record["best_epoch"] == 2 and record["best_val_acc"] == 0.7
    best = mt.load(tmp_path / "run" / "best.pt")
    assert best["epoch"] == 2


# ------------------------------------------------------------------ optional extras

def run_without(modules, *argv, cwd):
    """Run the command in a fresh interpreter in which importing each of ``modules`` fails."""
    blocker = (f"import sys\nfor name in {list(modules)!r}: sys.modules[name] = None\n"
               "from minitorch_cnn.cli import main\nsys.exit(main(sys.argv[1:]))\n")
    return subprocess.run([sys.executable, "-c", blocker, *map(str, argv)], capture_output=True, text=True, timeout=300,
                          cwd=cwd)


def test_train_runs_with_numpy_only(tmp_path):
    result = run_without(["tqdm", "matplotlib", "sklearn", "PIL", "scipy"], "train", "--epochs", 1, "--out", "run",
                         cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "matplotlib is not installed: skipped curves.png and confusion_matrix.png" in result.stdout
    assert "test accuracy" in result.stdout
    record = metrics(tmp_path / "run")
    assert record["test_accuracy"] > 0.5 and not (tmp_path / "run" / "curves.png").exists()


def test_bench_without_matplotlib_still_prints_and_writes_json(tmp_path):
    from minitorch_cnn.cli import workloads

    result = run_without(["matplotlib"], "bench", "--quick", "--repeat", "1", "--out", "b", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "skipped bench.png" in result.stdout and (tmp_path / "b" / "bench.json").exists()
    assert len(json.loads((tmp_path / "b" / "bench.json").read_text())["results"]) == len(workloads.WORKLOADS)


def test_plots_leave_the_matplotlib_backend_alone(tmp_path):
    pytest.importorskip("matplotlib")
    script = ("import matplotlib, sys\nmatplotlib.use('pdf')\nfrom minitorch_cnn.cli import main\n"
              "code = main(['train', '--model', 'two_layer_net', '--epochs', '1', '--out', 'run', '--no-progress'])\n"
              "print(matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules)\nsys.exit(code)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "pdf False"
    assert (tmp_path / "run" / "curves.png").stat().st_size > 1000


def test_digits_ship_inside_the_package():
    from minitorch_cnn.utils.data.datasets import DIGITS_FILE, Digits

    assert DIGITS_FILE.stat().st_size < 60_000
    parts = [Digits(split) for split in ("train", "val", "test")]
    assert [len(p) for p in parts] == [1258, 180, 359]
    assert sorted(np.bincount(np.concatenate([p.targets for p in parts]))) [0] >= 170  # every digit present


# ------------------------------------------------------------------ bench: a fair method, one convention

def test_time_alternating_warms_up_then_takes_turns():
    calls = []
    steps = {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}
    times = time_alternating(steps, repeat=3, warmup=2, settle=0)
    assert calls == ["a", "a", "b", "b"] + ["a", "b"] * 3
    assert [len(t) for t in times.values()] == [3, 3]
    assert median_ratio([2.0, 4.0, 100.0], [1.0, 1.0, 1.0]) == 4.0


def test_bench_writes_nothing_without_out(tmp_path, monkeypatch):
    from minitorch_cnn.cli import workloads

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(workloads, "WORKLOADS", workloads.WORKLOADS[:1])
    monkeypatch.setattr("minitorch_cnn.cli.bench.WORKLOADS", workloads.WORKLOADS[:1])
    assert main(["bench", "--quick", "--repeat", "2"]) == 0
    assert list(tmp_path.iterdir()) == []


def test_bench_compares_with_torch_on_the_same_weights(capsys, monkeypatch):
    pytest.importorskip("torch")
    from minitorch_cnn.cli import workloads

    picked = [workloads.WORKLOADS_BY_NAME["TwoLayerNet"], workloads.WORKLOADS_BY_NAME["LeNet-5"]]
    monkeypatch.setattr("minitorch_cnn.cli.bench.WORKLOADS", picked)
    assert main(["bench", "--quick", "--compare-torch", "--repeat", "3"]) == 0
    table = capsys.readouterr().out
    assert "time minitorch NumPy / PyTorch CPU" in table and "ours / peer" in table
    rows = [row for row in table.splitlines() if row.startswith(("| TwoLayerNet", "| LeNet-5"))]
    assert len(rows) == 2 and all(row.count("|") == 7 for row in rows)


def test_torch_twins_have_the_zoo_models_keys_and_first_loss():
    torch = pytest.importorskip("torch")
    import minitorch_cnn as mt
    from minitorch_cnn.cli import workloads

    for workload in workloads.WORKLOADS[:4]:
        mt.manual_seed(0)
        ours = workload.build(mt)
        theirs = workload.build(torch)
        assert list(ours.state_dict()) == list(theirs.state_dict()), workload.name
        theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
        x = np.random.default_rng(0).standard_normal((2,) + workload.input_shape).astype(np.float32)
        np.testing.assert_allclose(ours(mt.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                                   rtol=1e-4, atol=1e-5)


def test_record_gradients_writes_the_per_layer_norms(tmp_path):
    assert train(tmp_path / "run", *FAST, "--epochs", 1, "--record-gradients") == 0
    record = json.loads((tmp_path / "run" / "gradients.json").read_text())
    text = json.dumps(record)
    assert "linear1" in text and "linear2" in text  # TwoLayerNet's two layers are recorded
    if (tmp_path / "run" / "curves.png").exists():  # with matplotlib
        assert (tmp_path / "run" / "gradflow.png").stat().st_size > 1000


def test_experiment_is_a_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["experiment", "degradation", "--help"])
    assert exit_info.value.code == 0
    assert "plain" in capsys.readouterr().out.lower()
