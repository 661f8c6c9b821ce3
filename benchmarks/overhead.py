"""Per-op overhead: microseconds for a tiny op, forward and forward + backward, next to PyTorch (CPU).

On a 16x16 tensor the arithmetic is nothing: what is timed is the framework
(argument checks, graph recording, the backward engine). Run:

    python benchmarks/overhead.py [--repeat 2000]

Prints a markdown table; "ratio" is ours / PyTorch's (below 1: we are faster).
"""
import argparse
import os
import sys
import time
import timeit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import minitorch_cnn as mt  # noqa: E402

mt.tune_process()  # as `python -m minitorch_cnn` does: OpenBLAS workers sleep when idle, malloc keeps freed memory
import numpy as np  # noqa: E402

try:
    import torch

    torch.set_num_threads(1)
except ImportError:
    torch = None

OPS = {  # name: fn(a, b) on 16x16 tensors, written once for both libraries
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "add scalar": lambda a, b: a + 1.0,
    "matmul": lambda a, b: a @ b,
    "sum": lambda a, b: a.sum(),
    "relu": lambda a, b: a.relu(),
    "exp": lambda a, b: a.exp(),
    "reshape": lambda a, b: a.reshape(256),
    "getitem": lambda a, b: a[1:3],
}


def _per_call_us(fn, repeat):
    """Best of 5 timings of ``repeat`` calls, in microseconds of CPU time per call.

    CPU time (not wall time) keeps other processes on a shared machine out of the numbers.
    """
    fn()  # warm up
    return min(timeit.repeat(fn, number=repeat, repeat=5, timer=time.process_time)) / repeat * 1e6


def _timers(lib, op):
    """(forward, forward + backward) closures for ``op`` on two 16x16 float32 tensors of ``lib``."""
    rng = np.random.default_rng(0)
    a, b = (lib.tensor(rng.standard_normal((16, 16)).astype(np.float32), requires_grad=True) for _ in range(2))

    def forward():
        op(a, b)

    def forward_backward():
        op(a, b).sum().backward()

    return forward, forward_backward


def measure(repeat):
    """{op: [(ours_us, torch_us) forward, (ours_us, torch_us) fwd+bwd]}, ours and torch timed in turn."""
    libs = [mt] + ([torch] if torch is not None else [])
    result = {}
    for name, op in OPS.items():
        timers = [_timers(lib, op) for lib in libs]
        result[name] = [tuple(_per_call_us(t[k], repeat if k == 0 else repeat // 2) for t in timers) for k in (0, 1)]
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    results = measure(args.repeat)
    print(f"per-op overhead on 16x16 float32 tensors, CPU time in microseconds per call (best of 5 x {args.repeat})\n")
    if torch is None:
        print("| op | forward | fwd+bwd |\n|---|---:|---:|")
        for name, ((f,), (fb,)) in results.items():
            print(f"| {name} | {f:.1f} | {fb:.1f} |")
        print("\n(PyTorch is not installed: no comparison)")
        return
    print("| op | forward | torch | ratio | fwd+bwd | torch | ratio |\n|---|---:|---:|---:|---:|---:|---:|")
    ratios = []
    for name, ((f, tf), (fb, tfb)) in results.items():
        ratios += [f / tf, fb / tfb]
        print(f"| {name} | {f:.1f} | {tf:.1f} | {f / tf:.2f} | {fb:.1f} | {tfb:.1f} | {fb / tfb:.2f} |")
    print(f"\ngeometric-mean ratio (ours / torch {torch.__version__}, 1 thread): {np.exp(np.mean(np.log(ratios))):.2f}")


if __name__ == "__main__":
    main()
