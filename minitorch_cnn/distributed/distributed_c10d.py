"""The default process group and the collectives on Tensors (``torch.distributed``'s functions).

One process per rank, all running the same script (SPMD), started by ``mpiexec -n N``. Every
collective must be called by every rank of the group, in the same order.

Tensor collectives work in place on the tensor's array (NumPy arrays through MPI, CuPy arrays through
NCCL); the object variants pickle Python objects.
"""
import datetime
import importlib.util
import os

import numpy as np

from .. import backend
from . import _launch
from ._work import RedOpType, ReduceOp, Work, as_red_op

NOT_INITIALIZED_MSG = ("Default process group has not been initialized, please make sure to call "
                       "init_process_group.")
default_pg_timeout = datetime.timedelta(minutes=30)


class _State:
    group = None  # the default process group (ProcessGroupMPI or ProcessGroupNCCL)
    watchdog = None


class group:
    """``dist.group.WORLD``: the default group once ``init_process_group`` has run (None before)."""

    WORLD = None


# ---------------------------------------------------------------- availability
def is_available():
    """True when mpi4py is installed (the MPI backend can be initialised); does not start MPI."""
    try:
        return importlib.util.find_spec("mpi4py") is not None
    except (ImportError, ValueError):  # an import blocked on purpose (sys.modules["mpi4py"] = None)
        return False


def is_mpi_available():
    return is_available()


def is_nccl_available():
    """True when CuPy sees a GPU and loads NCCL (``cupy.cuda.nccl.available``)."""
    if not backend.cupy_available():
        return False
    try:
        from cupy.cuda import nccl
    except ImportError:
        return False
    return bool(getattr(nccl, "available", True))


def is_initialized():
    return _State.group is not None


# ---------------------------------------------------------------- start and stop
def _import_mpi():
    """mpi4py's MPI module (this starts MPI: ``MPI_Init_thread`` with ``MPI_THREAD_MULTIPLE``)."""
    if not is_available():
        raise RuntimeError(f"init_process_group(backend='mpi') needs mpi4py and an MPI library: "
                           f"{_launch.MPI_INSTALL_HINT}")
    try:
        from mpi4py import MPI
    except RuntimeError as e:  # mpi4py is there but no libmpi could be loaded
        raise RuntimeError(f"init_process_group: mpi4py could not load an MPI library ({e}). "
                           f"{_launch.MPI_INSTALL_HINT}") from e
    return MPI


def _choose_backend(backend_name):
    if backend_name in (None, "auto"):
        return "nccl" if is_nccl_available() else "mpi"
    name = str(backend_name).lower()
    if name not in ("mpi", "nccl"):
        raise ValueError(f"init_process_group: backend must be 'mpi', 'nccl' or 'auto' (None), got "
                         f"{backend_name!r}; minitorch_cnn has no gloo, the MPI backend plays its role on CPUs")
    return name


