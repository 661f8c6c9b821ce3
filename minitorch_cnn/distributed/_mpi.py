"""The MPI process group: collectives on NumPy arrays through mpi4py's buffer (uppercase) methods.

Every call works in place on a C-contiguous array: MPI reads and writes the array's memory directly,
no pickling and no copies. Objects go through mpi4py's lowercase (pickling) methods.

Asynchronous collectives run on a communication thread: MPI's nonblocking calls (``Iallreduce``)
make no progress while the main thread computes, but a blocking call in another thread does, because
mpi4py releases the GIL inside MPI. That thread owns a duplicate of the communicator (``Dup``), so its
collectives never interleave with the main thread's on the same communicator.
"""
import queue
import threading

import numpy as np

from ._work import RedOpType, Work


class ProcessGroupMPI:
    """All ranks of an MPI communicator (``MPI.COMM_WORLD`` by default)."""

    backend_name = "mpi"

    def __init__(self, comm, MPI, watchdog=None):
        self.MPI = MPI
        self.comm = comm.Dup()  # (a library's own communicator: never mixed up with the user's mpi4py calls)
        self._rank, self._size = self.comm.Get_rank(), self.comm.Get_size()
        self.local_comm = self.comm.Split_type(MPI.COMM_TYPE_SHARED)  # the ranks on this machine
        self.watchdog = watchdog
        self._comm_thread = None
        self._ops = {RedOpType.SUM: MPI.SUM, RedOpType.AVG: MPI.SUM, RedOpType.PRODUCT: MPI.PROD,
                     RedOpType.MIN: MPI.MIN, RedOpType.MAX: MPI.MAX, RedOpType.BAND: MPI.BAND,
                     RedOpType.BOR: MPI.BOR, RedOpType.BXOR: MPI.BXOR}

    # ------------------------------------------------------------ identity
    def rank(self):
        return self._rank

    def size(self):
        return self._size

    def local_rank(self):
        return self.local_comm.Get_rank()

    def local_size(self):
        return self.local_comm.Get_size()

    def name(self):
        return "mpi"

    # ------------------------------------------------------------ collectives on arrays (in place)
    def _mpi_op(self, op):
        if op not in self._ops:
            raise ValueError(f"all_reduce: ReduceOp.{RedOpType(op).name} is not supported by the MPI backend")
        return self._ops[op]

    def _track(self, op_type, numel):
        return self.watchdog.track(op_type, numel) if self.watchdog is not None else _NoTracking()

    def _all_reduce_on(self, comm, array, op):
        """Reduce ``array`` over the ranks of ``comm`` in place; AVG is SUM divided by the world size."""
        with self._track("ALLREDUCE", array.size):
            comm.Allreduce(self.MPI.IN_PLACE, array, op=self._mpi_op(op))
        if op == RedOpType.AVG:
            _divide_in_place(array, self._size)

    def all_reduce(self, array, op=RedOpType.SUM):
        self._all_reduce_on(self.comm, array, op)

    def broadcast(self, array, src):
        with self._track("BROADCAST", array.size):
            self.comm.Bcast(array, root=src)

    def all_gather(self, out, array):
        """``out`` (world, *array.shape): row r receives rank r's ``array``."""
        with self._track("ALLGATHER", array.size):
            self.comm.Allgather(array, out)

    def reduce_scatter(self, out, stacked, op=RedOpType.SUM):
        """``stacked`` (world, *out.shape): rank r receives the reduction of every rank's row r."""
        with self._track("REDUCE_SCATTER", out.size):
            self.comm.Reduce_scatter_block(stacked, out, op=self._mpi_op(op))
        if op == RedOpType.AVG:
            _divide_in_place(out, self._size)

    def reduce(self, array, dst, op=RedOpType.SUM):
        with self._track("REDUCE", array.size):
            if self._rank == dst:
                self.comm.Reduce(self.MPI.IN_PLACE, array, op=self._mpi_op(op), root=dst)
            else:
                self.comm.Reduce(array, None, op=self._mpi_op(op), root=dst)
        if op == RedOpType.AVG and self._rank == dst:
            _divide_in_place(array, self._size)

    def barrier(self):
        with self._track("BARRIER", 0):
            self.comm.Barrier()

    # ------------------------------------------------------------ asynchronous all-reduce
    def all_reduce_async(self, array, op=RedOpType.SUM):
        """Start an in-place all-reduce on the communication thread; ``Work.wait()`` waits for it."""
        if self._comm_thread is None:
            self._comm_thread = _CommThread(self.comm.Dup())
        return self._comm_thread.submit(lambda comm: self._all_reduce_on(comm, array, op))

    # ------------------------------------------------------------ picklable objects
    def all_gather_object(self, obj):
        with self._track("ALLGATHER", 1):
            return self.comm.allgather(obj)

    def broadcast_object(self, obj, src):
        with self._track("BROADCAST", 1):
            return self.comm.bcast(obj, root=src)

    def gather_object(self, obj, dst):
        with self._track("GATHER", 1):
            return self.comm.gather(obj, root=dst)

    def scatter_object(self, objs, src):
        with self._track("SCATTER", 1):
            return self.comm.scatter(objs, root=src)

    # ------------------------------------------------------------ teardown
    def abort(self, code=1):
        self.MPI.COMM_WORLD.Abort(code)

    def shutdown(self):
        if self._comm_thread is not None:
            self._comm_thread.stop()
            self._comm_thread = None
        for comm in (self.local_comm, self.comm):
            comm.Free()


def _divide_in_place(array, n):
    """Average of a sum over n ranks; integers round toward negative infinity (floor), as NumPy's //."""
    if np.issubdtype(array.dtype, np.integer):
        array //= n
    else:
        array /= n


class _NoTracking:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class _CommThread:
    """One daemon thread running submitted collectives, in submission order, on its own communicator."""

    def __init__(self, comm):
        self.comm = comm
        self._jobs = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="minitorch_cnn_comm", daemon=True)
        self._thread.start()

    def submit(self, job):
        work = Work()
        self._jobs.put((job, work))
        return work

    def _run(self):
        while True:
            job, work = self._jobs.get()
            if job is None:
                break
            try:
                job(self.comm)
            except BaseException as e:  # handed to the thread that waits for this work
                work._finish(e)
            else:
                work._finish()
        self.comm.Free()

    def stop(self):
        self._jobs.put((None, None))
        self._thread.join()
