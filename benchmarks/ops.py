"""Time the CNN ops forward + backward next to PyTorch CPU, in the same process, and write a table.

    python benchmarks/ops.py [--repeats 15]

Each row runs ours and PyTorch's alternately and reports the best time of
each and their ratio (ours / torch; goal <= 1.5). Absolute times on a shared
machine are noisy; the ratio, measured side by side, is the number to read.
Prints the markdown table; ``--out FILE`` also writes it (the tracked tables in benchmarks/results/
are rewritten only when asked).
"""
import argparse
import os
import platform
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import minitorch_cnn as mt  # noqa: E402

mt.tune_process()  # as `python -m minitorch_cnn` does: OpenBLAS workers sleep when idle, malloc keeps freed memory
import numpy as np  # noqa: E402
import minitorch_cnn.nn.functional as F  # noqa: E402
from minitorch_cnn.cli.bench import SETTLE_S, time_alternating  # noqa: E402

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the table then has our times only
    torch = TF = None


SETTLE_SECONDS = SETTLE_S  # the pause before each timed run, shared with the bench command


def tensors(lib, arrays, grad):
    """The same float32 arrays as leaf tensors of ``lib`` (mt or torch)."""
    if lib is mt:
        return [mt.tensor(a, requires_grad=g) for a, g in zip(arrays, grad)]
    return [torch.tensor(a, requires_grad=g) for a, g in zip(arrays, grad)]


def op_case(name, shapes, ours, theirs, grad=None):
    """A forward+backward step of one op: out = f(*inputs); out.backward(v)."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grad = grad or [True] * len(arrays)

    def make(lib, fn):
        inputs = tensors(lib, arrays, grad)
        out_shape = tuple(fn(*inputs).shape)
        v = rng.standard_normal(out_shape).astype(np.float32)
        v = mt.tensor(v) if lib is mt else torch.tensor(v)

        def step():
            for t in inputs:
                t.grad = None
            fn(*inputs).backward(v)
        return step

    return name, make(mt, ours), (make(torch, theirs) if torch else None)


def lenet_case(batch=64):
    """One LeNet-5 training step: forward, cross-entropy, backward, SGD update, built from F functions."""
    rng = np.random.default_rng(0)
    shapes = [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 400), (120,), (84, 120), (84,), (10, 84), (10,)]
    params = [(rng.standard_normal(s) * 0.1).astype(np.float32) for s in shapes]
    x = rng.standard_normal((batch, 1, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, batch)

    def make(lib, f, lr=0.01):
        p = tensors(lib, params, [True] * len(params))
        xs = tensors(lib, [x], [False])[0]
        ys = mt.tensor(y) if lib is mt else torch.tensor(y)

        def step():
            h = f.max_pool2d(f.relu(f.conv2d(xs, p[0], p[1])), 2)
            h = f.max_pool2d(f.relu(f.conv2d(h, p[2], p[3])), 2)
            h = h.reshape(batch, -1)
            h = f.relu(f.linear(h, p[4], p[5]))
            h = f.relu(f.linear(h, p[6], p[7]))
            loss = f.cross_entropy(f.linear(h, p[8], p[9]), ys)
            for t in p:
                t.grad = None
            loss.backward()
            for t in p:  # plain SGD on the raw arrays
                t.data -= lr * t.grad.data
        return step

    return f"LeNet-5 training step, batch {batch}", make(mt, F), (make(torch, TF) if torch else None)


def cases():
    x = (32, 64, 32, 32)
    bn_args = lambda lib: (lib.zeros(64), lib.ones(64))  # noqa: E731
    rm_ours, rm_torch = bn_args(mt), bn_args(torch) if torch else None
    return [
        op_case("conv2d 3x3 64->64, 32x32, batch 32", [x, (64, 64, 3, 3), (64,)],
                lambda a, w, b: F.conv2d(a, w, b, padding=1), lambda a, w, b: TF.conv2d(a, w, b, padding=1)),
        op_case("conv2d 1x1 64->128, 32x32, batch 32", [x, (128, 64, 1, 1), (128,)],
                lambda a, w, b: F.conv2d(a, w, b), lambda a, w, b: TF.conv2d(a, w, b)),
        op_case("conv2d 3x3 stride 2 64->128, 32x32, batch 32", [x, (128, 64, 3, 3), (128,)],
                lambda a, w, b: F.conv2d(a, w, b, 2, 1), lambda a, w, b: TF.conv2d(a, w, b, 2, 1)),
        op_case("conv2d 3x3 groups=32 128->128, 16x16, batch 32", [(32, 128, 16, 16), (128, 4, 3, 3)],
                lambda a, w: F.conv2d(a, w, padding=1, groups=32),
                lambda a, w: TF.conv2d(a, w, padding=1, groups=32)),
        op_case("max_pool2d 2x2, (32, 64, 32, 32)", [x], lambda a: F.max_pool2d(a, 2), lambda a: TF.max_pool2d(a, 2)),
        op_case("max_pool2d 3x3 stride 2 pad 1, (32, 64, 32, 32)", [x], lambda a: F.max_pool2d(a, 3, 2, 1),
                lambda a: TF.max_pool2d(a, 3, 2, 1)),
        op_case("avg_pool2d 2x2, (32, 64, 32, 32)", [x], lambda a: F.avg_pool2d(a, 2), lambda a: TF.avg_pool2d(a, 2)),
        op_case("batch_norm2d training, (32, 64, 32, 32)", [x, (64,), (64,)],
                lambda a, w, b: F.batch_norm(a, *rm_ours, w, b, training=True),
                lambda a, w, b: TF.batch_norm(a, *rm_torch, w, b, training=True)),
        op_case("relu, (32, 64, 32, 32)", [x], F.relu, TF.relu if torch else None),
        op_case("cross_entropy (256, 1000)", [(256, 1000)], lambda a: F.cross_entropy(a, mt.tensor(np.arange(256))),
                lambda a: TF.cross_entropy(a, torch.arange(256))),
        lenet_case(),
    ]


def best_ms(ours, theirs, repeats):
    """Fastest of ``repeats`` runs of each, ours and torch's taking turns so both see the same machine load.

    The minimum is the least noisy estimate on a shared machine (other jobs only ever add time). The
    turns, warm-up and settle pause are the ``bench`` command's method (``time_alternating``).
    """
    steps = {"ours": ours, **({"torch": theirs} if theirs else {})}
    times = time_alternating(steps, repeats, warmup=1, settle=SETTLE_SECONDS)
    return [min(t) * 1e3 for t in times.values()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--out", default=None, metavar="FILE",
                        help="also write the table to FILE (e.g. benchmarks/results/ops_cpu.md)")
    args = parser.parse_args()
    lines = [
        f"CPU ops, forward + backward, float32 (best of {args.repeats}, alternating with torch; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, NumPy {np.__version__}" + (f", torch {torch.__version__})" if torch else ")"),
        "",
        "| op (forward + backward) | ours ms | torch ms | ratio |",
        "|---|---:|---:|---:|",
    ]
    print("\n".join(lines), flush=True)
    for name, ours, theirs in cases():
        times = best_ms(ours, theirs, args.repeats)
        if theirs is None:
            row = f"| {name} | {times[0]:.2f} | - | - |"
        else:
            row = f"| {name} | {times[0]:.2f} | {times[1]:.2f} | {times[0] / times[1]:.2f}x |"
        print(row, flush=True)
        lines.append(row)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
