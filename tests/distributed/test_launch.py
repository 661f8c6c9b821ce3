"""What does not need MPI running: the launcher check, threads per rank, the watchdog, lazy imports."""
import os
import subprocess
import sys

import pytest

import minitorch_cnn as mt
import minitorch_cnn.distributed as dist
from minitorch_cnn.distributed import _launch

MPICH = "MPICH Version:      5.0.2\nMPICH Release date: ..."


def test_launcher_world_size_reads_each_launchers_variable():
    assert _launch.launcher_world_size({}) is None
    assert _launch.launcher_world_size({"PMI_SIZE": "4"})[:2] == (4, "PMI_SIZE")
    assert _launch.launcher_world_size({"OMPI_COMM_WORLD_SIZE": "3"})[:2] == (3, "OMPI_COMM_WORLD_SIZE")
    assert _launch.launcher_world_size({"SLURM_STEP_NUM_TASKS": "8"})[:2] == (8, "SLURM_STEP_NUM_TASKS")


def test_a_silent_singleton_is_refused_with_the_library_and_launcher_named():
    _launch.check_world_size(2, MPICH, {"PMI_SIZE": "2"})  # agreeing: fine
    _launch.check_world_size(1, MPICH, {})  # no launcher: a one-process run
    with pytest.raises(RuntimeError) as e:
        _launch.check_world_size(1, MPICH, {"PMI_SIZE": "2"})
    message = str(e.value)
    assert message.startswith("init_process_group: MPI reports a world of 1 process(es) but the launcher started 2 "
                              "(PMI_SIZE=2, set by MPICH / Intel MPI (Hydra mpiexec)). mpi4py is using 'MPICH "
                              "Version:      5.0.2'")
    assert "python -m mpi4py --mpi-library" in message


@pytest.mark.parametrize("mine, everyone, expected", [
    ({0, 1}, [{0, 1}, {0, 1}], 1),  # 2 unbound ranks on 2 cores
    ({0, 1, 2, 3}, [{0, 1, 2, 3}, {0, 1, 2, 3}], 2),  # 2 unbound ranks on 4 cores
    ({0}, [{0}, {1}], 1),  # bound, one core each
    ({0, 1}, [{0, 1}, {2, 3}], 2),  # bound, two cores each
    ({0, 1, 2, 3}, [{0, 1, 2, 3}], 4),  # alone
    ({0}, [{0}, {0}, {0}], 1),  # oversubscribed: never below one
])
def test_threads_per_rank_split_the_cores_a_rank_shares(mine, everyone, expected):
    assert _launch.threads_per_rank(frozenset(mine), [frozenset(c) for c in everyone]) == expected


def test_watchdog_reports_a_late_collective_and_aborts_once():
    aborted = []
    dog = _launch.Watchdog(rank=3, timeout=0.2, abort=aborted.append, exit=aborted.append)
    with dog.track("ALLREDUCE", 10):
        late = dog.expired(now=float("inf"))
    assert late[:3] == (1, "ALLREDUCE", 10)
    assert dog.message(*late[:3], 1.5) == (
        "[Rank 3] Watchdog caught collective operation timeout: WorkMPI(SeqNum=1, OpType=ALLREDUCE, NumelIn=10, "
        "NumelOut=10, Timeout(ms)=200) ran for 1500 milliseconds before timing out. Another rank has crashed, "
        "hangs, or called a different collective; aborting the job.")
    assert dog.expired(now=float("inf")) is None  # finished collectives are forgotten
    dog.stop()
    assert aborted == []


def test_watchdog_follows_device_work_until_its_event_is_done():
    dog = _launch.Watchdog(rank=0, timeout=0.2, abort=lambda code: None, backend_name="NCCL", exit=lambda code: None)
    done = [False]
    dog.watch_event("BROADCAST", 4, lambda: done[0])
    assert dog.expired(now=float("inf"))[1] == "BROADCAST"
    done[0] = True
    assert dog.expired(now=float("inf")) is None
    dog.stop()


