"""The NCCL process group against a stand-in communicator on the CPU: 2 ranks as 2 threads.

The stand-in reads and writes the memory behind the pointers it is given, with the dtype its NCCL
code names, so these tests check the pointers, element counts, dtype and op codes, roots and streams
that ProcessGroupNCCL passes, and the results of each collective through the public API.
"""
import ctypes
import threading
import types

import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.distributed as dist
from minitorch_cnn.distributed._nccl import ProcessGroupNCCL
from minitorch_cnn.tensor import Tensor

CODES = {"NCCL_INT8": 0, "NCCL_UINT8": 1, "NCCL_INT32": 2, "NCCL_UINT32": 3, "NCCL_INT64": 4, "NCCL_UINT64": 5,
         "NCCL_FLOAT16": 6, "NCCL_FLOAT32": 7, "NCCL_FLOAT64": 8, "NCCL_SUM": 0, "NCCL_PROD": 1, "NCCL_MAX": 2,
         "NCCL_MIN": 3, "NCCL_AVG": 4}
DTYPE_OF_CODE = {0: np.int8, 1: np.uint8, 2: np.int32, 3: np.uint32, 4: np.int64, 5: np.uint64, 6: np.float16,
                 7: np.float32, 8: np.float64}
REDUCE = {0: np.sum, 1: np.prod, 2: np.max, 3: np.min, 4: np.mean}


class DeviceArray(np.ndarray):
    """A NumPy array posing as GPU memory (it exports the CUDA array interface)."""

    @property
    def __cuda_array_interface__(self):
        return {"data": (self.ctypes.data, False), "shape": self.shape, "typestr": self.dtype.str, "version": 3}


def device(a):
    return np.ascontiguousarray(a).view(DeviceArray)


def memory(ptr, count, code):
    dtype = np.dtype(DTYPE_OF_CODE[code])
    return np.frombuffer((ctypes.c_char * (count * dtype.itemsize)).from_address(ptr), dtype=dtype)


class World:
    """What the ranks' threads share: a barrier and one slot per rank."""

    def __init__(self, n):
        self.n, self.barrier, self.slots = n, threading.Barrier(n, timeout=20), [None] * n
        self.calls = []

    def exchange(self, rank, value):
        self.slots[rank] = value
        self.barrier.wait()
        everyone = list(self.slots)
        self.barrier.wait()
        return everyone


class FakeCommunicator:
    def __init__(self, world, n, uid, rank):
        assert n == world.n and uid == b"unique-id-of-rank-0"
        self.world, self.rank = world, rank

    def _log(self, *call):
        self.world.calls.append((self.rank, *call))

    def allReduce(self, send, recv, count, dtype, op, stream):
        self._log("allReduce", count, dtype, op, stream)
        parts = self.world.exchange(self.rank, memory(send, count, dtype).copy())
        memory(recv, count, dtype)[:] = REDUCE[op](np.stack(parts), axis=0)

    def bcast(self, buff, count, dtype, root, stream):
        self._log("bcast", count, dtype, root, stream)
        parts = self.world.exchange(self.rank, memory(buff, count, dtype).copy())
        memory(buff, count, dtype)[:] = parts[root]

    def allGather(self, send, recv, count, dtype, stream):
        self._log("allGather", count, dtype, stream)
        parts = self.world.exchange(self.rank, memory(send, count, dtype).copy())
        memory(recv, count * self.world.n, dtype)[:] = np.concatenate(parts)

    def reduceScatter(self, send, recv, recvcount, dtype, op, stream):
        self._log("reduceScatter", recvcount, dtype, op, stream)
        parts = self.world.exchange(self.rank, memory(send, recvcount * self.world.n, dtype).copy())
        total = REDUCE[op](np.stack(parts), axis=0)
        memory(recv, recvcount, dtype)[:] = total[self.rank * recvcount:(self.rank + 1) * recvcount]

    def reduce(self, send, recv, count, dtype, op, root, stream):
        self._log("reduce", count, dtype, op, root, stream)
        parts = self.world.exchange(self.rank, memory(send, count, dtype).copy())
        if self.rank == root:
            memory(recv, count, dtype)[:] = REDUCE[op](np.stack(parts), axis=0)

    def abort(self):
        pass

    def destroy(self):
        pass


