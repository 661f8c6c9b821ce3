"""``mpiexec -n 2 python -m minitorch_cnn train``: the global batch is split over the ranks, so the run
equals one process; only rank 0 writes and prints; an error on one rank ends the whole job."""
import json
import subprocess
import sys

from mpi_helpers import MPIEXEC, REPO, require_mpi, run_job

COMMON = ["--model", "two_layer_net", "--no-augment", "--epochs", "2", "--batch-size", "64", "--no-progress",
          "--scheduler", "onecycle"]
KEYS = ("train_loss", "train_acc", "val_loss", "val_acc", "lr")


def train(out, n=None, *extra, timeout=300):
    cmd = [sys.executable, "-m", "minitorch_cnn", "train", "--out", str(out), *COMMON, *extra]
    if n is not None:
        cmd = [str(MPIEXEC), "-n", str(n)] + cmd
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"}
    return run_job(cmd, timeout, env)


def test_two_processes_give_the_one_process_metrics(tmp_path):
    require_mpi()
    one = train(tmp_path / "one")
    assert one.returncode == 0, one.stdout
    two = train(tmp_path / "two", 2)
    assert two.returncode == 0, two.stdout
    assert two.stdout.count("test accuracy") == 1  # rank 0 alone prints
    assert "2 processes (batch 32 each)" in two.stdout
    a, b = (json.loads((tmp_path / name / "metrics.json").read_text()) for name in ("one", "two"))
    for row_a, row_b in zip(a["epochs"], b["epochs"]):
        for key in KEYS:
            assert abs(row_a[key] - row_b[key]) <= 1e-5 * max(1.0, abs(row_a[key])), (key, row_a[key], row_b[key])
    assert len(a["epochs"]) == len(b["epochs"]) == 2
    assert abs(a["test_accuracy"] - b["test_accuracy"]) <= 1 / 359 + 1e-12


def test_an_error_on_the_ranks_ends_the_job_with_its_message(tmp_path):
    require_mpi()
    result = train(tmp_path / "run", 2, "--batch-size", "63", timeout=120)
    assert result.returncode == 2
    assert "--batch-size 63 is the global batch and must be divisible by the number of processes (2)" in result.stdout
