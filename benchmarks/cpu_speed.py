"""CPU speed next to PyTorch, measured fairly: the four workloads of the CPU goals and the import order.

    python benchmarks/cpu_speed.py [--repeat 7] [--threads 2] [--out benchmarks/results/cpu_speed_run1.md]

Workloads (float32, the same weights and data on both frameworks):

1. TwoLayerNet 1000-100-10, batch 64: MSE loss, backward, SGD momentum step.
2. conv3x3 64->64 on 32x32, batch 32: forward and backward as ``(y * g).sum().backward()`` on both.
3. LeNet-5, batch 64 on 1x32x32: cross-entropy step.
4. ResNet-20 (option A), batch 128 on 3x32x32: cross-entropy step, SGD momentum 0.9, weight decay 1e-4.

How it is fair:

- Both frameworks run in this one process, step for step in turn (A, B, B, A, ...), ``--repeat``
  timed rounds after warm-up; each figure is a median with its [min-max] and the ratio is the
  median of the per-round ratios (ours / PyTorch).
- PyTorch runs undisturbed: this script re-runs itself with ``OPENBLAS_THREAD_TIMEOUT=4`` in the
  environment, so NumPy's OpenBLAS workers sleep at once after a product instead of spinning on a
  core that PyTorch's threads need. Both use ``--threads`` threads.
- The same backward on both sides, the same step, the same batch.
- The import order is a row of its own: a ResNet-20 step timed in two fresh processes, one that
  imports NumPy first and one that imports minitorch_cnn first, neither tuned by this script.

The CPU model, the library versions and the date go into the table.
"""
import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import time

if os.environ.get("OPENBLAS_THREAD_TIMEOUT") is None and __name__ == "__main__":  # before NumPy loads
    os.environ["OPENBLAS_THREAD_TIMEOUT"] = "4"
    os.execv(sys.executable, [sys.executable] + sys.argv)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import numpy as np  # noqa: E402

import minitorch_cnn as mt  # noqa: E402
from minitorch_cnn.cli.bench import sgd_step  # noqa: E402
from minitorch_cnn.cli.workloads import WORKLOADS_BY_NAME  # noqa: E402

GOALS = {"TwoLayerNet b64 step": 1.2, "conv3x3 64->64 32x32 b32 fwd+bwd": 1.6, "LeNet-5 b64 step": 1.5,
         "ResNet-20 b128 step": 1.8}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _model_step(fw, name, batch, weights, seed=0):
    workload = WORKLOADS_BY_NAME[name]
    model = workload.build(fw)
    model.load_state_dict({k: fw.tensor(np.array(v)) for k, v in weights.items()})
    rng = np.random.default_rng(seed)
    x = fw.tensor(rng.standard_normal((batch,) + workload.input_shape).astype(np.float32))
    if workload.loss == "mse":
        target = fw.tensor(rng.standard_normal((batch, workload.outputs)).astype(np.float32))
        return sgd_step(fw, model, x, target, fw.nn.functional.mse_loss, lr=0.01, momentum=0.9)
    target = fw.tensor(rng.integers(0, workload.outputs, batch))
    if name == "ResNet-20":
        return sgd_step(fw, model, x, target, lr=0.1, momentum=0.9, weight_decay=1e-4)
    return sgd_step(fw, model, x, target, lr=0.01, momentum=0.9)


def model_steps(name, batch, torch):
    """{framework: step closure} for a model workload, the same weights on both."""
    weights = {k: v.numpy().copy() for k, v in WORKLOADS_BY_NAME[name].build(mt).state_dict().items()}
    steps = {"minitorch_cnn": _model_step(mt, name, batch, weights)}
    if torch is not None:
        steps["PyTorch"] = _model_step(torch, name, batch, weights)
    return steps


def conv3x3_steps(torch, batch=32):
    """{framework: closure}: conv3x3 64->64 (padding 1) forward and ``(y * g).sum().backward()``."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 64, 32, 32)).astype(np.float32)
    w = (rng.standard_normal((64, 64, 3, 3)) * 0.05).astype(np.float32)
    b = rng.standard_normal(64).astype(np.float32)
    g = rng.standard_normal((batch, 64, 32, 32)).astype(np.float32)

    def make(fw):
        X, W, B = (fw.tensor(a, requires_grad=True) for a in (x, w, b))
        G = fw.tensor(g)

        def step():
            X.grad = W.grad = B.grad = None
            (fw.nn.functional.conv2d(X, W, B, padding=1) * G).sum().backward()

        return step

    return {"minitorch_cnn": make(mt)} | ({"PyTorch": make(torch)} if torch is not None else {})


def alternate(steps, repeat, warmup=2):
    """{name: [seconds]}: each step warmed up, then ``repeat`` rounds, the order flipping every round."""
    for step in steps.values():
        for _ in range(warmup):
            step()
    names = list(steps)
    times = {name: [] for name in names}
    for r in range(repeat):
        for name in names if r % 2 == 0 else names[::-1]:
            start = time.perf_counter()
            steps[name]()
            times[name].append(time.perf_counter() - start)
    return times


IMPORT_ORDER_SCRIPT = """
import sys, time, statistics
sys.path.insert(0, {root!r})
if {numpy_first}:
    import numpy
    import minitorch_cnn as mt