class Stream:
    def __init__(self, ptr):
        self.ptr, self.waited = ptr, []

    def synchronize(self):
        pass

    def wait_event(self, event):
        self.waited.append(event)


class Event:
    def __init__(self, block=False, disable_timing=True):
        self.recorded_on, self.done = None, True

    def record(self, stream):
        self.recorded_on = stream


def fake_cupy(rank):
    compute = Stream(ptr=1000 + rank)
    used = []
    cuda = types.SimpleNamespace(
        runtime=types.SimpleNamespace(getDeviceCount=lambda: 2),
        Device=lambda i: types.SimpleNamespace(use=lambda: used.append(i)),
        get_current_stream=lambda: compute, Stream=lambda non_blocking: Stream(ptr=2000 + rank), Event=Event)
    return types.SimpleNamespace(cuda=cuda, zeros=lambda n, dtype: device(np.zeros(n, dtype))), compute, used


class BootstrapGroup:
    """The MPI group NCCL is bootstrapped over, for 2 threads."""

    def __init__(self, world, rank):
        self.world, self._rank = world, rank

    def rank(self):
        return self._rank

    def size(self):
        return self.world.n

    def local_rank(self):
        return self._rank

    def local_size(self):
        return self.world.n

    def broadcast_object(self, obj, src):
        return self.world.exchange(self._rank, obj)[src]

    def all_reduce(self, array, op):
        array[...] = np.sum(self.world.exchange(self._rank, array.copy()), axis=0)

    def shutdown(self):
        pass


