"""The NCCL process group on a real GPU: a one-minute check for a machine with CuPy, NCCL and mpi4py.

    mpiexec -n 1 python benchmarks/gpu_nccl_check.py [OUT_DIR]     # or plain `python`, a world of 1

One rank per GPU (NCCL refuses two ranks on one GPU), so a one-GPU machine checks the single-rank
path: every collective on CuPy tensors through ``cupy.cuda.nccl`` (results, in place, stream order),
the asynchronous all-reduce with ``Work.wait()``, and a DDP step on CUDA against the same step without
DDP. Each check prints one line and goes into OUT_DIR/nccl_check.json; the exit code is the number
of failed checks.
"""
import json
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import numpy as np  # noqa: E402

import minitorch_cnn as mt  # noqa: E402
import minitorch_cnn.distributed as dist  # noqa: E402

results = []


def check(name):
    def run(fn):
        start = time.perf_counter()
        try:
            detail = fn()
            results.append({"check": name, "ok": True, "detail": detail, "s": time.perf_counter() - start})
        except Exception:
            results.append({"check": name, "ok": False, "detail": traceback.format_exc(), "s": 0.0})
        print(f"{'ok  ' if results[-1]['ok'] else 'FAIL'} {name}: {results[-1]['detail']}", flush=True)
    return run


@check("init_process_group(backend='nccl')")
def _init():
    dist.init_process_group("nccl", timeout=60)
    from cupy.cuda import nccl

    return {"backend": dist.get_backend(), "world": dist.get_world_size(), "device": dist.group.WORLD.device_id,
            "nccl_version": nccl.get_version(), "build_version": nccl.get_build_version()}


def gpu(values, dtype=mt.float32):
    return mt.tensor(values, dtype=dtype, device="cuda")


@check("collectives on CuPy tensors")
def _collectives():
    w = dist.get_world_size()
    t = gpu([1.0, 2.0, 3.0])
    ptr = t.data_ptr()
    dist.all_reduce(t)
    assert t.data_ptr() == ptr and t.cpu().tolist() == [w * 1.0, w * 2.0, w * 3.0]
    t = gpu([2.0, 4.0])
    dist.all_reduce(t, op=dist.ReduceOp.AVG)
    assert t.cpu().tolist() == [2.0, 4.0]
    t = gpu([5, 6], dtype=mt.int64)
    dist.broadcast(t, src=0)
    assert t.cpu().tolist() == [5, 6]
    out = [gpu([0.0, 0.0]) for _ in range(w)]
    dist.all_gather(out, gpu([7.0, 8.0]))
    assert all(o.cpu().tolist() == [7.0, 8.0] for o in out)
    o = gpu([0.0])
    dist.reduce_scatter(o, [gpu([float(r + 1)]) for r in range(w)])
    assert o.cpu().tolist() == [w * float(dist.get_rank() + 1)]
    dist.barrier()
    return "all_reduce SUM/AVG, broadcast, all_gather, reduce_scatter, barrier"


@check("async all_reduce on the side stream, then compute-stream work")
def _async():
    t = mt.ones(1 << 20, device="cuda")
    work = dist.all_reduce(t, async_op=True)
    work.wait()  # the current stream now waits for the NCCL stream
    total = float((t * 2).sum())  # a kernel queued after the wait sees the reduced values
    assert total == 2.0 * dist.get_world_size() * (1 << 20), total
    return {"sum": total}


@check("DDP step on CUDA equals the step without DDP")
def _ddp():
    from minitorch_cnn.nn.parallel import DistributedDataParallel as DDP

    def step(wrap):
        mt.manual_seed(0)
        model = mt.nn.Sequential(mt.nn.Conv2d(3, 8, 3), mt.nn.ReLU(), mt.nn.Flatten(),
                                 mt.nn.Linear(8 * 6 * 6, 10)).to("cuda")
        net = DDP(model, bucket_cap_mb=0.001) if wrap else model
        x, y = mt.randn(4, 3, 8, 8, device="cuda"), mt.randint(0, 10, (4,), device="cuda")
        mt.nn.functional.cross_entropy(net(x), y).backward()
        return [p.grad.cpu().numpy() for p in model.parameters()]

    plain, ddp = step(False), step(True)
    diff = max(float(np.max(np.abs(a - b))) for a, b in zip(plain, ddp))
    assert diff <= 1e-6 * dist.get_world_size(), diff
    return {"max_abs_diff": diff}


if dist.is_initialized():
    dist.destroy_process_group()
out_dir = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("OUT", ".")
os.makedirs(out_dir, exist_ok=True)
with open(os.path.join(out_dir, "nccl_check.json"), "w") as f:
    json.dump(results, f, indent=1, default=str)
sys.exit(sum(not r["ok"] for r in results))