def _timeout_seconds(timeout, fn):
    if timeout is None:
        return default_pg_timeout.total_seconds()
    seconds = timeout.total_seconds() if isinstance(timeout, datetime.timedelta) else float(timeout)
    if seconds <= 0:
        raise ValueError(f"{fn}: timeout must be positive, got {timeout!r}")
    return seconds


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Join the job's processes into the default group; every rank calls it once, first.

    backend: "mpi" (NumPy arrays, CPU), "nccl" (CuPy arrays, one GPU per rank; bootstrapped over MPI)
    or None/"auto" (NCCL when CuPy sees a GPU with NCCL, else MPI). Ranks and the world size come from
    the MPI launcher; ``world_size``/``rank``, when given, must agree with it. ``timeout`` (a timedelta
    or seconds, default 30 min): a collective that has not finished by then aborts the whole job.

    Also: an uncaught exception on any rank aborts the job (with ``world_size > 1``), and each rank's
    CPU threads are set from the cores it has (unless ``OMP_NUM_THREADS`` is set).
    """
    if _State.group is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if init_method not in (None, "mpi://", "env://"):
        raise ValueError(f"init_process_group: init_method {init_method!r} is not supported; MPI's launcher "
                         f"(mpiexec, srun) starts and connects the processes")
    name = _choose_backend(backend)
    seconds = _timeout_seconds(timeout, "init_process_group")
    MPI = _import_mpi()
    world = MPI.COMM_WORLD
    _launch.check_world_size(world.Get_size(), MPI.Get_library_version())
    for given, actual, what in ((world_size, world.Get_size(), "world_size"), (rank, world.Get_rank(), "rank")):
        if given not in (-1, None) and int(given) != actual:
            raise ValueError(f"init_process_group: {what}={given} but the MPI launcher gives {what}={actual}")

    from ._mpi import ProcessGroupMPI

    watchdog = _launch.Watchdog(world.Get_rank(), seconds, world.Abort, "MPI" if name == "mpi" else "NCCL")
    mpi_pg = ProcessGroupMPI(world, MPI, watchdog)
    try:
        pg = _nccl_group(mpi_pg, watchdog) if name == "nccl" else mpi_pg
    except BaseException:  # (no GPU, no NCCL): leave nothing running behind the error
        watchdog.stop()
        mpi_pg.shutdown()
        raise
    if "OMP_NUM_THREADS" not in os.environ:  # (an explicit setting is the user's choice)
        cpus = _launch.cpu_set()
        _launch.limit_threads(_launch.threads_per_rank(cpus, mpi_pg.local_comm.allgather(cpus)))
    if pg.size() > 1:
        _launch.install_abort_on_exception(pg.rank(), world.Abort)
    _State.group, _State.watchdog = pg, watchdog
    group.WORLD = pg


def _nccl_group(mpi_group, watchdog):
    from . import _nccl

    if not backend.cupy_available():
        raise RuntimeError(f"init_process_group(backend='nccl'): no CUDA GPU is visible. {_nccl.NCCL_INSTALL_HINT}")
    import cupy
    from cupy.cuda import nccl

    if not getattr(nccl, "available", True):
        raise RuntimeError(f"init_process_group(backend='nccl'): CuPy could not load NCCL. "
                           f"{_nccl.NCCL_INSTALL_HINT}")
    return _nccl.ProcessGroupNCCL(mpi_group, nccl, cupy, watchdog)


def destroy_process_group(group=None):
    """Leave the default group (waits for nothing: call ``barrier()`` first to line the ranks up)."""
    if _State.group is None:
        raise ValueError(NOT_INITIALIZED_MSG)
    pg, _State.group = _State.group, None
    globals()["group"].WORLD = None
    _State.watchdog.stop()
    _State.watchdog = None
    _launch.uninstall_abort_on_exception()
    pg.shutdown()


def _group(group, fn="collective"):
    if group is not None and not hasattr(group, "all_reduce"):
        raise TypeError(f"{fn}: group must be a process group (e.g. dist.group.WORLD) or None, got {group!r}")
    pg = group if group is not None else _State.group
    if pg is None:
        raise ValueError(NOT_INITIALIZED_MSG)
    return pg


def get_rank(group=None):
    return _group(group, "get_rank").rank()


def get_world_size(group=None):
    return _group(group, "get_world_size").size()


def get_local_rank(group=None):
    """This rank's index among the ranks on the same machine (selects its GPU)."""
    return _group(group, "get_local_rank").local_rank()


def get_node_local_rank(fallback_rank=None):
    """PyTorch's name for the local rank; ``fallback_rank`` when no group is initialised."""
    if _State.group is None:
        if fallback_rank is None:
            raise RuntimeError("get_node_local_rank: no process group is initialized and no fallback_rank given")
        return fallback_rank
    return get_local_rank()


def get_backend(group=None):
    return _group(group, "get_backend").name()


# ---------------------------------------------------------------- tensors <-> contiguous buffers
def _check_tensor(fn, name, tensor):
    from ..tensor import Tensor

    if not isinstance(tensor, Tensor):
        raise TypeError(f"{fn}: {name} must be a Tensor, got {type(tensor).__name__}")


def _is_gpu(array):
    return hasattr(array, "__cuda_array_interface__")


class _Buffer:
    """The array a collective reads and writes for ``tensor``: its own data when MPI or NCCL can use it
    directly, else a contiguous (and, for MPI, host) copy written back by ``done()``."""

    def __init__(self, tensor, pg):
        self.tensor = tensor
        data = tensor._data
        staged = _is_gpu(data) and pg.name() == "mpi"  # (the pip MPI wheels are not CUDA-aware)
        if staged:
            self.array = np.ascontiguousarray(backend.to_device(data, "cpu"))
        elif not data.flags.c_contiguous:
            self.array = backend.get_array_module(data).ascontiguousarray(data)
        else:
            self.array = data
        self.copied = self.array is not data

    def done(self):
        """Write the result into the tensor (when a copy was used) and count the in-place change."""
        if self.copied:
            data = self.tensor._data
            data[...] = backend.to_device(self.array, backend.device_of(data))
        self.tensor._bump()


def _finish(work_or_none, buffers, async_op):
    """Run the write-backs now (synchronous) or at ``wait()`` (``async_op=True``)."""
    def write_back():
        for b in buffers:
            b.done()

    if async_op:
        if work_or_none is None:
            return Work.completed(on_wait=write_back)
        return work_or_none.then(write_back)
    if work_or_none is not None:
        work_or_none.wait()
    write_back()
    return None


