"""``python -m minitorch_cnn bench``: time one training step (forward, loss, backward, SGD update) per workload.

Backends: minitorch_cnn on NumPy always; on CuPy with ``--device cuda``; PyTorch on the CPU (and on CUDA
with ``--device cuda``) with ``--compare-torch`` when it is installed, loaded with the same weights.

The method, shared with ``benchmarks/`` (``time_alternating``): every backend first runs ``warmup``
untimed steps; then the backends take turns, one timed step each per round, each step after a short
pause (idle worker threads of OpenMP and OpenBLAS spin for a while after a step and would slow whoever
runs next); a GPU is synchronised before and after each step. Reported: the median time of each
backend, and each ratio as the median of the per-round ratios, always **ours / peer** (lower is better;
0.5x means minitorch_cnn takes half the time). Nothing is written unless ``--out DIR`` is given
(``bench.json``, and ``bench.png`` with matplotlib).
"""
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np

from .workloads import WORKLOADS

SETTLE_S = 0.02  # pause before each timed step: long enough for spinning idle workers to go to sleep


def time_alternating(steps, repeat, warmup=2, settle=SETTLE_S, synchronize=None):
    """Seconds of each timed call, per name: ``{name: [t1, ..., t_repeat]}``.

    ``steps`` maps names to zero-argument callables; ``synchronize`` maps names to a callable that waits
    for the device (or is absent). Each callable runs ``warmup`` times, then all take turns ``repeat`` times.
    """
    synchronize = synchronize or {}
    for name, step in steps.items():
        for _ in range(warmup):
            step()
        synchronize.get(name, _nothing)()
    times = {name: [] for name in steps}
    for _ in range(repeat):
        for name, step in steps.items():
            sync = synchronize.get(name, _nothing)
            time.sleep(settle)
            sync()
            start = time.perf_counter()
            step()
            sync()
            times[name].append(time.perf_counter() - start)
    return times


def median_ratio(ours, theirs):
    """The median of the per-round ratios ours[i] / theirs[i] (robust to a slow spell that hits one round)."""
    return statistics.median(a / b for a, b in zip(ours, theirs))


def _nothing():
    pass


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


def training_step(fw, workload, batch, device, weights, seed=0):
    """(step callable, number of parameters) of one SGD training step of ``workload`` on ``fw``.

    ``weights`` is a state_dict of NumPy arrays loaded into the model (the same in every backend), and
    the inputs come from a NumPy generator seeded with ``seed``: every backend does the same arithmetic.
    """
    model = workload.build(fw)
    model.load_state_dict({k: fw.tensor(np.array(v)) for k, v in weights.items()})
    model = model.to(device)
    rng = np.random.default_rng(seed)
    x = fw.tensor(rng.standard_normal((batch,) + workload.input_shape).astype(np.float32), device=device)
    if workload.loss == "mse":
        target = fw.tensor(rng.standard_normal((batch, workload.outputs)).astype(np.float32), device=device)
        loss_fn = fw.nn.functional.mse_loss
    else:
        target = fw.tensor(rng.integers(0, workload.outputs, batch), device=device)
        loss_fn = fw.nn.functional.cross_entropy
    return sgd_step(fw, model, x, target, loss_fn), sum(p.numel() for p in model.parameters())


