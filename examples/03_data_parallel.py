"""Data parallelism: the same CNN trained by several processes at once, written as a PyTorch DDP script.

Every process runs this whole file. ``init_process_group`` connects them; the ``DistributedSampler``
gives each one a different slice of every epoch; ``DistributedDataParallel`` starts all replicas from
rank 0's weights and averages the gradients during ``loss.backward()``, so every process takes the
same optimizer step and the replicas stay identical. Only rank 0 prints.

    pip install "minitorch_cnn[distributed]"      # mpi4py and the MPICH wheel (brings mpiexec)
    mpiexec -n 2 python examples/03_data_parallel.py [--epochs 3]
    python examples/03_data_parallel.py            # one process: the same code, a world of 1

Replace ``import minitorch_cnn as torch`` by ``import torch`` and the script is a PyTorch one (there it
needs ``torchrun`` and the gloo backend instead of mpiexec).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import minitorch_cnn as torch  # noqa: E402
import minitorch_cnn.distributed as dist  # noqa: E402
import minitorch_cnn.nn.functional as F  # noqa: E402
from minitorch_cnn import nn  # noqa: E402
from minitorch_cnn.nn.parallel import DistributedDataParallel as DDP  # noqa: E402
from minitorch_cnn.utils.data import DataLoader, DistributedSampler, TensorDataset  # noqa: E402


def make_data(n=512):
    """Images (n, 1, 8, 8) whose class (0-3) is the brightest quadrant: learnable in a few epochs."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 1, 8, 8, generator=g) * 0.5
    y = torch.randint(0, 4, (n,), generator=g)
    for k in range(4):
        r, c = divmod(k, 2)
        x[y == k, :, 4 * r:4 * r + 4, 4 * c:4 * c + 4] += 1.0
    return TensorDataset(x, y)


def main(epochs=3, batch_size=32, log=True):
    """Train; returns the (global) mean training loss of every epoch, the same on every rank."""
    dist.init_process_group()
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(8 * 4 * 4, 4))
    model = nn.SyncBatchNorm.convert_sync_batchnorm(model)  # batch statistics over all processes' samples
    ddp_model = DDP(model)
    optimizer = torch.optim.SGD(ddp_model.parameters(), lr=0.1, momentum=0.9)
    data = make_data()
    sampler = DistributedSampler(data, shuffle=True, seed=0)
    loader = DataLoader(data, batch_size=batch_size, sampler=sampler)  # batch_size per process
    losses = []
    for epoch in range(epochs):
        sampler.set_epoch(epoch)  # a new shuffle each epoch, the same one on every process
        total = torch.zeros(2, dtype=torch.float64)  # (sum of losses, samples) on this process
        for images, labels in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(ddp_model(images), labels)
            loss.backward()  # the gradients are averaged over the processes here
            optimizer.step()
            total += torch.tensor([loss.item() * len(labels), len(labels)], dtype=torch.float64)
        dist.all_reduce(total)  # sums over all processes
        losses.append(float(total[0] / total[1]))
        if log and rank == 0:
            print(f"epoch {epoch + 1}: loss {losses[-1]:.4f} over {int(total[1])} samples on {world} process(es)")
    dist.destroy_process_group()
    return losses


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    main(parser.parse_args().epochs)