def test_the_watchdog_thread_calls_abort():
    import threading

    aborted, exited = threading.Event(), threading.Event()
    dog = _launch.Watchdog(rank=0, timeout=0.1, abort=lambda code: aborted.set(), exit=lambda code: exited.set())
    with dog.track("BARRIER", 0):
        assert aborted.wait(5) and exited.wait(5)


def test_abort_job_exits_when_abort_does_not_return(monkeypatch):
    import threading

    monkeypatch.setattr(_launch, "ABORT_GRACE_S", 0.05)
    exits, release = [], threading.Event()
    _launch.abort_job(lambda code: release.wait(0.5), 3, exits.append)  # an MPI_Abort that hangs a while
    assert exits == [3, 3]  # the grace timer fired first; the final exit follows when abort returns


def test_abort_on_exception_prints_the_rank_and_traceback(capsys):
    codes, exits, previous = [], [], sys.excepthook
    _launch.install_abort_on_exception(1, codes.append, exits.append)
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            sys.excepthook(*sys.exc_info())
    finally:
        _launch.uninstall_abort_on_exception()
    err = capsys.readouterr().err
    assert err.startswith("[rank 1] uncaught exception, aborting the whole job:\nTraceback")
    assert "ValueError: boom" in err and codes == [1] and exits == [1]
    assert sys.excepthook is previous


def test_not_initialized_errors_match_torch():
    assert not dist.is_initialized()
    for fn in (dist.get_rank, dist.get_world_size, dist.barrier):
        with pytest.raises(ValueError, match="Default process group has not been initialized, please make sure "
                                             "to call init_process_group."):
            fn()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        mt.nn.parallel.DistributedDataParallel(mt.nn.Linear(2, 2))


def test_unknown_backend_and_reduce_op_are_named():
    with pytest.raises(ValueError, match="backend must be 'mpi', 'nccl' or 'auto'"):
        dist.init_process_group("gloo")
    with pytest.raises(ValueError, match="all_reduce: op must be a dist.ReduceOp"):
        dist.distributed_c10d.as_red_op("sum", "all_reduce")
    assert int(dist.ReduceOp.SUM) == 0 and int(dist.ReduceOp.AVG) == 1 and int(dist.ReduceOp.MAX) == 4


def test_the_library_imports_and_samples_without_mpi4py():
    # mpi4py made unimportable: the package, DDP's module and the sampler still load
    code = ("import sys; sys.modules['mpi4py'] = None\n"
            "import minitorch_cnn as mt, minitorch_cnn.distributed as dist\n"
            "from minitorch_cnn.nn.parallel import DistributedDataParallel\n"
            "from minitorch_cnn.utils.data import DistributedSampler\n"
            "assert not dist.is_available()\n"
            "print(list(DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False)))\n"
            "try:\n    dist.init_process_group('mpi')\nexcept RuntimeError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, PYTHONPATH=os.getcwd()))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "[1, 3, 0]",
        "init_process_group(backend='mpi') needs mpi4py and an MPI library: pip install 'minitorch_cnn[distributed]' "
        "(mpi4py and the MPICH wheel); on a cluster, load the site's MPI (e.g. `module load openmpi`) and pip "
        "install mpi4py alone"]


def test_import_minitorch_cnn_does_not_start_mpi():
    out = subprocess.run([sys.executable, "-c", "import sys, minitorch_cnn; print('mpi4py.MPI' in sys.modules)"],
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_work_then_finishes_with_its_collective_and_reraises_its_error():
    from minitorch_cnn.distributed import Work

    calls = []
    inner = Work()
    chained = inner.then(lambda: calls.append("write back"))
    assert not chained.is_completed()
    inner._finish()
    assert chained.is_completed() and chained.wait() is True and calls == ["write back"]
    chained.wait()
    assert calls == ["write back"]  # once
    failed = Work()
    failed._finish(RuntimeError("peer gone"))
    with pytest.raises(RuntimeError, match="peer gone"):
        failed.then(lambda: calls.append("never")).wait()
    assert calls == ["write back"]
    with pytest.raises(RuntimeError, match="did not finish within 0.01 seconds"):
        Work().wait(timeout=0.01)
