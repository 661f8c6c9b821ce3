"""Start worker scripts under the virtualenv's own ``mpiexec`` (imported as ``from mpi_helpers import ...``)."""
import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

WORKERS = Path(__file__).parent / "workers"
REPO = Path(__file__).resolve().parents[2]
# the launcher that belongs to the MPI library mpi4py loads: the one installed next to this Python
MPIEXEC = Path(sys.executable).parent / "mpiexec"


def require_mpi():
    if importlib.util.find_spec("mpi4py") is None:
        pytest.skip("mpi4py is not installed (pip install 'minitorch_cnn[distributed]')")
    if not MPIEXEC.exists():
        pytest.skip(f"no mpiexec next to {sys.executable} (pip install mpich)")


SHM = Path("/dev/shm")
SHM_PATTERNS = ("mpich_shm_*", "sm_segment.*")  # what MPICH / Open MPI leave behind after an abort


def _shm_files():
    return {f for pattern in SHM_PATTERNS for f in SHM.glob(pattern)} if SHM.is_dir() else set()


def run_mpi(worker, n=2, timeout=120, env=None, args=(), aborts=False):
    """``mpiexec -n n python workers/<worker>``; returns the CompletedProcess (stdout and stderr merged).

    ``aborts``: the job is expected to die; the shared-memory segments it leaves in /dev/shm are removed.
    """
    require_mpi()
    before = _shm_files() if aborts else set()
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join([str(REPO), full_env.get("PYTHONPATH", "")])
    # Open MPI as root, and without its slow network probes (MPICH ignores these)
    full_env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_btl="^ofi,uct")
    full_env.update(env or {})
    cmd = [str(MPIEXEC), "-n", str(n), sys.executable, str(WORKERS / worker), *map(str, args)]
    try:
        return run_job(cmd, timeout, full_env)
    finally:
        if aborts:
            for leftover in _shm_files() - before:
                leftover.unlink(missing_ok=True)


def run_job(cmd, timeout, env):
    """Run ``cmd`` in a session of its own; past ``timeout``, kill the whole session (mpiexec and every
    rank, which would otherwise outlive a killed launcher) and fail with what the job printed."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            cwd=str(REPO), start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"{' '.join(cmd)} did not end within {timeout} s; its output:\n{out}")
    return subprocess.CompletedProcess(cmd, proc.returncode, out)
