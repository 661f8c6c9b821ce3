"""DDP details on 2 ranks, each compared with gradients averaged by hand: unused parameters, a shared
(twice used) layer, gradients as bucket views, buffer broadcasting, mismatched models."""
import sys

import numpy as np

import minitorch_cnn as mt
import minitorch_cnn.distributed as dist
import minitorch_cnn.nn.functional as F
from minitorch_cnn import nn
from minitorch_cnn.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("mpi", timeout=60)
rank, world = dist.get_rank(), dist.get_world_size()
failures = []


def check(name, ok):
    if not ok:
        failures.append(name)


class TwoHeads(nn.Module):
    """``head_b`` is used only when asked; ``shared`` runs twice (its gradient has two contributions)."""

    def __init__(self):
        super().__init__()
        self.shared = nn.Linear(4, 4)
        self.head_a = nn.Linear(4, 2)
        self.head_b = nn.Linear(4, 2)

    def forward(self, x, use_b=False):
        h = self.shared(F.relu(self.shared(x)))
        return self.head_b(h) if use_b else self.head_a(h)


def hand_averaged_grads(model, x, use_b):
    """Each parameter's gradient, summed over ranks by hand and divided by world (None where unused)."""
    model.zero_grad()
    model(x, use_b).pow(2).mean().backward()
    grads = {}
    for name, p in model.named_parameters():
        g = mt.zeros_like(p) if p.grad is None else p.grad.clone()
        used = mt.tensor([0 if p.grad is None else 1])
        dist.all_reduce(g)
        dist.all_reduce(used)
        grads[name] = (g / world).numpy() if int(used) else None
    model.zero_grad()
    return grads


mt.manual_seed(rank)
x = mt.randn(3, 4, dtype=mt.float64)

# 1. unused parameters: head_b is unused on every rank, or (second case) only on rank 0
for label, use_b in (("unused everywhere", False), ("unused on rank 0 only", rank == 1)):
    mt.manual_seed(5)
    model = TwoHeads().double()
    ddp = DDP(model, find_unused_parameters=True, bucket_cap_mb=0.0001, gradient_as_bucket_view=True)
    expected = hand_averaged_grads(model, x, use_b)
    ddp(x, use_b).pow(2).mean().backward()
    for name, p in model.named_parameters():
        if expected[name] is None:
            check(f"{label}: {name} should have no grad", p.grad is None)
        else:
            diff = float(np.max(np.abs(p.grad.numpy() - expected[name])))
            check(f"{label}: {name} differs by {diff}", diff <= 1e-14)
    if rank == 0:
        print(f"{label}: ok={not failures}", flush=True)

# 2. without find_unused_parameters an unused parameter is an error, on every rank
mt.manual_seed(5)
ddp = DDP(TwoHeads().double())
try:
    ddp(x).pow(2).mean().backward()
except RuntimeError as e:
    check(f"error message {e}", "Expected to have finished reduction in the prior iteration" in str(e)
          and "head_b.weight, head_b.bias" in str(e) and "find_unused_parameters=True" in str(e))
else:
    check("no error for an unused parameter", False)

# 3. broadcast_buffers: rank 0's running statistics reach every rank before each training forward
for broadcast in (True, False):
    mt.manual_seed(rank)  # different initial weights and buffers on each rank
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3)).double()
    model[1].running_mean.fill_(float(rank + 1))
    ddp = DDP(model, broadcast_buffers=broadcast)
    check("buffers copied from rank 0 at construction", float(model[1].running_mean.sum()) == 3.0)
    model[1].running_mean.fill_(float(rank + 7))
    with mt.no_grad():
        batch_mean = model[0](x).mean(0).numpy()
    ddp(x)
    start = 7.0 if broadcast else rank + 7.0
    diff = float(np.max(np.abs(model[1].running_mean.numpy() - (0.9 * start + 0.1 * batch_mean))))
    check(f"broadcast_buffers={broadcast}: running_mean off by {diff}", diff <= 1e-14)

# 4. mismatched models are refused at construction
try:
    DDP(nn.Linear(4, 3 + rank).double())
except RuntimeError as e:
    check(f"mismatch message {e}", "wrap different models" in str(e))
else:
    check("no error for different models", False)

dist.destroy_process_group()
if failures:
    print(f"rank {rank} FAILED: {failures}", flush=True)
    sys.exit(1)
print(f"ddp_features OK rank {rank}", flush=True)
