"""``python -m minitorch_cnn train`` in short runs: outputs, data formats, determinism, resume, Ctrl-C, misuse."""
import json
import signal
import subprocess
import sys

import numpy as np
import pytest

from minitorch_cnn.cli import main
from minitorch_cnn.cli.train.trainer import Trainer

from cli_helpers import cifar_dir, mnist_dir  # noqa: F401 (fixtures)

SCORES = ("train_loss", "train_acc", "val_loss", "val_acc", "lr")


def train(out, *options):
    return main(["train", "--out", str(out), "--no-progress", *map(str, options)])


def scores(out):
    """Everything in metrics.json that must not depend on timing."""
    metrics = json.loads((out / "metrics.json").read_text())
    rows = [{k: row[k] for k in SCORES} for row in metrics["epochs"]]
    return rows, metrics.get("test_accuracy")


def test_default_model_on_digits_writes_every_output(tmp_path, capsys):
    assert train(tmp_path, "--epochs", 2, "--batch-size", 64) == 0
    printed = capsys.readouterr().out
    assert "lenet5 (61,706 parameters) on digits" in printed
    assert "epoch 1/2" in printed and "epoch 2/2" in printed and "test accuracy" in printed
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert [row["epoch"] for row in metrics["epochs"]] == [1, 2]
    assert 0.5 < metrics["test_accuracy"] <= 1  # two epochs already learn most digits
    matrix = np.array(metrics["confusion_matrix"])
    assert matrix.shape == (10, 10) and matrix.sum() == 359
    assert np.trace(matrix) / 359 == pytest.approx(metrics["test_accuracy"])
    assert metrics["config"]["model"] == "lenet5" and metrics["config"]["dataset"] == "digits"
    for name in ("checkpoint.pt", "curves.png", "confusion_matrix.png"):
        assert (tmp_path / name).stat().st_size > 1000


def test_mnist_idx_files(tmp_path, mnist_dir):
    assert train(tmp_path / "run", "--dataset", "mnist", "--data-dir", mnist_dir, "--epochs", 1,
                 "--batch-size", 16) == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert 0 <= metrics["test_accuracy"] <= 1 and len(metrics["epochs"]) == 1


def test_cifar10_binary_files_with_augmentation_and_a_schedule(tmp_path, cifar_dir, capsys):
    assert train(tmp_path / "run", "--dataset", "cifar10", "--data-dir", cifar_dir, "--epochs", 2,
                 "--batch-size", 16, "--augment", "--optimizer", "sgd", "--scheduler", "onecycle") == 0
    assert "(3x32x32): 54 train / 6 validation / 12 test images" in capsys.readouterr().out
    rows, _ = scores(tmp_path / "run")
    assert rows[0]["lr"] < rows[1]["lr"]  # one-cycle warms up


def test_same_seed_same_metrics(tmp_path, mnist_dir):
    for run in ("a", "b"):
        assert train(tmp_path / run, "--dataset", "mnist", "--data-dir", mnist_dir, "--epochs", 2,
                     "--batch-size", 32, "--seed", 3) == 0
    assert scores(tmp_path / "a") == scores(tmp_path / "b")


def test_resume_gives_the_uninterrupted_metrics(tmp_path, mnist_dir):
    common = ("--dataset", "mnist", "--data-dir", mnist_dir, "--batch-size", 16, "--scheduler", "exponential")
    assert train(tmp_path / "whole", *common, "--epochs", 3) == 0
    assert train(tmp_path / "parts", *common, "--epochs", 1) == 0
    assert train(tmp_path / "parts", "--resume", "--epochs", 3) == 0
    assert scores(tmp_path / "parts") == scores(tmp_path / "whole")


def test_ctrl_c_finishes_the_batch_saves_and_resumes_exactly(tmp_path, mnist_dir, monkeypatch, capsys):
    common = ("--dataset", "mnist", "--data-dir", mnist_dir, "--batch-size", 16, "--epochs", 2,
              "--scheduler", "onecycle")
    assert train(tmp_path / "whole", *common) == 0
    step = Trainer._train_step
    calls = []

    def step_then_ctrl_c(self, images, labels):
        calls.append(1)
        if len(calls) == 3:  # Ctrl-C arrives during the third batch of epoch 1
            signal.raise_signal(signal.SIGINT)
        return step(self, images, labels)

    monkeypatch.setattr(Trainer, "_train_step", step_then_ctrl_c)
    assert train(tmp_path / "parts", *common) == 130
    assert len(calls) == 3  # the batch under way was finished, no more
    assert "resume with: python -m minitorch_cnn train --resume" in capsys.readouterr().out
    monkeypatch.setattr(Trainer, "_train_step", step)
    assert train(tmp_path / "parts", "--resume") == 0
    assert scores(tmp_path / "parts") == scores(tmp_path / "whole")


@pytest.mark.parametrize("option, value, valid", [("--model", "lenet6", "resnet20"),
                                                  ("--dataset", "imagenet", "fashion-mnist")])
def test_unknown_names_list_the_valid_ones(tmp_path, capsys, option, value, valid):
    with pytest.raises(SystemExit) as exit_info:
        train(tmp_path, option, value)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert f"unknown {'model' if option == '--model' else 'data set'} {value!r}" in error and valid in error


def test_unknown_model_from_the_shell_has_no_traceback():
    result = subprocess.run([sys.executable, "-m", "minitorch_cnn", "train", "--model", "nope"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "lenet5" in result.stderr and "Traceback" not in result.stderr


def test_missing_data_files_are_named(tmp_path, capsys):
    assert train(tmp_path / "run", "--dataset", "mnist", "--data-dir", tmp_path / "empty") == 1
    error = capsys.readouterr().err
    assert error.startswith("error: MNIST: data files not found")
    assert "train-images-idx3-ubyte" in error and "--download" in error


def test_corrupt_data_file_is_a_one_line_error(tmp_path, cifar_dir, capsys):
    batch = cifar_dir / "cifar-10-batches-bin" / "data_batch_3.bin"
    batch.write_bytes(batch.read_bytes()[:-7])
    assert train(tmp_path / "run", "--dataset", "cifar10", "--data-dir", cifar_dir) == 1
    assert "data_batch_3.bin is not a CIFAR-10 binary batch" in capsys.readouterr().err


def test_corrupt_or_missing_checkpoint_is_refused(tmp_path, capsys):
    assert train(tmp_path / "none", "--resume") == 1
    assert "no checkpoint to resume" in capsys.readouterr().err
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "checkpoint.pt").write_bytes(b"PK\x03\x04 this is not a checkpoint")
    assert train(tmp_path / "bad", "--resume") == 1
    assert "checkpoint.pt is corrupt or not a minitorch_cnn checkpoint" in capsys.readouterr().err


def test_cuda_without_a_gpu_is_a_clear_error(tmp_path, capsys):
    from minitorch_cnn.backend import cupy_available

    if cupy_available():
        pytest.skip("a GPU is present")
    assert train(tmp_path, "--device", "cuda") == 1
    assert "--device cuda: no CUDA GPU" in capsys.readouterr().err