def _check_src(fn, src, pg, name="src"):
    if not isinstance(src, (int, np.integer)) or not 0 <= src < pg.size():
        raise ValueError(f"{fn}: {name}={src!r} is not a rank of the group (0 to {pg.size() - 1})")


# ---------------------------------------------------------------- collectives
def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Every rank's ``tensor`` becomes the reduction (SUM, AVG, MIN, ...) of all ranks' tensors, in place."""
    _check_tensor("all_reduce", "tensor", tensor)
    pg, op = _group(group, "all_reduce"), as_red_op(op, "all_reduce")
    buf = _Buffer(tensor, pg)
    if async_op and not buf.copied:
        return _finish(pg.all_reduce_async(buf.array, op), [buf], True)
    pg.all_reduce(buf.array, op)
    return _finish(None, [buf], async_op)


def broadcast(tensor, src=0, group=None, async_op=False, group_src=None):
    """Every rank's ``tensor`` becomes rank ``src``'s, in place."""
    _check_tensor("broadcast", "tensor", tensor)
    pg = _group(group, "broadcast")
    src = group_src if group_src is not None else src
    _check_src("broadcast", src, pg)
    buf = _Buffer(tensor, pg)
    pg.broadcast(buf.array, src)
    return _finish(None, [buf], async_op)


def reduce(tensor, dst=0, op=ReduceOp.SUM, group=None, async_op=False):
    """Rank ``dst``'s ``tensor`` becomes the reduction over all ranks; the others' are left as they were."""
    _check_tensor("reduce", "tensor", tensor)
    pg, op = _group(group, "reduce"), as_red_op(op, "reduce")
    _check_src("reduce", dst, pg, "dst")
    buf = _Buffer(tensor, pg)
    pg.reduce(buf.array, dst, op)
    return _finish(None, [buf] if pg.rank() == dst else [], async_op)


def _check_list(fn, name, tensors, like, pg):
    if not isinstance(tensors, (list, tuple)) or len(tensors) != pg.size():
        got = len(tensors) if isinstance(tensors, (list, tuple)) else type(tensors).__name__
        raise ValueError(f"{fn}: {name} must be a list of world_size={pg.size()} tensors, got {got}")
    for i, t in enumerate(tensors):
        _check_tensor(fn, f"{name}[{i}]", t)
        if tuple(t.shape) != tuple(like.shape) or t.dtype != like.dtype:
            raise ValueError(f"{fn}: {name}[{i}] has shape {list(t.shape)} and dtype {t.dtype}, expected shape "
                             f"{list(like.shape)} and dtype {like.dtype}")


def _stacked_like(like, pg):
    """A contiguous (world, *like.shape) array of like's dtype, on like's device (the collective's buffer)."""
    return backend.get_array_module(like).empty_like(like, shape=(pg.size(),) + tuple(like.shape))


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """``tensor_list[r]`` becomes rank r's ``tensor``, on every rank."""
    _check_tensor("all_gather", "tensor", tensor)
    pg = _group(group, "all_gather")
    _check_list("all_gather", "tensor_list", tensor_list, tensor, pg)
    buf = _Buffer(tensor, pg)
    gathered = _stacked_like(buf.array, pg)
    pg.all_gather(gathered, buf.array)
    for r, out in enumerate(tensor_list):
        out._data[...] = backend.to_device(gathered[r], out.device)
        out._bump()
    return Work.completed() if async_op else None


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """``output_tensor`` (world * n, ...) becomes the ranks' ``input_tensor`` (n, ...) concatenated."""
    _check_tensor("all_gather_into_tensor", "output_tensor", output_tensor)
    _check_tensor("all_gather_into_tensor", "input_tensor", input_tensor)
    pg = _group(group, "all_gather_into_tensor")
    if output_tensor.numel() != input_tensor.numel() * pg.size() or output_tensor.dtype != input_tensor.dtype:
        raise ValueError(f"all_gather_into_tensor: output_tensor of size {list(output_tensor.shape)} "
                         f"({output_tensor.dtype}) must hold world_size={pg.size()} times input_tensor of size "
                         f"{list(input_tensor.shape)} ({input_tensor.dtype})")
    src, out = _Buffer(input_tensor, pg), _Buffer(output_tensor, pg)
    pg.all_gather(out.array.reshape((pg.size(),) + tuple(src.array.shape)), src.array)
    return _finish(None, [out], async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Rank r's ``output`` becomes the reduction over all ranks of their ``input_list[r]``."""
    _check_tensor("reduce_scatter", "output", output)
    pg, op = _group(group, "reduce_scatter"), as_red_op(op, "reduce_scatter")
    _check_list("reduce_scatter", "input_list", input_list, output, pg)
    out = _Buffer(output, pg)
    stacked = _stacked_like(out.array, pg)
    for r, t in enumerate(input_list):
        stacked[r] = backend.to_device(t._data, backend.device_of(stacked))
    pg.reduce_scatter(out.array, stacked, op)
    return _finish(None, [out], async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """``input`` (world * n, ...) is split in world chunks; rank r's ``output`` gets chunk r reduced."""
    _check_tensor("reduce_scatter_tensor", "output", output)
    _check_tensor("reduce_scatter_tensor", "input", input)
    pg, op = _group(group, "reduce_scatter_tensor"), as_red_op(op, "reduce_scatter_tensor")
    if input.numel() != output.numel() * pg.size() or output.dtype != input.dtype:
        raise ValueError(f"reduce_scatter_tensor: input of size {list(input.shape)} ({input.dtype}) must hold "
                         f"world_size={pg.size()} times output of size {list(output.shape)} ({output.dtype})")
    out, src = _Buffer(output, pg), _Buffer(input, pg)
    pg.reduce_scatter(out.array, src.array.reshape((pg.size(),) + tuple(out.array.shape)), op)
    return _finish(None, [out], async_op)


def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    """Wait until every rank of the group has reached this call."""
    _group(group, "barrier").barrier()
    return Work.completed() if async_op else None


# ---------------------------------------------------------------- picklable objects
def all_gather_object(object_list, obj, group=None):
    """``object_list[r]`` becomes rank r's ``obj`` (pickled), on every rank."""
    pg = _group(group, "all_gather_object")
    if not isinstance(object_list, list) or len(object_list) != pg.size():
        raise ValueError(f"all_gather_object: object_list must be a list of world_size={pg.size()} entries")
    object_list[:] = pg.all_gather_object(obj)


def broadcast_object_list(object_list, src=0, group=None, device=None, group_src=None):
    """Every rank's ``object_list`` (same length everywhere) becomes rank ``src``'s, in place."""
    pg = _group(group, "broadcast_object_list")
    src = group_src if group_src is not None else src
    _check_src("broadcast_object_list", src, pg)
    received = pg.broadcast_object(list(object_list) if pg.rank() == src else None, src)
    if len(received) != len(object_list):
        raise ValueError(f"broadcast_object_list: rank {src} sent {len(received)} objects but rank {pg.rank()}'s "
                         f"object_list has {len(object_list)} entries")
    object_list[:] = received


def gather_object(obj, object_gather_list=None, dst=0, group=None):
    """Rank ``dst``'s ``object_gather_list`` (world_size entries) receives every rank's ``obj``."""
    pg = _group(group, "gather_object")
    _check_src("gather_object", dst, pg, "dst")
    if pg.rank() == dst and (not isinstance(object_gather_list, list) or len(object_gather_list) != pg.size()):
        raise ValueError(f"gather_object: on rank dst={dst}, object_gather_list must be a list of world_size="
                         f"{pg.size()} entries")
    gathered = pg.gather_object(obj, dst)
    if pg.rank() == dst:
        object_gather_list[:] = gathered


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=0, group=None):
    """Rank r's ``scatter_object_output_list[0]`` becomes rank ``src``'s ``scatter_object_input_list[r]``."""
    pg = _group(group, "scatter_object_list")
    _check_src("scatter_object_list", src, pg)
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError("scatter_object_list: Expected argument scatter_object_output_list to be a list of size "
                         "at least 1.")
    if pg.rank() == src and (not isinstance(scatter_object_input_list, list)
                             or len(scatter_object_input_list) != pg.size()):
        raise ValueError(f"scatter_object_list: on rank src={src}, scatter_object_input_list must be a list of "
                         f"world_size={pg.size()} entries")
    scatter_object_output_list[0] = pg.scatter_object(scatter_object_input_list if pg.rank() == src else None, src)


__all__ = ["ReduceOp", "RedOpType", "Work", "group", "is_available", "is_mpi_available", "is_nccl_available",
           "is_initialized", "init_process_group", "destroy_process_group", "get_rank", "get_world_size",
           "get_local_rank", "get_node_local_rank", "get_backend", "all_reduce", "broadcast", "reduce",
           "all_gather", "all_gather_into_tensor", "reduce_scatter", "reduce_scatter_tensor", "barrier",
           "all_gather_object", "broadcast_object_list", "gather_object", "scatter_object_list",
           "default_pg_timeout"]
