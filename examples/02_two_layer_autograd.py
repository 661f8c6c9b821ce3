"""Lecture 8, step 2: the same two-layer network, with autograd computing the gradients.

Compared with 01_two_layer_manual_grads.py, the weights get ``requires_grad=True``,
the hand-written backward pass becomes ``loss.backward()``, and the update runs
under ``mt.no_grad()`` (it must not become part of the graph), followed by
zeroing the gradients that backward accumulates.

    python examples/02_two_layer_autograd.py [--iterations 500] [--device cpu]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import minitorch_cnn as mt  # noqa: E402

N, D_in, H, D_out = 64, 1000, 100, 10  # batch size, input, hidden and output sizes
LEARNING_RATE = 1e-6


def main(iterations=500, device="cpu", log_every=100):
    """Train on random data; returns the loss of every iteration."""
    mt.manual_seed(0)
    x = mt.randn(N, D_in, device=device)
    y = mt.randn(N, D_out, device=device)
    w1 = mt.randn(D_in, H, device=device, requires_grad=True)
    w2 = mt.randn(H, D_out, device=device, requires_grad=True)
    losses = []
    for t in range(iterations):
        y_pred = x.mm(w1).clamp(min=0).mm(w2)   # forward records the graph
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        if log_every and t % log_every == 0:
            print(f"iteration {t:4d}  loss {losses[-1]:.6g}")

        loss.backward()                          # fills w1.grad and w2.grad

        with mt.no_grad():                       # the update itself is not differentiated
            w1 -= LEARNING_RATE * w1.grad
            w2 -= LEARNING_RATE * w2.grad
            w1.grad.zero_()                      # backward adds into .grad: reset for the next step
            w2.grad.zero_()
    print(f"final loss {losses[-1]:.6g} (started at {losses[0]:.6g})")
    return losses


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    main(args.iterations, args.device)
