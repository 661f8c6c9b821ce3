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
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import minitorch_cnn as mt  # noqa: E402  (before NumPy: it sets OPENBLAS_THREAD_TIMEOUT, see backend.py)
import numpy as np  # noqa: E402
from minitorch_cnn.nn import functional as F  # noqa: E402


def median_seconds(fn, repeat, warmup=1):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        time.sleep(0.02)  # let idle worker threads (PyTorch's OpenMP, OpenBLAS) stop spinning first
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def mt_train_step(model, optimizer, x, y):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def torch_train_step(torch, model, x, y):
    """A closure: one PyTorch step of the same recipe (cross-entropy, SGD momentum 0.9, weight decay 1e-4)."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)

    def step():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss
    return step


def torch_resnet20(state_dict):
    """The same ResNet-20 in PyTorch, loaded with ``state_dict`` (minitorch_cnn's key names)."""
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self, inplanes, planes, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.stride, self.pad = stride, planes - inplanes

        def forward(self, x):
            out = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
            identity = x
            if self.pad:
                identity = nn.functional.pad(x[:, :, ::self.stride, ::self.stride],
                                             (0, 0, 0, 0, self.pad // 2, self.pad - self.pad // 2))
            return torch.relu(out + identity)

    class ResNet20(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(16)
            widths = [(16, 16, 1), (16, 32, 2), (32, 64, 2)]
            for i, (inplanes, planes, stride) in enumerate(widths, 1):
                blocks = [Block(inplanes, planes, stride)] + [Block(planes, planes, 1) for _ in range(2)]
                setattr(self, f"layer{i}", nn.Sequential(*blocks))
            self.fc = nn.Linear(64, 10)

        def forward(self, x):
            x = torch.relu(self.bn1(self.conv1(x)))
            x = self.layer3(self.layer2(self.layer1(x)))
            return self.fc(x.mean((2, 3)))

    model = ResNet20()
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
    optimizer = mt.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    x, y = mt.tensor(x_np), mt.tensor(y_np)
    row = {"mt_loss0": float(mt_train_step(model, optimizer, x, y).item())}
    steps = {"mt": lambda: mt_train_step(model, optimizer, x, y)}
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        step = torch_train_step(torch, torch_resnet20(state), torch.from_numpy(x_np), torch.from_numpy(y_np))
        row["torch_loss0"] = float(step().item())
        row["torch_threads"] = torch.get_num_threads()
        steps["torch"] = step
    times = {name: [] for name in steps}
    for step in steps.values():
        step()  # warm-up
    for _ in range(repeat):
        for name, step in steps.items():
            time.sleep(0.02)  # let idle worker threads (PyTorch's OpenMP, OpenBLAS) stop spinning first
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    row.update({name: statistics.median(t) for name, t in times.items()})
    if torch is not None:
        row["ratio"] = statistics.median(a / b for a, b in zip(times["mt"], times["torch"]))
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
    optimizer = mt.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    t_train = median_seconds(lambda: mt_train_step(model, optimizer, x, y), repeat)
    return batch / t_infer, batch / t_train


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "models_cpu.md"))
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
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
