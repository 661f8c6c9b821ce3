"""2 ranks x batch B with DDP (+ SyncBatchNorm) against 1 process x batch 2B: the same model after 5 steps.

Prints one line per check with the largest difference; exits non-zero when a check fails.
"""
import sys

import numpy as np

import minitorch_cnn as mt
import minitorch_cnn.distributed as dist
import minitorch_cnn.nn.functional as F
from minitorch_cnn import nn
from minitorch_cnn.nn.parallel import DistributedDataParallel as DDP
from minitorch_cnn.utils.data import DataLoader, DistributedSampler, TensorDataset

B, STEPS, TOL = 8, 5, 1e-10


def make_model(seed, batch_norm=True):
    mt.manual_seed(seed)
    layers = [nn.Conv2d(1, 4, 3)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(4))
    layers += [nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(36, 16), nn.ReLU(), nn.Linear(16, 10)]
    return nn.Sequential(*layers).double()


def dataset(world):
    rng = np.random.default_rng(0)
    n = B * world * STEPS
    return TensorDataset(mt.tensor(rng.standard_normal((n, 1, 8, 8))), mt.tensor(rng.integers(0, 10, n)))


def optimizer(model):
    return mt.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)


def train(model, loader, steps, micro_batches=1, ddp=None):
    opt = optimizer(model)
    for step, (x, y) in zip(range(steps), loader):
        opt.zero_grad()
        for k, (xs, ys) in enumerate(zip(x.chunk(micro_batches), y.chunk(micro_batches))):
            last = k == micro_batches - 1
            if ddp is not None and not last:
                with ddp.no_sync():
                    (F.cross_entropy(ddp(xs), ys) / micro_batches).backward()
            else:
                (F.cross_entropy((ddp or model)(xs), ys) / micro_batches).backward()
        opt.step()


def state(model):
    return {k.removeprefix("module."): v.numpy().copy() for k, v in model.state_dict().items()}


def max_diff(a, b):
    return max(float(np.max(np.abs(a[k].astype(np.float64) - b[k].astype(np.float64)))) for k in a)


def compare(name, ddp_state, reference_state, initial_state, failures):
    diff = max_diff(ddp_state, reference_state)
    floats = [k for k in initial_state if initial_state[k].dtype.kind == "f"]
    moved = max_diff({k: reference_state[k] for k in floats}, initial_state)
    replicas = [None] * dist.get_world_size()
    dist.all_gather_object(replicas, ddp_state)
    spread = max(max_diff(r, replicas[0]) for r in replicas)
    if dist.get_rank() == 0:
        print(f"{name}: max|ddp - single| = {diff:.3g}, max|replica - rank0| = {spread:.3g}, "
              f"max change over the run = {moved:.3g}", flush=True)
    if not (diff <= TOL and spread == 0.0 and moved > 1e-3):
        failures.append(name)


dist.init_process_group("mpi", timeout=120)
rank, world = dist.get_rank(), dist.get_world_size()
data = dataset(world)
failures = []

# 1. SyncBatchNorm: every rank starts from a different seed; DDP copies rank 0's weights
for label, convert in (("syncbn", True),):
    model = make_model(100 + rank)
    if convert:
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    ddp = DDP(model, bucket_cap_mb=0.001)  # ~1 KB buckets: several buckets, launched during backward
    assert len(ddp._buckets) >= 3, len(ddp._buckets)
    events = []  # buckets must start from the hooks, during backward, before the end-of-backward callback
    launch, finish = ddp._launch, ddp._finish_backward
    ddp._launch = lambda bucket: (events.append("launch"), launch(bucket))
    ddp._finish_backward = lambda: (events.append("finish"), finish())
    sampler = DistributedSampler(data, shuffle=True, seed=7)
    train(model, DataLoader(data, batch_size=B, sampler=sampler), STEPS, ddp=ddp)
    reference = make_model(100)
    initial = state(reference)
    one = DistributedSampler(data, num_replicas=1, rank=0, shuffle=True, seed=7)
    train(reference, DataLoader(data, batch_size=B * world, sampler=one), STEPS)
    launched_early = events[:events.index("finish")].count("launch")
    if launched_early < 1 or events.count("finish") != STEPS:
        failures.append(f"launch order {events}")
    compare(f"DDP + SyncBatchNorm, {world} x {B} vs 1 x {world * B}", state(model), state(reference), initial,
            failures)

# 2. gradient accumulation: two micro-batches per step, the first under no_sync()
model = make_model(200 + rank, batch_norm=False)
ddp = DDP(model, bucket_cap_mb=0.001)
train(model, DataLoader(data, batch_size=B, sampler=DistributedSampler(data, shuffle=True, seed=3)), STEPS,
      micro_batches=2, ddp=ddp)
reference = make_model(200, batch_norm=False)
initial = state(reference)
train(reference, DataLoader(data, batch_size=B * world,
                            sampler=DistributedSampler(data, num_replicas=1, rank=0, seed=3)), STEPS)
compare("DDP no_sync accumulation, 2 micro-batches", state(model), state(reference), initial, failures)

# 3. negative control: without DDP the ranks' models differ from the single-process one
model = make_model(100)
train(model, DataLoader(data, batch_size=B, sampler=DistributedSampler(data, shuffle=True, seed=7)), STEPS)
reference = make_model(100)
train(reference, DataLoader(data, batch_size=B * world,
                            sampler=DistributedSampler(data, num_replicas=1, rank=0, seed=7)), STEPS)
control = max_diff(state(model), state(reference))
if rank == 0:
    print(f"control without DDP: max|local - single| = {control:.3g}", flush=True)
if control < 1e-3:
    failures.append("control")

dist.destroy_process_group()
if failures:
    print(f"rank {rank} FAILED: {failures}", flush=True)
    sys.exit(1)
print(f"ddp_equivalence OK rank {rank}", flush=True)
