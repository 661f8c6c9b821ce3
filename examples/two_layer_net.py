"""Lecture 8's two-layer network, trained with the three PyTorch abstractions: a DataLoader over a
TensorDataset, an ``nn.Sequential`` model with a loss Module, and an optimizer from ``optim``.

Written as in the lecture, with ``torch`` replaced by ``minitorch_cnn``. Two slips of the slides are
fixed: the ReLU is the Module ``nn.ReLU()`` (not ``nn.ReLU(x)``), and each step uses the mini-batch
``x_batch, y_batch`` from the loader (not the full ``x, y``). ``nn.MSELoss(size_average=False)`` is
kept as written: it is the legacy spelling of ``reduction='sum'`` and warns once.

    python examples/two_layer_net.py            # N=64, D_in=1000, H=100, D_out=10, 10 epochs
    python examples/two_layer_net.py --N 16 --D-in 20 --H 8 --D-out 3
"""
import argparse

import minitorch_cnn as mt
from minitorch_cnn import nn
from minitorch_cnn.utils.data import DataLoader, TensorDataset


def main(N=64, D_in=1000, H=100, D_out=10, epochs=10, batch_size=8, learning_rate=1e-4):
    """Train on random data; returns the summed loss of each epoch."""
    mt.manual_seed(0)
    x = mt.randn(N, D_in)
    y = mt.randn(N, D_out)
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size)

    model = nn.Sequential(
        nn.Linear(D_in, H),
        nn.ReLU(),
        nn.Linear(H, D_out),
    )
    loss_fn = nn.MSELoss(size_average=False)
    optimizer = mt.optim.SGD(model.parameters(), lr=learning_rate)

    epoch_losses = []
    for epoch in range(epochs):
        total = 0.0
        for x_batch, y_batch in loader:
            y_pred = model(x_batch)
            loss = loss_fn(y_pred, y_batch)

            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        epoch_losses.append(total)
        print(f"epoch {epoch + 1:2d}  loss {total:.4f}")
    return epoch_losses


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--N", type=int, default=64, help="number of samples")
    parser.add_argument("--D-in", type=int, default=1000, help="input dimension")
    parser.add_argument("--H", type=int, default=100, help="hidden dimension")
    parser.add_argument("--D-out", type=int, default=10, help="output dimension")
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    main(args.N, args.D_in, args.H, args.D_out, args.epochs)
