"""The NCCL process group: collectives on CuPy arrays through ``cupy.cuda.nccl``, one rank per GPU.

NCCL runs each collective as a kernel on a CUDA stream, reading and writing GPU memory directly (no
host copies). MPI starts the processes and carries the one thing NCCL needs to connect them: rank 0's
128-byte unique id, broadcast to every rank before ``NcclCommunicator(world, uid, rank)``.

Ordering instead of waiting: a collective is queued on the current stream, so later kernels on that
stream see its result and the host never blocks. Asynchronous all-reduces (DDP's buckets) go on a
side stream that first waits for the compute stream's event, and ``Work.wait()`` makes the compute
stream wait for the side stream in turn: overlap without a Python thread.

Host (NumPy) arrays are handed to the MPI group that bootstrapped NCCL, as PyTorch does with
``backend="cpu:gloo,cuda:nccl"``.
"""
from ._work import RedOpType, Work

# numpy dtype name -> the NCCL constant's name in cupy.cuda.nccl
_NCCL_DTYPES = {"int8": "NCCL_INT8", "uint8": "NCCL_UINT8", "int32": "NCCL_INT32", "uint32": "NCCL_UINT32",
                "int64": "NCCL_INT64", "uint64": "NCCL_UINT64", "float16": "NCCL_FLOAT16",
                "float32": "NCCL_FLOAT32", "float64": "NCCL_FLOAT64", "bool": "NCCL_UINT8"}
_NCCL_OPS = {RedOpType.SUM: "NCCL_SUM", RedOpType.PRODUCT: "NCCL_PROD", RedOpType.MAX: "NCCL_MAX",
             RedOpType.MIN: "NCCL_MIN", RedOpType.AVG: "NCCL_AVG"}

NCCL_INSTALL_HINT = ("backend='nccl' needs CuPy with NCCL: pip install cupy-cuda12x 'nvidia-nccl-cu12>=2.16,<3' "
                     "(or cupy-cuda13x with nvidia-nccl-cu13); CUPY_DEBUG_LIBRARY_LOAD=1 shows where CuPy looks")


def is_device_array(array):
    """True for GPU arrays (CuPy's, or anything exporting the CUDA array interface)."""
    return hasattr(array, "__cuda_array_interface__")


def device_pointer(array):
    """The address of the array's first element in GPU memory."""
    return array.__cuda_array_interface__["data"][0]