def sgd_step(fw, model, x, target, loss_fn=None, lr=0.01, momentum=0.9, weight_decay=0.0):
    """The training step every benchmark times, as a closure: forward, loss (default cross-entropy),
    zero_grad, backward, an SGD update; returns the loss. Written once for minitorch_cnn and torch."""
    optimizer = fw.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    loss_fn = loss_fn or fw.nn.functional.cross_entropy

    def step():
        loss = loss_fn(model(x), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return step


def _synchronizer(fw, device):
    return (lambda: fw.cuda.synchronize()) if device != "cpu" else _nothing


def run_bench(args):
    """Time every workload on every backend; print the table; with ``args.out``, write bench.json/png there."""
    import minitorch_cnn as mt

    mode = "quick" if args.quick else ("cuda" if args.device == "cuda" else "cpu")
    repeat = args.repeat or (3 if args.quick else 7)
    warmup = 1 if args.quick else 2
    backends = _backends(args.device, args.compare_torch)
    results = []
    for workload in WORKLOADS:
        batch = workload.batch[mode]
        mt.manual_seed(0)
        weights = {k: v.numpy().copy() for k, v in workload.build(mt).state_dict().items()}
        steps, syncs, row = {}, {}, {"workload": workload.name, "batch": batch}
        for label, fw, device in backends:
            steps[label], num_params = training_step(fw, workload, batch, device, weights)
            syncs[label] = _synchronizer(fw, device)
            row.setdefault("params", num_params)
            if num_params != row["params"]:
                raise RuntimeError(f"bench: {workload.name} has {num_params:,} parameters on {label} but "
                                   f"{row['params']:,} on {backends[0][0]}: the models differ")
        times = time_alternating(steps, repeat, warmup=warmup, synchronize=syncs)
        row["seconds"] = {label: statistics.median(t) for label, t in times.items()}
        row["ratios"] = {name: median_ratio(times[a], times[b]) for name, a, b in _ratio_columns(list(steps))}
        results.append(row)
        print(f"  {workload.name}: " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in row["seconds"].items()),
              flush=True)
    labels = [label for label, _, _ in backends]
    busy = _busy_note()
    print()
    print(markdown_table(results, labels))
    print(f"\nmedians of {repeat} alternating steps after {warmup} warm-up step(s) each; ratios are ours / peer "
          f"(lower is better), the median of the per-round ratios" + busy)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        record = {"mode": mode, "repeat": repeat, "warmup": warmup, "ratio": "ours / peer", "results": results}
        (out / "bench.json").write_text(json.dumps(record, indent=2) + "\n")
        written = [out / "bench.json"]
        from .train.plots import PLOT_HINT, plotting_available

        if plotting_available():
            plot_bench(results, labels, out / "bench.png")
            written.append(out / "bench.png")
        else:
            print(PLOT_HINT.format(names="bench.png"))
        print(f"wrote {' and '.join(map(str, written))}")
    return 0


def _busy_note():
    """A warning when other processes keep the cores busy: multi-threaded peers (PyTorch's OpenMP workers)
    then slow down far more than single-threaded code, and their ratios mean little."""
    if not hasattr(os, "getloadavg"):
        return ""
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    return (f"\nwarning: the load average is {load:.1f} on {cores} cores: other processes compete for the CPU "
            f"and the ratios are unreliable" if load > cores else "")


def _ratio_columns(labels):
    """(name, ours, peer) of the time ratios: minitorch over PyTorch per device, and CuPy over NumPy."""
    pairs = [("minitorch NumPy", "PyTorch CPU"), ("minitorch CuPy", "PyTorch CUDA"),
             ("minitorch CuPy", "minitorch NumPy")]
    return [(f"{a} / {b}", a, b) for a, b in pairs if a in labels and b in labels]


def markdown_table(results, labels):
    """Milliseconds per step and images per second for each backend, then the time ratios ours / peer."""
    ratios = _ratio_columns(labels)
    header = ["workload", "batch", "params"] + [f"{label} ms (img/s)" for label in labels]
    header += [f"time {name}" for name, _, _ in ratios]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    for row in results:
        cells = [row["workload"], str(row["batch"]), f"{row['params']:,}"]
        cells += [f"{row['seconds'][label] * 1000:.1f} ({row['batch'] / row['seconds'][label]:,.0f})"
                  for label in labels]
        cells += [f"{_ratio(row, name, a, b):.2f}x" for name, a, b in ratios]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _ratio(row, name, a, b):
    """The row's median per-round ratio, or the ratio of the medians for a row without rounds."""
    return row.get("ratios", {}).get(name, row["seconds"][a] / row["seconds"][b])


def plot_bench(results, labels, path):
    """Grouped bars of images per second (log scale), one group per workload, one bar per backend."""
    from .train.plots import new_figure

    fig = new_figure(figsize=(max(6, 1.6 * len(results)), 4))
    ax = fig.subplots()
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
