"""Lecture 8, step 1: a two-layer ReLU network trained with raw tensors and hand-written backprop.

The same program as the lecture's NumPy/PyTorch-tensor example: forward pass,
loss, then every gradient derived by hand with the chain rule. Nothing here
records a graph; the next example lets autograd do the backward pass.

    python examples/01_two_layer_manual_grads.py [--iterations 500] [--device cpu]
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
    w1 = mt.randn(D_in, H, device=device)
    w2 = mt.randn(H, D_out, device=device)
    losses = []
    for t in range(iterations):
        # forward: x -> h = x w1 -> relu -> y_pred = h_relu w2
        h = x.mm(w1)
        h_relu = h.clamp(min=0)
        y_pred = h_relu.mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        if log_every and t % log_every == 0:
            print(f"iteration {t:4d}  loss {losses[-1]:.6g}")

        # backward by hand, one chain-rule step per forward line, in reverse order
        grad_y_pred = 2.0 * (y_pred - y)           # d loss / d y_pred
        grad_w2 = h_relu.t().mm(grad_y_pred)       # y_pred = h_relu w2
        grad_h_relu = grad_y_pred.mm(w2.t())
        grad_h = grad_h_relu.clone()               # relu passes the gradient where h > 0
        grad_h[h < 0] = 0
        grad_w1 = x.t().mm(grad_h)                 # h = x w1

        w1 -= LEARNING_RATE * grad_w1
        w2 -= LEARNING_RATE * grad_w2
    print(f"final loss {losses[-1]:.6g} (started at {losses[0]:.6g})")
    return losses


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    main(args.iterations, args.device)