def run_ranks(body, n=2):
    """``body(rank, group, compute_stream, devices_used)`` in n threads; returns their results."""
    world = World(n)
    nccl = types.SimpleNamespace(get_unique_id=lambda: b"unique-id-of-rank-0",
                                 NcclCommunicator=lambda size, uid, rank: FakeCommunicator(world, size, uid, rank),
                                 **CODES)
    results, errors = [None] * n, []

    def rank_main(rank):
        try:
            cupy, compute, used = fake_cupy(rank)
            pg = ProcessGroupNCCL(BootstrapGroup(world, rank), nccl, cupy)
            results[rank] = body(rank, pg, compute, used)
        except BaseException as e:  # reported by the test's thread
            errors.append(e)
            world.barrier.abort()

    threads = [threading.Thread(target=rank_main, args=(r,)) for r in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    if errors:
        raise errors[0]
    return results, world


def tensor(a):
    return Tensor._from_op(device(a), None)


def values(rank, dtype):
    return (np.arange(6).reshape(2, 3) + 10 * rank + 1).astype(dtype)


@pytest.mark.parametrize("dtype, code", [(np.float32, 7), (np.float64, 8), (np.int64, 4), (np.float16, 6)])
def test_all_reduce_sums_in_place_with_the_dtype_code_and_current_stream(dtype, code):
    def body(rank, pg, compute, used):
        t = tensor(values(rank, dtype))
        ptr = t._data.ctypes.data
        dist.all_reduce(t, group=pg)
        assert t._data.ctypes.data == ptr  # in place
        return np.asarray(t._data), used

    (r0, used0), (r1, used1), = (r for r in run_ranks(body)[0])
    expected = values(0, dtype) + values(1, dtype)
    np.testing.assert_array_equal(r0, expected)
    np.testing.assert_array_equal(r1, expected)
    assert used0 == [0] and used1 == [1]  # one GPU per local rank


def test_ops_broadcast_gather_scatter_reduce():
    def body(rank, pg, compute, used):
        out = {}
        for op in (dist.ReduceOp.MAX, dist.ReduceOp.MIN, dist.ReduceOp.PRODUCT, dist.ReduceOp.AVG):
            t = tensor(values(rank, np.float64))
            dist.all_reduce(t, op=op, group=pg)
            out[op] = np.asarray(t._data)
        t = tensor(values(rank, np.float32))
        dist.broadcast(t, src=1, group=pg)
        out["bcast"] = np.asarray(t._data)
        lst = [tensor(np.zeros((2, 3), np.int32)) for _ in range(2)]
        dist.all_gather(lst, tensor(values(rank, np.int32)), group=pg)
        out["gather"] = [np.asarray(x._data) for x in lst]
        o = tensor(np.zeros((2, 3), np.float64))
        dist.reduce_scatter(o, [tensor(values(rank, np.float64) * (j + 1)) for j in range(2)], group=pg)
        out["rs"] = np.asarray(o._data)
        t = tensor(values(rank, np.float64))
        dist.reduce(t, dst=0, group=pg)
        out["reduce"] = np.asarray(t._data)
        return out

    results, world = run_ranks(body)
    a, b = values(0, np.float64), values(1, np.float64)
    for rank, out in enumerate(results):
        np.testing.assert_array_equal(out[dist.ReduceOp.MAX], np.maximum(a, b))
        np.testing.assert_array_equal(out[dist.ReduceOp.MIN], np.minimum(a, b))
        np.testing.assert_array_equal(out[dist.ReduceOp.PRODUCT], a * b)
        np.testing.assert_array_equal(out[dist.ReduceOp.AVG], (a + b) / 2)
        np.testing.assert_array_equal(out["bcast"], values(1, np.float32))
        for r in range(2):
            np.testing.assert_array_equal(out["gather"][r], values(r, np.int32))
        np.testing.assert_array_equal(out["rs"], (a + b) * (rank + 1))
        np.testing.assert_array_equal(out["reduce"], a + b if rank == 0 else values(rank, np.float64))
    ops = {call[4] for call in world.calls if call[1] == "allReduce"}
    assert ops == {1, 2, 3, 4}  # NCCL's PROD=1, MAX=2, MIN=3, AVG=4
    assert {call[4] for call in world.calls if call[1] == "reduceScatter"} == {0}  # SUM
    assert {call[4] for call in world.calls if call[1] == "bcast"} == {1}


def test_async_all_reduce_runs_on_the_side_stream_and_wait_orders_the_compute_stream():
    def body(rank, pg, compute, used):
        t = tensor(values(rank, np.float32))
        work = dist.all_reduce(t, group=pg, async_op=True)
        waited_before = len(compute.waited)
        work.wait()
        return np.asarray(t._data), waited_before, len(compute.waited), compute.ptr

    results, world = run_ranks(body)
    for rank, (value, before, after, compute_ptr) in enumerate(results):
        np.testing.assert_array_equal(value, values(0, np.float32) + values(1, np.float32))
        assert (before, after) == (0, 1)
    streams = {call[0]: call[5] for call in world.calls if call[1] == "allReduce"}
    assert streams == {0: 2000, 1: 2001}  # the side streams, not the compute streams 1000/1001


def test_unsupported_dtype_and_op_name_the_function():
    def body(rank, pg, compute, used):
        with pytest.raises(TypeError, match="all_reduce: NCCL has no type for complex128"):
            pg.all_reduce(device(np.zeros(2, np.complex128)))
        with pytest.raises(ValueError, match="all_reduce: ReduceOp.BXOR is not supported by the NCCL backend"):
            pg.all_reduce(device(np.zeros(2, np.int32)), dist.ReduceOp.BXOR)
        return True

    assert run_ranks(body)[0] == [True, True]


def test_host_arrays_go_to_the_bootstrap_group():
    def body(rank, pg, compute, used):
        t = mt.tensor(values(rank, np.float64))  # a NumPy array: not NCCL's
        dist.all_reduce(t, group=pg)
        return t.numpy()

    results, world = run_ranks(body)
    assert world.calls == []
    for value in results:
        np.testing.assert_array_equal(value, values(0, np.float64) + values(1, np.float64))


def test_more_ranks_than_gpus_is_refused():
    world = World(3)
    cupy, _, _ = fake_cupy(0)
    with pytest.raises(RuntimeError, match="3 ranks on this machine but only 2 GPU"):
        ProcessGroupNCCL(BootstrapGroup(world, 0), types.SimpleNamespace(**CODES), cupy)