else:
    import minitorch_cnn as mt
    import numpy
mt.set_num_threads({threads})
from minitorch_cnn.cli.bench import sgd_step
rng = numpy.random.default_rng(0)
model = mt.models.resnet20()
step = sgd_step(mt, model, mt.tensor(rng.standard_normal((128, 3, 32, 32)).astype(numpy.float32)),
                mt.tensor(rng.integers(0, 10, 128)), lr=0.1, momentum=0.9, weight_decay=1e-4)
step(); step()
times = []
for _ in range({repeat}):
    t = time.perf_counter(); step(); times.append(time.perf_counter() - t)
print(statistics.median(times))
"""


def import_order(threads, repeat):
    """{order: median ResNet-20 step seconds} in fresh processes with no OPENBLAS_THREAD_TIMEOUT set."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    result = {}
    for label, numpy_first in (("minitorch_cnn first", False), ("NumPy first", True), ("minitorch_cnn first ", False),
                               ("NumPy first ", True)):
        code = IMPORT_ORDER_SCRIPT.format(root=os.path.join(HERE, ".."), numpy_first=numpy_first, threads=threads,
                                          repeat=repeat)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        result.setdefault(label.strip(), []).append(float(out.stdout.strip()))
    return {k: statistics.median(v) for k, v in result.items()}


def _ms(times):
    return f"{1e3 * statistics.median(times):.1f} [{1e3 * min(times):.1f}-{1e3 * max(times):.1f}]"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default=None, metavar="FILE")
    args = parser.parse_args()
    mt.tune_process()  # malloc keeps freed memory (the OpenBLAS setting is in the environment already)
    mt.set_num_threads(args.threads)
    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None

    rows = []
    workloads = [("TwoLayerNet b64 step", lambda: model_steps("TwoLayerNet", 64, torch), 4 * args.repeat),
                 ("conv3x3 64->64 32x32 b32 fwd+bwd", lambda: conv3x3_steps(torch), args.repeat),
                 ("LeNet-5 b64 step", lambda: model_steps("LeNet-5", 64, torch), 4 * args.repeat),
                 ("ResNet-20 b128 step", lambda: model_steps("ResNet-20", 128, torch), args.repeat)]
    for label, make, repeat in workloads:
        times = alternate(make(), repeat)
        ratio = (statistics.median(a / b for a, b in zip(times["minitorch_cnn"], times["PyTorch"]))
                 if "PyTorch" in times else None)
        rows.append((label, times, ratio))
        print(label, {k: _ms(v) for k, v in times.items()}, f"ratio {ratio:.2f}" if ratio else "", flush=True)
    order = import_order(args.threads, max(3, args.repeat // 2))
    print("import order", order, flush=True)

    versions = f"NumPy {np.__version__}" + (f", PyTorch {torch.__version__}" if torch is not None else "")
    lines = [
        "# CPU speed next to PyTorch",
        "",
        f"{cpu_model()}, {os.cpu_count()} cores, {args.threads} threads for each framework; Python "
        f"{platform.python_version()}, {versions}; {datetime.date.today().isoformat()}; load average "
        f"{os.getloadavg()[0]:.1f} at the end. `python benchmarks/cpu_speed.py --repeat {args.repeat}`: both "
        "frameworks in one process, alternating step by step, OPENBLAS_THREAD_TIMEOUT=4; ms as median "
        "[min-max]; the ratio is the median of the per-round ratios (ours / PyTorch).",
        "",
        "| workload | minitorch_cnn ms | PyTorch ms | ratio | goal |",
        "|---|---|---|---|---|",
    ]
    for label, times, ratio in rows:
        theirs = _ms(times["PyTorch"]) if "PyTorch" in times else "-"
        lines.append(f"| {label} | {_ms(times['minitorch_cnn'])} | {theirs} | "
                     f"{f'{ratio:.2f}x' if ratio else '-'} | <= {GOALS[label]}x |")
    cost = order["NumPy first"] / order["minitorch_cnn first"] - 1
    lines += ["", "Import order (ResNet-20 b128 step, fresh processes, no OPENBLAS_THREAD_TIMEOUT, median of two "
              "processes each):", "",
              "| order | ms | cost against minitorch_cnn first | goal |", "|---|---|---|---|",
              f"| minitorch_cnn first | {1e3 * order['minitorch_cnn first']:.0f} | - | |",
              f"| NumPy first | {1e3 * order['NumPy first']:.0f} | {100 * cost:+.0f}% | <= +10% |"]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