class ProcessGroupNCCL:
    """NCCL over the ranks of ``mpi_group`` (a ProcessGroupMPI, which also serves host arrays and objects).

    ``nccl`` and ``cupy`` are the modules ``cupy.cuda.nccl`` and ``cupy`` (passed in so that tests can
    stand in a communicator that runs on the CPU).
    """

    backend_name = "nccl"

    def __init__(self, mpi_group, nccl, cupy, watchdog=None):
        self.mpi, self.nccl, self.cupy, self.watchdog = mpi_group, nccl, cupy, watchdog
        device_count = cupy.cuda.runtime.getDeviceCount()
        if device_count < 1:
            raise RuntimeError("init_process_group(backend='nccl'): no CUDA GPU is visible to CuPy")
        if mpi_group.local_size() > device_count:
            raise RuntimeError(
                f"init_process_group(backend='nccl'): {mpi_group.local_size()} ranks on this machine but only "
                f"{device_count} GPU(s); NCCL needs one GPU per rank (start at most {device_count} processes per "
                f"machine, or use backend='mpi')")
        self.device_id = mpi_group.local_rank() % device_count
        cupy.cuda.Device(self.device_id).use()
        uid = nccl.get_unique_id() if mpi_group.rank() == 0 else None
        uid = mpi_group.broadcast_object(uid, 0)
        self.comm = nccl.NcclCommunicator(mpi_group.size(), uid, mpi_group.rank())
        self.side_stream = cupy.cuda.Stream(non_blocking=True)

    # ------------------------------------------------------------ identity (the MPI group's)
    def rank(self):
        return self.mpi.rank()

    def size(self):
        return self.mpi.size()

    def local_rank(self):
        return self.mpi.local_rank()

    def local_size(self):
        return self.mpi.local_size()

    def name(self):
        return "nccl"

    # ------------------------------------------------------------ helpers
    def _dtype(self, array, fn):
        name = _NCCL_DTYPES.get(str(array.dtype))
        if name is None:
            raise TypeError(f"{fn}: NCCL has no type for {array.dtype}")
        return getattr(self.nccl, name)

    def _op(self, op, fn):
        if op not in _NCCL_OPS:
            raise ValueError(f"{fn}: ReduceOp.{RedOpType(op).name} is not supported by the NCCL backend")
        return getattr(self.nccl, _NCCL_OPS[op])

    def _stream(self):
        return self.cupy.cuda.get_current_stream()

    def _watch(self, op_type, numel, stream):
        """Let the watchdog follow the collective just queued on ``stream`` until its event completes."""
        if self.watchdog is None:
            return
        event = self.cupy.cuda.Event(block=False, disable_timing=True)
        event.record(stream)
        self.watchdog.watch_event(op_type, numel, lambda: event.done)

    # ------------------------------------------------------------ collectives (queued on the current stream)
    def all_reduce(self, array, op=RedOpType.SUM):
        if not is_device_array(array):
            return self.mpi.all_reduce(array, op)
        stream = self._stream()
        ptr = device_pointer(array)
        self.comm.allReduce(ptr, ptr, array.size, self._dtype(array, "all_reduce"), self._op(op, "all_reduce"),
                            stream.ptr)
        self._watch("ALLREDUCE", array.size, stream)

    def broadcast(self, array, src):
        if not is_device_array(array):
            return self.mpi.broadcast(array, src)
        stream = self._stream()
        self.comm.bcast(device_pointer(array), array.size, self._dtype(array, "broadcast"), src, stream.ptr)
        self._watch("BROADCAST", array.size, stream)

    def all_gather(self, out, array):
        if not is_device_array(array):
            return self.mpi.all_gather(out, array)
        stream = self._stream()
        self.comm.allGather(device_pointer(array), device_pointer(out), array.size,
                            self._dtype(array, "all_gather"), stream.ptr)
        self._watch("ALLGATHER", array.size, stream)

    def reduce_scatter(self, out, stacked, op=RedOpType.SUM):
        if not is_device_array(out):
            return self.mpi.reduce_scatter(out, stacked, op)
        stream = self._stream()
        self.comm.reduceScatter(device_pointer(stacked), device_pointer(out), out.size,
                                self._dtype(out, "reduce_scatter"), self._op(op, "reduce_scatter"), stream.ptr)
        self._watch("REDUCE_SCATTER", out.size, stream)

    def reduce(self, array, dst, op=RedOpType.SUM):
        if not is_device_array(array):
            return self.mpi.reduce(array, dst, op)
        stream = self._stream()
        ptr = device_pointer(array)
        self.comm.reduce(ptr, ptr, array.size, self._dtype(array, "reduce"), self._op(op, "reduce"), dst,
                         stream.ptr)
        self._watch("REDUCE", array.size, stream)

    def barrier(self):
        """A one-element all-reduce on the GPU, then the host waits for it (PyTorch's NCCL barrier)."""
        flag = self.cupy.zeros(1, dtype="float32")
        self.all_reduce(flag)
        self._stream().synchronize()

    def all_reduce_async(self, array, op=RedOpType.SUM):
        """Queue the all-reduce on the side stream after the compute stream's work so far.

        ``wait()`` makes the compute stream wait for it; the host does not block.
        """
        if not is_device_array(array):
            return self.mpi.all_reduce_async(array, op)
        compute = self._stream()
        ready = self.cupy.cuda.Event(block=False, disable_timing=True)
        ready.record(compute)
        self.side_stream.wait_event(ready)
        ptr = device_pointer(array)
        self.comm.allReduce(ptr, ptr, array.size, self._dtype(array, "all_reduce"), self._op(op, "all_reduce"),
                            self.side_stream.ptr)
        done = self.cupy.cuda.Event(block=False, disable_timing=True)
        done.record(self.side_stream)
        if self.watchdog is not None:
            self.watchdog.watch_event("ALLREDUCE", array.size, lambda: done.done)
        return Work.completed(on_wait=lambda: self._stream().wait_event(done))

    # ------------------------------------------------------------ objects go over MPI
    def all_gather_object(self, obj):
        return self.mpi.all_gather_object(obj)

    def broadcast_object(self, obj, src):
        return self.mpi.broadcast_object(obj, src)

    def gather_object(self, obj, dst):
        return self.mpi.gather_object(obj, dst)

    def scatter_object(self, objs, src):
        return self.mpi.scatter_object(objs, src)

    # ------------------------------------------------------------ teardown
    def abort(self, code=1):
        self.comm.abort()
        self.mpi.abort(code)

    def shutdown(self):
        self.side_stream.synchronize()
        self.comm.destroy()
        self.mpi.shutdown()
