"""Jobs of 2 processes under mpiexec: exact collectives, DDP equal to one process, failures that end the job."""
import os
import re
import sys
import time

import pytest

from mpi_helpers import MPIEXEC, REPO, WORKERS, require_mpi, run_job, run_mpi


def _assert_ok(result, marker, n=2):
    assert result.returncode == 0, result.stdout
    for rank in range(n):
        assert f"{marker} rank {rank}" in result.stdout, result.stdout


def test_collectives_are_exact_on_2_ranks():
    _assert_ok(run_mpi("collectives.py", timeout=60), "collectives OK")


def test_collectives_on_3_ranks():
    _assert_ok(run_mpi("collectives.py", n=3, timeout=90), "collectives OK", n=3)


def test_ddp_with_sync_batchnorm_equals_one_process_with_the_global_batch():
    result = run_mpi("ddp_equivalence.py", timeout=120)
    _assert_ok(result, "ddp_equivalence OK")
    diffs = [float(d) for d in re.findall(r"max\|ddp - single\| = ([0-9.e+-]+)", result.stdout)]
    assert len(diffs) == 2 and max(diffs) <= 1e-10, result.stdout


def test_ddp_unused_and_shared_parameters_buffers_and_model_checks():
    _assert_ok(run_mpi("ddp_features.py", timeout=120), "ddp_features OK")


@pytest.mark.parametrize("mode, expected", [
    ("raise", r"\[rank 1\] uncaught exception, aborting the whole job:.*ValueError: boom from rank 1"),
    ("kill", r"BAD TERMINATION|exited on signal 9|Killed"),
    ("hang", r"\[Rank 0\] Watchdog caught collective operation timeout: WorkMPI\(SeqNum=\d+, OpType=ALLREDUCE, "
             r"NumelIn=4, NumelOut=4, Timeout\(ms\)=2000\) ran for \d+ milliseconds before timing out"),
])
def test_a_failing_rank_ends_the_job_with_a_clear_message(mode, expected):
    start = time.monotonic()
    result = run_mpi("faults.py", timeout=60, args=[mode], aborts=True)
    elapsed = time.monotonic() - start
    assert result.returncode != 0, result.stdout
    assert re.search(expected, result.stdout, re.S), result.stdout
    assert "was not stopped" not in result.stdout
    assert elapsed < 30, f"{mode}: the job took {elapsed:.1f} s to end"


def test_a_launcher_mpi_mismatch_is_refused():
    # one process that a (pretend) Open MPI launcher says is one of 2: mpi4py's MPI sees a world of 1
    require_mpi()
    env = dict(os.environ, OMPI_COMM_WORLD_SIZE="2", PYTHONPATH=str(REPO))
    env.pop("PMI_SIZE", None)
    result = run_job([sys.executable, str(WORKERS / "world_size_mismatch.py")], 60, env)
    assert "refused: init_process_group: MPI reports a world of 1 process(es) but the launcher started 2 " \
           "(OMPI_COMM_WORLD_SIZE=2, set by Open MPI (mpirun / prterun))" in result.stdout, result.stdout


def _history_and_weights(path):
    import json

    import numpy as np

    data = json.loads((path / "metrics.json").read_text())
    return data["history"], {k: np.asarray(v) for k, v in data["weights"].items()}, data["world_size"]


def _max_diff(a, b):
    import numpy as np

    (ha, wa, _), (hb, wb, _) = a, b
    assert len(ha) == len(hb) == 2 and ha[0].keys() == hb[0].keys()
    metrics = max(float(np.max(np.abs(np.asarray(x[k], float) - np.asarray(y[k], float))))
                  for x, y in zip(ha, hb) for k in x)
    return metrics, max(float(np.max(np.abs(wa[k] - wb[k]))) for k in wa)


def test_a_training_loop_on_2_processes_matches_1_process_and_resumes_exactly(tmp_path):
    require_mpi()
    single, double, resumed = (tmp_path / name for name in ("single", "double", "resumed"))
    for d in (single, double, resumed):
        d.mkdir()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    one = run_job([sys.executable, str(WORKERS / "train_loop.py"), str(single)], 120, env)
    assert one.returncode == 0, one.stdout
    for args in ([double], [resumed, "--stop-after", 7], [resumed, "--resume"]):
        result = run_mpi("train_loop.py", timeout=120, args=args)
        assert result.returncode == 0, result.stdout
    a, b, c = (_history_and_weights(d) for d in (single, double, resumed))
    assert (a[2], b[2], c[2]) == (1, 2, 2)
    metrics, weights = _max_diff(a, b)  # the same model, up to the order of float additions
    assert metrics <= 1e-10 and weights <= 1e-10, (metrics, weights)
    assert a[0][1]["predictions"] == b[0][1]["predictions"] and a[0][0]["seen"] == 60
    assert _max_diff(b, c) == (0.0, 0.0)  # stopped after 7 of 10 batches and resumed: bit for bit


def test_the_data_parallel_example_trains_on_2_processes():
    require_mpi()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    cmd = [str(MPIEXEC), "-n", "2", sys.executable, str(REPO / "examples" / "03_data_parallel.py"), "--epochs", "2"]
    result = run_job(cmd, 120, env)
    assert result.returncode == 0, result.stdout
    losses = [float(v) for v in re.findall(r"loss ([0-9.]+) over 512 samples on 2 process\(es\)", result.stdout)]
    assert len(losses) == 2 and losses[1] < 0.5 * losses[0], result.stdout  # printed once (rank 0), falling


def test_nccl_without_a_gpu_says_what_to_install():
    require_mpi()
    import minitorch_cnn as mt

    if mt.backend.cupy_available():
        pytest.skip("a GPU is visible: the NCCL backend can start here")
    code = ("import minitorch_cnn.distributed as dist\n"
            "try:\n    dist.init_process_group('nccl')\nexcept RuntimeError as e:\n    print('refused:', e)\n"
            "print('initialized:', dist.is_initialized())\n")
    result = run_job([sys.executable, "-c", code], 60, dict(os.environ, PYTHONPATH=str(REPO)))
    assert "refused: init_process_group(backend='nccl'): no CUDA GPU is visible. backend='nccl' needs CuPy with " \
           "NCCL: pip install cupy-cuda12x 'nvidia-nccl-cu12>=2.16,<3'" in result.stdout, result.stdout
    assert "initialized: False" in result.stdout
