"""``python -m minitorch_cnn bench``: time one training step (forward, loss, backward, SGD update) per workload.

Backends: minitorch_cnn on NumPy always; on CuPy with ``--device cuda``; PyTorch on the CPU (and on CUDA
with ``--device cuda``) with ``--compare-torch`` when it is installed. Each step is timed after a warm-up,
synchronising the GPU, and the median is reported. Output: a markdown table with the ratios (PyTorch /
minitorch time: above 1 means minitorch is faster), ``bench.json`` and ``bench.png`` (images per second).
"""
import json
import statistics
import time
from pathlib import Path

import numpy as np

from .workloads import WORKLOADS


def _backends(device, compare_torch):
    """(label, framework module, device) for each backend to time."""
    import minitorch_cnn as mt

    backends = [("minitorch NumPy", mt, "cpu")]
    if device == "cuda":
        from .train.builders import resolve_device

        backends.append(("minitorch CuPy", mt, resolve_device("cuda")))
    if compare_torch:
        try:
            import torch
        except ImportError:
            print("PyTorch is not installed: --compare-torch skipped")
        else:
            backends.append(("PyTorch CPU", torch, "cpu"))
            if device == "cuda" and torch.cuda.is_available():
                backends.append(("PyTorch CUDA", torch, "cuda"))
    return backends


def _synchronize(fw, device):
    if device != "cpu":
        fw.cuda.synchronize()


def time_training_step(fw, workload, batch, device, repeat, warmup=1):
    """Median seconds of one SGD training step of ``workload`` on ``fw`` (minitorch_cnn or torch)."""
    fw.manual_seed(0)
    model = workload.build(fw).to(device)
    optimizer = fw.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = fw.randn(batch, *workload.input_shape, device=device)
    if workload.loss == "mse":
        target = fw.randn(batch, workload.outputs, device=device)
        loss_fn = fw.nn.functional.mse_loss
    else:
        target = fw.randint(0, workload.outputs, (batch,), device=device)
        loss_fn = fw.nn.functional.cross_entropy
    times = []
    for i in range(warmup + repeat):
        _synchronize(fw, device)
        start = time.perf_counter()
        loss = loss_fn(model(x), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        _synchronize(fw, device)
        times.append(time.perf_counter() - start)
    num_params = sum(p.numel() for p in model.parameters())
    return statistics.median(times[warmup:]), num_params


def run_bench(args):
    """Time every workload on every backend; print the table, write bench.json and bench.png to ``args.out``."""
    mode = "quick" if args.quick else ("cuda" if args.device == "cuda" else "cpu")
    repeat = args.repeat or (1 if args.quick else 5)
    backends = _backends(args.device, args.compare_torch)
    results = []
    for workload in WORKLOADS:
        batch = workload.batch[mode]
        row = {"workload": workload.name, "batch": batch, "seconds": {}}
        for label, fw, device in backends:
            seconds, num_params = time_training_step(fw, workload, batch, device, repeat)
            row["seconds"][label] = seconds
            row.setdefault("params", num_params)
            if num_params != row["params"]:
                raise RuntimeError(f"bench: {workload.name} has {num_params:,} parameters on {label} but "
                                   f"{row['params']:,} on {backends[0][0]}: the models differ")
        results.append(row)
        print(f"  {workload.name}: " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in row["seconds"].items()),
              flush=True)
    labels = [label for label, _, _ in backends]
    print()
    print(markdown_table(results, labels))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps({"mode": mode, "repeat": repeat, "results": results}, indent=2))
    plot_bench(results, labels, out / "bench.png")
    print(f"\nwrote {out / 'bench.json'} and {out / 'bench.png'}")
    return 0


def _ratio_columns(labels):
    """(name, numerator, denominator) of time ratios: PyTorch / minitorch per device, and NumPy / CuPy."""
    pairs = [("PyTorch CPU", "minitorch NumPy"), ("PyTorch CUDA", "minitorch CuPy"),
             ("minitorch NumPy", "minitorch CuPy")]
    return [(f"{a} / {b}", a, b) for a, b in pairs if a in labels and b in labels]


def markdown_table(results, labels):
    """Milliseconds per step and images per second for each backend, then the ratios of times."""
    ratios = _ratio_columns(labels)
    header = ["workload", "batch", "params"] + [f"{label} ms (img/s)" for label in labels]
    header += [f"time {name}" for name, _, _ in ratios]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    for row in results:
        cells = [row["workload"], str(row["batch"]), f"{row['params']:,}"]
        cells += [f"{row['seconds'][label] * 1000:.1f} ({row['batch'] / row['seconds'][label]:,.0f})"
                  for label in labels]
        cells += [f"{row['seconds'][a] / row['seconds'][b]:.2f}x" for _, a, b in ratios]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot_bench(results, labels, path):
    """Grouped bars of images per second (log scale), one group per workload, one bar per backend."""
    from .train.plots import load_pyplot

    plt = load_pyplot()
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(results)), 4))
    width = 0.8 / len(labels)
    x = np.arange(len(results))
    for i, label in enumerate(labels):
        ax.bar(x + (i - (len(labels) - 1) / 2) * width, [r["batch"] / r["seconds"][label] for r in results],
               width, label=label)
    ax.set_xticks(x, [f"{r['workload']}\n(batch {r['batch']})" for r in results], fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("training images / second")
    ax.set_title("Training step throughput")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
