"""What a rank learns from its launcher, and how a job stops when one rank fails.

* ``launcher_world_size``: the number of processes ``mpiexec``/``srun`` says it started, read from the
  environment. A mismatched MPI (an Open MPI build of mpi4py under MPICH's ``mpiexec``) silently runs N
  one-process jobs instead of one N-process job; comparing the two numbers catches it.
* ``threads_per_rank``: ranks on one machine share its cores; each one gets the cores in its affinity
  mask divided by the number of ranks sharing that mask, so N ranks never start N x cores threads.
* ``install_abort_on_exception``: an uncaught exception on one rank would leave the others waiting
  forever in their next collective; the hook prints the traceback and aborts the whole job.
* ``Watchdog``: MPI has no time-out per operation, so a thread watches the collectives in flight and
  aborts the job when one runs longer than ``timeout``.
"""
import os
import sys
import threading
import time
import traceback

# (variable, launcher) pairs: each launcher exports the job's process count to every process it starts
LAUNCHER_SIZE_VARIABLES = (
    ("PMI_SIZE", "MPICH / Intel MPI (Hydra mpiexec)"),
    ("OMPI_COMM_WORLD_SIZE", "Open MPI (mpirun / prterun)"),
    ("SLURM_STEP_NUM_TASKS", "Slurm (srun)"),
)

MPI_INSTALL_HINT = (
    "pip install 'minitorch_cnn[distributed]' (mpi4py and the MPICH wheel); on a cluster, load the site's MPI "
    "(e.g. `module load openmpi`) and pip install mpi4py alone"
)


def launcher_world_size(environ=None):
    """(size, variable, launcher) from the first launcher variable that is set, or None without a launcher."""
    environ = os.environ if environ is None else environ
    for variable, launcher in LAUNCHER_SIZE_VARIABLES:
        value = environ.get(variable, "")
        if value.isdigit():
            return int(value), variable, launcher
    return None


def check_world_size(mpi_size, library_version, environ=None):
    """Raise when MPI's world size disagrees with the launcher's (a library built for another MPI)."""
    launched = launcher_world_size(environ)
    if launched is None or launched[0] == mpi_size:
        return
    size, variable, launcher = launched
    first_line = library_version.strip().splitlines()[0] if library_version.strip() else "unknown MPI library"
    raise RuntimeError(
        f"init_process_group: MPI reports a world of {mpi_size} process(es) but the launcher started {size} "
        f"({variable}={size}, set by {launcher}). mpi4py is using '{first_line}', which does not belong to this "
        f"launcher, so every process would train alone. Use the mpiexec that comes with the same MPI (the one "
        f"next to your Python: {os.path.join(os.path.dirname(sys.executable), 'mpiexec')}); "
        f"`python -m mpi4py --mpi-library` shows which library mpi4py loads, and MPI4PY_LIBMPI=/path/libmpi.so "
        f"chooses another."
    )


