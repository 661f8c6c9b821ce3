"""Model-zoo speed on the CPU: a ResNet-20 training step next to PyTorch, and images/s of two ImageNet nets.

    python benchmarks/models.py [--repeat 7] [--out benchmarks/results/models_cpu.md]

1. ResNet-20 (He et al. 2016, CIFAR, option A), batch 128 on 3x32x32: forward, cross-entropy, backward,
   SGD with momentum. minitorch_cnn and the same network in PyTorch (same weights) in the same run;
   the goal is <= 2.0x PyTorch's time.
2. Images/s of resnet18(small_input=True) and densenet121 on 32x32 input: inference (eval, no grad) and
   training steps.
Medians of ``--repeat`` timed runs after warm-up. Writes a markdown table.
"""
import argparse
import os
import platform
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import minitorch_cnn as mt  # noqa: E402

mt.tune_process()  # as `python -m minitorch_cnn` does: OpenBLAS workers sleep when idle, malloc keeps freed memory
import numpy as np  # noqa: E402
from minitorch_cnn.cli.bench import median_ratio, sgd_step, time_alternating  # noqa: E402
from minitorch_cnn.cli.workloads import resnet20  # noqa: E402


def median_seconds(fn, repeat, warmup=1):
    """Median seconds of ``fn`` over ``repeat`` timed calls, with the bench command's method."""
    return statistics.median(time_alternating({"fn": fn}, repeat, warmup=warmup)["fn"])


# The recipe of the ResNet-20 rows (He et al.'s CIFAR training), the same on both frameworks.
RECIPE = {"lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4}


def torch_train_step(torch, model, x, y):
    """A closure: one PyTorch step of RECIPE (the bench command's ``sgd_step``)."""
    return sgd_step(torch, model, x, y, **RECIPE)


def torch_resnet20(state_dict):
    """The bench command's PyTorch twin of ResNet-20 (same key names), loaded with ``state_dict``."""
    import torch

    model = resnet20(torch)
    model.load_state_dict({k: torch.from_numpy(np.array(v.numpy())) for k, v in state_dict.items()})
    return model


def bench_resnet20(repeat, batch=128):
    """Seconds per ResNet-20 step of minitorch_cnn and of PyTorch (same weights), timed in turn.

    The two alternate step by step, each after a pause, so a slow spell of a shared machine lands
    on both; the ratio reported is the median of the per-pair ratios.
    """
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((batch, 3, 32, 32)).astype(np.float32)
    y_np = rng.integers(0, 10, batch)
    model = mt.models.resnet20()
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    x, y = mt.tensor(x_np), mt.tensor(y_np)
    mt_step = sgd_step(mt, model, x, y, **RECIPE)
    row = {"mt_loss0": float(mt_step().item())}
    steps = {"mt": mt_step}
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        step = torch_train_step(torch, torch_resnet20(state), torch.from_numpy(x_np), torch.from_numpy(y_np))
        row["torch_loss0"] = float(step().item())
        row["torch_threads"] = torch.get_num_threads()
        steps["torch"] = step
    times = time_alternating(steps, repeat, warmup=1)
    row.update({name: statistics.median(t) for name, t in times.items()})
    if torch is not None:
        row["ratio"] = median_ratio(times["mt"], times["torch"])
    return row


def bench_throughput(name, repeat, batch=32, **kwargs):
    """Inference and training images/s of ``mt.models.<name>`` on (batch, 3, 32, 32)."""
    model = mt.models.get_model(name, num_classes=10, **kwargs)
    x = mt.randn(batch, 3, 32, 32)
    y = mt.randint(0, 10, (batch,))
    model.eval()

    def infer():
        with mt.no_grad():
            model(x)

    t_infer = median_seconds(infer, repeat)
    model.train()
    t_train = median_seconds(sgd_step(mt, model, x, y), repeat)
    return batch / t_infer, batch / t_train


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", default=None, metavar="FILE",
                        help="also write the table to FILE (e.g. benchmarks/results/models_cpu.md)")
    args = parser.parse_args()

    r20 = bench_resnet20(args.repeat)
    lines = [
        "# Model zoo on the CPU",
        "",
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, NumPy {np.__version__}; "
        f"medians of {args.repeat} runs after warm-up, ResNet-20 steps alternating with PyTorch's (the ratio is "
        f"the median of the per-pair ratios); load average {os.getloadavg()[0]:.1f} at the start.",
        "",
        "## ResNet-20 training step (batch 128, 3x32x32, cross-entropy, SGD momentum 0.9)",
        "",
        "| framework | seconds / step | images/s | ratio to PyTorch |",
        "|---|---|---|---|",
        f"| minitorch_cnn | {r20['mt']:.3f} | {128 / r20['mt']:.0f} | "
        + (f"{r20['ratio']:.2f}x |" if "torch" in r20 else "- |"),
    ]
    if "torch" in r20:
        lines.append(f"| PyTorch {__import__('torch').__version__} ({r20['torch_threads']} threads) | "
                     f"{r20['torch']:.3f} | {128 / r20['torch']:.0f} | 1.00x |")
        lines += ["", f"First-step loss, same weights and batch: minitorch_cnn {r20['mt_loss0']:.6f}, "
                      f"PyTorch {r20['torch_loss0']:.6f}."]
    lines += ["", "## Throughput at 32x32 (batch 32, 10 classes)", "",
              "| model | inference images/s | training images/s |", "|---|---|---|"]
    for name, kwargs in [("resnet18", {"small_input": True}), ("densenet121", {})]:
        infer, train = bench_throughput(name, max(2, args.repeat // 2), **kwargs)
        label = name + (" (small_input)" if kwargs else "")
        lines.append(f"| {label} | {infer:.1f} | {train:.1f} |")
    text = "\n".join(lines) + "\n"
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    main()
