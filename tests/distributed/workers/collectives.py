"""Every collective on 2+ ranks, each result checked exactly on every rank."""
import os

import numpy as np

import minitorch_cnn as mt
import minitorch_cnn.distributed as dist

try:  # the launcher decides the world size; a different one given here is an error
    dist.init_process_group("mpi", world_size=99)
except ValueError as e:
    assert "init_process_group: world_size=99 but the MPI launcher gives world_size=" in str(e), e
else:
    raise AssertionError("world_size=99 accepted")
assert not dist.is_initialized()
dist.init_process_group("mpi", timeout=60)
try:
    dist.init_process_group("mpi")
except ValueError as e:
    assert str(e) == "trying to initialize the default process group twice!", e
else:
    raise AssertionError("a second init_process_group accepted")
rank, world = dist.get_rank(), dist.get_world_size()
ranks = np.arange(world)
assert dist.get_local_rank() == rank  # one machine: local ranks are the ranks
if "OMP_NUM_THREADS" not in os.environ:  # unbound ranks share the machine's cores
    assert mt.get_num_threads() == max(1, len(os.sched_getaffinity(0)) // world), mt.get_num_threads()


def values(r, dtype):
    """Rank r's input: distinct per rank and per element."""
    return (np.arange(6).reshape(2, 3) + 10 * r + 1).astype(dtype)


expected_by_op = {
    dist.ReduceOp.SUM: lambda d: sum(values(r, d) for r in ranks),
    dist.ReduceOp.PRODUCT: lambda d: np.prod([values(r, d) for r in ranks], axis=0),
    dist.ReduceOp.MIN: lambda d: np.min([values(r, d) for r in ranks], axis=0),
    dist.ReduceOp.MAX: lambda d: np.max([values(r, d) for r in ranks], axis=0),
}
for dtype in (np.float64, np.float32, np.int64):
    for op, expected in expected_by_op.items():
        t = mt.tensor(values(rank, dtype))
        assert dist.all_reduce(t, op=op) is None
        assert t.dtype == mt.tensor(values(0, dtype)).dtype
        np.testing.assert_array_equal(t.numpy(), expected(dtype))
t = mt.tensor(values(rank, np.float64))
dist.all_reduce(t, op=dist.ReduceOp.AVG)
np.testing.assert_array_equal(t.numpy(), sum(values(r, np.float64) for r in ranks) / world)

# a non-contiguous tensor (a transposed view) is reduced in place through a contiguous copy
base = mt.tensor(values(rank, np.float64))
view = base.t()
version = view._version[0]
dist.all_reduce(view)
np.testing.assert_array_equal(base.numpy(), sum(values(r, np.float64) for r in ranks))
assert view._version[0] == version + 1

# asynchronous all-reduce: done after wait()
t = mt.tensor(values(rank, np.float64))
work = dist.all_reduce(t, async_op=True)
assert work.wait() is True
np.testing.assert_array_equal(t.numpy(), sum(values(r, np.float64) for r in ranks))

for src in ranks:
    t = mt.tensor(values(rank, np.float32))
    dist.broadcast(t, src=int(src))
    np.testing.assert_array_equal(t.numpy(), values(src, np.float32))

gathered = [mt.zeros(2, 3, dtype=mt.int64) for _ in ranks]
dist.all_gather(gathered, mt.tensor(values(rank, np.int64)))
for r in ranks:
    np.testing.assert_array_equal(gathered[r].numpy(), values(r, np.int64))

out = mt.zeros(2 * world, 3, dtype=mt.float64)
dist.all_gather_into_tensor(out, mt.tensor(values(rank, np.float64)))
np.testing.assert_array_equal(out.numpy(), np.concatenate([values(r, np.float64) for r in ranks]))

# reduce_scatter: rank r gets the sum over ranks of their input_list[r]
inputs = [mt.tensor(values(rank, np.float64) * (j + 1)) for j in ranks]
out = mt.zeros(2, 3, dtype=mt.float64)
dist.reduce_scatter(out, inputs)
np.testing.assert_array_equal(out.numpy(), sum(values(r, np.float64) for r in ranks) * (rank + 1))

out = mt.zeros(2, 3, dtype=mt.float64)
dist.reduce_scatter_tensor(out, mt.tensor(np.concatenate([values(rank, np.float64) * (j + 1) for j in ranks])))
np.testing.assert_array_equal(out.numpy(), sum(values(r, np.float64) for r in ranks) * (rank + 1))

t = mt.tensor(values(rank, np.float64))
dist.reduce(t, dst=world - 1)
np.testing.assert_array_equal(t.numpy(), sum(values(r, np.float64) for r in ranks) if rank == world - 1
                              else values(rank, np.float64))

objects = [None] * world
dist.all_gather_object(objects, {"rank": rank, "name": f"r{rank}"})
assert objects == [{"rank": r, "name": f"r{r}"} for r in ranks]
objects = [f"from {rank}", rank] if rank == 1 else [None, None]
dist.broadcast_object_list(objects, src=1)
assert objects == ["from 1", 1]
gathered_objects = [None] * world if rank == 0 else None
dist.gather_object(("g", rank), gathered_objects, dst=0)
assert rank != 0 or gathered_objects == [("g", r) for r in ranks]
received = [None]
dist.scatter_object_list(received, [r * r for r in ranks] if rank == 0 else None, src=0)
assert received == [rank * rank]

# errors name the function and the argument
try:
    dist.all_gather([mt.zeros(2)], mt.zeros(2))
except ValueError as e:
    assert "all_gather: tensor_list must be a list of world_size=" in str(e), e
else:
    raise AssertionError("no error for a short tensor_list")
try:
    dist.broadcast(mt.zeros(1), src=world)
except ValueError as e:
    assert f"broadcast: src={world} is not a rank of the group" in str(e), e
else:
    raise AssertionError("no error for a bad src")

dist.barrier()
assert dist.is_initialized() and dist.get_backend() == "mpi"
dist.destroy_process_group()
assert not dist.is_initialized()
print(f"collectives OK rank {rank} of {world}", flush=True)
