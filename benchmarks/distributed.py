"""Data parallelism on this machine's CPUs: all-reduce bandwidth and a ResNet-20 epoch on 1 and 2 processes.

    python benchmarks/distributed.py [--steps 6] [--out benchmarks/results/distributed_cpu.md]

Starts its own jobs with the ``mpiexec`` next to this Python (``pip install mpi4py mpich``):

1. ``mt.distributed.all_reduce`` (SUM, in place) of float32 tensors from 4 KB to 16 MB on 2 ranks, next
   to mpi4py's bare ``Allreduce`` on the same buffer: a barrier before each call, the slowest rank's
   time per call, the median over the iterations. GB/s = bytes / time (for 2 ranks the bus bandwidth).
2. A ResNet-20 training step (float32, global batch 128, SGD with momentum) on one process with every
   core, and on 2 processes of batch 64 each under DDP with SyncBatchNorm, each rank's threads set by
   ``init_process_group`` from the cores it shares. Also 2 processes without gradient averaging (each
   its own model): the cost of the communication; and DDP with ``OMP_NUM_THREADS`` set to all the cores
   in every rank, the oversubscription that threads per rank avoid. The median step time after a
   warm-up step; an epoch of CIFAR-10 (50,000 images, 391 steps) is estimated as 391 median steps.
Writes a markdown table naming the machine, the versions and the date.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)
MPIEXEC = os.path.join(os.path.dirname(sys.executable), "mpiexec")
SIZES = [4 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20]
GLOBAL_BATCH, EPOCH_IMAGES = 128, 50000


# ---------------------------------------------------------------- workers (run inside the jobs)
def allreduce_worker():
    import numpy as np

    import minitorch_cnn as mt
    import minitorch_cnn.distributed as dist
    from mpi4py import MPI

    dist.init_process_group("mpi")
    comm, rows = MPI.COMM_WORLD, []
    for nbytes in SIZES:
        iterations = 200 if nbytes <= (256 << 10) else 40 if nbytes <= (4 << 20) else 15
        t = mt.ones(nbytes // 4)
        raw = np.ones(nbytes // 4, dtype=np.float32)
        ours, bare = [], []
        for _ in range(iterations + 3):
            comm.Barrier()
            start = time.perf_counter()
            dist.all_reduce(t)
            ours.append(time.perf_counter() - start)
            comm.Barrier()
            start = time.perf_counter()
            comm.Allreduce(MPI.IN_PLACE, raw, op=MPI.SUM)
            bare.append(time.perf_counter() - start)
        slowest = [comm.allreduce(v, op=MPI.MAX) for v in (*ours[3:], *bare[3:])]
        rows.append({"bytes": nbytes, "ours_s": statistics.median(slowest[:iterations]),
                     "bare_s": statistics.median(slowest[iterations:])})
    if dist.get_rank() == 0:
        print("RESULT " + json.dumps({"rows": rows, "mpi": " ".join(MPI.Get_library_version().split("\n")[0].split()),
                                      "threads": mt.get_num_threads()}), flush=True)
    dist.destroy_process_group()


def resnet_worker(steps, averaging):
    import minitorch_cnn as mt

    mt.tune_process()
    import minitorch_cnn.nn.functional as F
    from minitorch_cnn.utils.data_parallel import DataParallelRun

    run = DataParallelRun.from_launcher()
    mt.manual_seed(0)
    model = mt.models.resnet20()
    optimizer = mt.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    net = run.wrap(model) if averaging else model
    batch = run.local_batch_size(GLOBAL_BATCH)
    mt.manual_seed(1 + run.rank)
    x, y = mt.randn(batch, 3, 32, 32), mt.randint(0, 10, (batch,))
    times = []
    for _ in range(steps + 1):
        run.barrier()
        start = time.perf_counter()
        optimizer.zero_grad()
        F.cross_entropy(net(x), y).backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    slowest = [_max_over_ranks(run, t) for t in times[1:]]
    if run.is_main:
        print("RESULT " + json.dumps({"world": run.world_size, "threads": mt.get_num_threads(),
                                      "step_s": statistics.median(slowest), "steps": steps}), flush=True)
    run.close()


def _max_over_ranks(run, value):
    if not run.distributed:
        return value
    import minitorch_cnn.distributed as dist

    values = [None] * run.world_size
    dist.all_gather_object(values, value)
    return max(values)


# ---------------------------------------------------------------- the driver
def _launch(args, n, **env_vars):
    env = dict(os.environ, PYTHONPATH=ROOT, **env_vars)
    cmd = [sys.executable, os.path.abspath(__file__), *args]
    if n > 1:
        cmd = [MPIEXEC, "-n", str(n)] + cmd
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900, env=env)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"{' '.join(cmd)} failed (rc {out.returncode}):\n{out.stdout}")


def _machine():
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} cores visible, {platform.system()} {platform.release()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results", "distributed_cpu.md"))
    parser.add_argument("--worker", choices=["allreduce", "resnet", "resnet-local"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "allreduce":
        return allreduce_worker()
    if args.worker in ("resnet", "resnet-local"):
        return resnet_worker(args.steps, averaging=args.worker == "resnet")
    if not os.path.exists(MPIEXEC):
        sys.exit(f"no mpiexec next to {sys.executable}: pip install mpi4py mpich")

    import mpi4py
    import numpy as np

    bandwidth = _launch(["--worker", "allreduce"], 2)
    steps = str(args.steps)
    one = _launch(["--worker", "resnet", "--steps", steps], 1)
    two = _launch(["--worker", "resnet", "--steps", steps], 2)
    alone = _launch(["--worker", "resnet-local", "--steps", steps], 2)
    oversubscribed = _launch(["--worker", "resnet", "--steps", steps], 2, OMP_NUM_THREADS=str(os.cpu_count()))
    epoch_steps = -(-EPOCH_IMAGES // GLOBAL_BATCH)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Data parallelism on the CPU: all-reduce bandwidth and ResNet-20 scaling",
        "",
        f"Measured {now} by `python benchmarks/distributed.py --steps {args.steps}` on {_machine()}; "
        f"Python {platform.python_version()}, NumPy {np.__version__}, mpi4py {mpi4py.__version__}, "
        f"{bandwidth['mpi']}. The machine is shared (load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores when the run ended), so single runs are noisy; times are medians.",
        "",
        "## 1. `mt.distributed.all_reduce` (SUM, float32, 2 ranks)",
        "",
        "| bytes | mt.distributed.all_reduce | GB/s | mpi4py `Allreduce` | GB/s |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in bandwidth["rows"]:
        b = row["bytes"]
        lines.append(f"| {b:,} | {row['ours_s'] * 1e6:.1f} µs | {b / row['ours_s'] / 1e9:.2f} | "
                     f"{row['bare_s'] * 1e6:.1f} µs | {b / row['bare_s'] / 1e9:.2f} |")
    lines += [
        "",
        f"## 2. ResNet-20 training step, float32, global batch {GLOBAL_BATCH} ({args.steps} timed steps each)",
        "",
        "| run | threads per process | median step | images/s | CIFAR-10 epoch (391 steps, estimated) | speed-up |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, r in ((f"1 process x batch {GLOBAL_BATCH}", one),
                     (f"2 processes x batch {GLOBAL_BATCH // 2}, DDP + SyncBatchNorm", two),
                     (f"2 processes x batch {GLOBAL_BATCH // 2}, no gradient averaging (compute only)", alone),
                     (f"2 processes x batch {GLOBAL_BATCH // 2}, DDP, OMP_NUM_THREADS={os.cpu_count()} (every rank "
                      f"sized for the whole machine)", oversubscribed)):
        lines.append(f"| {label} | {r['threads']} | {r['step_s'] * 1000:.0f} ms | {GLOBAL_BATCH / r['step_s']:.0f} | "
                     f"{r['step_s'] * epoch_steps:.0f} s | {one['step_s'] / r['step_s']:.2f}x |")
    comm = two["step_s"] - alone["step_s"]
    lines += ["", f"Gradient averaging and SyncBatchNorm cost {comm * 1000:.0f} ms per step here "
                  f"({comm / two['step_s']:.0%} of the DDP step); the ranks' threads were set by "
                  f"`init_process_group` ({two['threads']} per rank on {os.cpu_count()} cores).", ""]
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