def threads_per_rank(my_cpus, local_cpu_sets):
    """Cores for this rank: its affinity mask's size over the number of local ranks whose mask overlaps it.

    ``my_cpus``: this rank's CPU set; ``local_cpu_sets``: the sets of every rank on this machine (itself
    included). Bound ranks (disjoint masks) keep all of their own cores; unbound ranks split the machine.
    """
    sharing = sum(1 for cpus in local_cpu_sets if cpus & my_cpus)
    return max(1, len(my_cpus) // max(1, sharing))


def cpu_set():
    """The cores this process may run on (all of them where the OS has no affinity masks)."""
    if hasattr(os, "sched_getaffinity"):
        return frozenset(os.sched_getaffinity(0))
    return frozenset(range(os.cpu_count() or 1))


def limit_threads(num_threads):
    """minitorch_cnn's own pool and the BLAS library's threads (``set_num_threads`` sets both)."""
    from .._threads import set_num_threads

    set_num_threads(num_threads)


# ---------------------------------------------------------------- abort on an uncaught exception
_previous_excepthook = None
ABORT_GRACE_S = 10.0


def abort_job(abort, code=1, exit=os._exit):
    """``abort(code)`` (MPI_Abort: the launcher ends every rank), and should that not return in time,
    ``exit`` this process anyway: a rank that ends without MPI_Finalize makes the launcher end the job."""
    timer = threading.Timer(ABORT_GRACE_S, exit, args=(code,))
    timer.daemon = True
    timer.start()
    try:
        abort(code)
    finally:
        timer.cancel()
        exit(code)


def install_abort_on_exception(rank, abort, exit=os._exit):
    """Replace ``sys.excepthook``: print the traceback with the rank, then ``abort()`` every process."""
    global _previous_excepthook
    if _previous_excepthook is not None:
        return
    _previous_excepthook = sys.excepthook

    def abort_on_exception(exc_type, exc, tb):
        message = "".join(traceback.format_exception(exc_type, exc, tb))
        sys.stderr.write(f"[rank {rank}] uncaught exception, aborting the whole job:\n{message}")
        sys.stderr.flush()
        sys.stdout.flush()
        abort_job(abort, 1, exit)

    sys.excepthook = abort_on_exception


def uninstall_abort_on_exception():
    global _previous_excepthook
    if _previous_excepthook is not None:
        sys.excepthook, _previous_excepthook = _previous_excepthook, None


# ---------------------------------------------------------------- watchdog
class Watchdog:
    """Aborts the job when a collective has been in flight for longer than ``timeout`` seconds.

    Each collective runs inside ``with watchdog.track(op_type, numel):`` (or, queued on a GPU stream, is
    followed with ``watch_event``); a daemon thread wakes a few times per time-out, and on expiry
    prints PyTorch's watchdog message and calls ``abort(1)``.
    """

    def __init__(self, rank, timeout, abort, backend_name="MPI", exit=os._exit):
        self.rank, self.timeout, self.abort, self.backend_name = rank, float(timeout), abort, backend_name
        self.exit = exit
        self._lock = threading.Lock()
        self._in_flight = {}  # sequence number -> (op_type, numel, start time)
        self._events = {}  # sequence number -> "has it finished?" for work queued on a GPU stream
        self._seq = 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="minitorch_cnn_watchdog", daemon=True)
        self._thread.start()

    def track(self, op_type, numel):
        return _Tracked(self, op_type, numel)

    def _begin(self, op_type, numel):
        with self._lock:
            self._seq += 1
            self._in_flight[self._seq] = (op_type, numel, time.monotonic())
            return self._seq

    def _end(self, seq):
        with self._lock:
            self._in_flight.pop(seq, None)

    def watch_event(self, op_type, numel, is_done):
        """Follow a collective running on a device until ``is_done()`` turns True."""
        seq = self._begin(op_type, numel)
        with self._lock:
            self._events[seq] = is_done

    def expired(self, now=None):
        """The first collective past its time-out as (seq, op_type, numel, elapsed seconds), or None."""
        now = time.monotonic() if now is None else now
        with self._lock:
            for seq in [seq for seq, is_done in self._events.items() if is_done()]:
                del self._events[seq]
                del self._in_flight[seq]
            for seq, (op_type, numel, start) in self._in_flight.items():
                if now - start > self.timeout:
                    return seq, op_type, numel, now - start
        return None

    def message(self, seq, op_type, numel, elapsed):
        return (f"[Rank {self.rank}] Watchdog caught collective operation timeout: Work{self.backend_name}("
                f"SeqNum={seq}, OpType={op_type}, NumelIn={numel}, NumelOut={numel}, "
                f"Timeout(ms)={int(self.timeout * 1000)}) ran for {int(elapsed * 1000)} milliseconds before timing "
                f"out. Another rank has crashed, hangs, or called a different collective; aborting the job.")

    def _watch(self):
        interval = min(1.0, max(0.05, self.timeout / 10))
        while not self._stopped.wait(interval):
            late = self.expired()
            if late is not None:
                sys.stderr.write(self.message(*late) + "\n")
                sys.stderr.flush()
                abort_job(self.abort, 1, self.exit)
                return

    def stop(self):
        self._stopped.set()


class _Tracked:
    __slots__ = ("watchdog", "op_type", "numel", "seq")

    def __init__(self, watchdog, op_type, numel):
        self.watchdog, self.op_type, self.numel = watchdog, op_type, numel

    def __enter__(self):
        self.seq = self.watchdog._begin(self.op_type, self.numel)
        return self

    def __exit__(self, *exc):
        self.watchdog._end(self.seq)
        return False
