"""``python -m minitorch_cnn experiment degradation``: the degradation experiment of He et al. 2016.

Fig. 1 and Fig. 6 of "Deep Residual Learning for Image Recognition": a deeper *plain* network (a stack
of 3x3 conv -> BN -> ReLU) reaches a higher training error than a shallower one -- not overfitting, an
optimisation difficulty -- while with identity shortcuts the deeper network is at least as good.

Four CIFAR-style networks (3 stages of n two-conv blocks with 16, 32, 64 filters, depth 6n + 2) are
trained the same way (same data order, same initialisation rule, same optimiser): plain and residual,
at two depths (default 20 and 56). Written to ``--out``:

* ``degradation.json``: the settings, and per network its training error per epoch (over the epoch's
  mini-batches, in training mode, as the paper plots it), its test error per epoch, the weight-gradient
  norm of every layer at the first step, and the seconds it took;
* ``degradation.png``: training error (thin) and test error (bold) per epoch, plain beside residual;
* ``gradient_norms.png``: the per-layer weight-gradient norm at the start, input to output.

By default the bundled digits, at their own 8x8 resolution (``--image-size`` resizes them), keep the
run within minutes on two CPU cores; ``--cifar10 DIR`` trains on CIFAR-10 instead (32x32, far longer).
"""
import json
import os
import time

import numpy as np

from .. import nn, optim
from .._threads import get_num_threads, set_num_threads
from ..autograd import no_grad
from ..creation import from_numpy
from ..functions import flatten
from ..models.cifar_resnet import PadShortcut
from ..models.resnet import BasicBlock, conv3x3, init_conv_and_batch_norm
from ..random import manual_seed
from ..utils.data import datasets
from ..utils.gradflow import GradientRecorder

DEFAULTS = {"depths": (20, 56), "epochs": 20, "batch_size": 64, "lr": 0.05, "momentum": 0.9,
            "weight_decay": 1e-4, "image_size": 8, "seed": 0, "train_size": None}


class PlainBlock(BasicBlock):
    """A BasicBlock without its shortcut: relu(bn2(conv2(relu(bn1(conv1(x))))))."""

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)))


class CifarNet(nn.Module):
    """He et al.'s CIFAR network, plain or residual: (N, C, H, W) -> conv3x3 16 -> 3 stages of n blocks
    (16, 32, 64 filters; the 2nd and 3rd halve the map) -> global average pool -> fc -> (N, classes).

    depth = 6n + 2 weighted layers. The residual version uses option A shortcuts (identity, and zero
    padding where the width doubles), so both versions have exactly the same parameters.
    """

    def __init__(self, depth, residual, in_channels=3, num_classes=10):
        super().__init__()
        if (depth - 2) % 6 != 0:
            raise ValueError(f"CifarNet: depth must be 6n + 2 (20, 32, 44, 56, 110 ...), got {depth}")
        n = (depth - 2) // 6
        self.residual = residual
        self.conv1 = conv3x3(in_channels, 16)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        stages, planes_in = [], 16
        for planes, stride in ((16, 1), (32, 2), (64, 2)):
            blocks = []
            for i in range(n):
                s = stride if i == 0 else 1
                if residual:
                    shortcut = PadShortcut(planes_in, planes, s) if (s != 1 or planes_in != planes) else None
                    blocks.append(BasicBlock(planes_in, planes, s, shortcut))
                else:
                    blocks.append(PlainBlock(planes_in, planes, s))
                planes_in = planes
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = stages
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, num_classes)
        init_conv_and_batch_norm(self)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(flatten(self.avgpool(x), 1))


def net_name(depth, residual):
    return f"{'resnet' if residual else 'plain'}-{depth}"


# ------------------------------------------------------------------ data
def load_data(image_size, cifar10_dir=None, train_size=None):
    """(train images, train labels, test images, test labels, channels): float32 NCHW normalised with
    the training split's per-channel mean and std, int64 labels; the first ``train_size`` training
    images only, when given."""
    if cifar10_dir:
        train, test = datasets.CIFAR10(cifar10_dir, train=True), datasets.CIFAR10(cifar10_dir, train=False)
    else:
        train, test = datasets.Digits("train", size=image_size), datasets.Digits("test", size=image_size)
    x_train, x_test = train.images()[:train_size], test.images()
    mean = x_train.mean(axis=(0, 2, 3), keepdims=True)
    std = x_train.std(axis=(0, 2, 3), keepdims=True)
    norm = lambda x: ((x - mean) / std).astype(np.float32)  # noqa: E731
    y_train, y_test = np.asarray(train.targets, np.int64)[:train_size], np.asarray(test.targets, np.int64)
    return norm(x_train), y_train, norm(x_test), y_test, x_train.shape[1]


# ------------------------------------------------------------------ training
def error_rate(model, x, y, device, batch_size=256):
    """Fraction of (x, y) misclassified by ``model`` in eval mode."""
    model.eval()
    wrong = 0
    with no_grad():
        for i in range(0, len(x), batch_size):
            scores = model(from_numpy(x[i:i + batch_size]).to(device))
            wrong += int((scores.argmax(1).cpu().numpy() != y[i:i + batch_size]).sum())
    model.train()
    return wrong / len(x)


def train_one(depth, residual, data, settings, device="cpu", log=print):
    """Train one network; its record: errors per epoch, per-layer gradient norms at the start, seconds."""
    x_train, y_train, x_test, y_test, channels = data
    manual_seed(settings["seed"])  # the same initialisation stream for every network
    model = CifarNet(depth, residual, in_channels=channels).to(device)
    opt = optim.SGD(model.parameters(), lr=settings["lr"], momentum=settings["momentum"],
                    weight_decay=settings["weight_decay"])
    loss_fn = nn.CrossEntropyLoss()
    order_rng = np.random.default_rng(settings["seed"])  # the same mini-batches for every network
    record = {"train_error": [], "test_error": [], "train_loss": [], "epoch_seconds": []}
    start, cpu_start = time.perf_counter(), time.process_time()
    recorder = GradientRecorder(model, activations=False)
    for epoch in range(settings["epochs"]):
        order = order_rng.permutation(len(x_train))
        wrong, total_loss = 0, 0.0
        for i in range(0, len(order), settings["batch_size"]):
            idx = order[i:i + settings["batch_size"]]
            x, y = from_numpy(x_train[idx]).to(device), from_numpy(y_train[idx]).to(device)
            scores = model(x)
            loss = loss_fn(scores, y)
            opt.zero_grad()
            loss.backward()
            if recorder is not None:  # the gradients of the very first step, before any update
                record["grad_norm_at_start"] = {k: v[0] for k, v in recorder.grad_norms().items()}
                recorder.remove()
                recorder = None
            opt.step()
            wrong += int((scores.argmax(1).cpu().numpy() != y_train[idx]).sum())
            total_loss += float(loss.item()) * len(idx)
        record["train_error"].append(wrong / len(x_train))
        record["train_loss"].append(total_loss / len(x_train))
        record["test_error"].append(error_rate(model, x_test, y_test, device))
        record["epoch_seconds"].append(round(time.perf_counter() - start - sum(record["epoch_seconds"]), 2))
        log(f"{net_name(depth, residual):>10}  epoch {epoch + 1:>3}/{settings['epochs']}  "
            f"train error {100 * record['train_error'][-1]:5.1f}%  test error {100 * record['test_error'][-1]:5.1f}%  "
            f"loss {record['train_loss'][-1]:.3f}  ({record['epoch_seconds'][-1]:.1f} s)")
    record["seconds"] = round(time.perf_counter() - start, 1)
    record["cpu_seconds"] = round(time.process_time() - cpu_start, 1)  # all threads of this process
    record["layers"] = list(record["grad_norm_at_start"])
    record["num_params"] = sum(p.numel() for p in model.parameters())
    return record


def run_experiment(settings, cifar10_dir=None, device="cpu", log=print):
    """Train the four networks; the JSON-ready result."""
    data = load_data(settings["image_size"], cifar10_dir, settings.get("train_size"))
    result = {"settings": dict(settings, depths=list(settings["depths"])),
              "data": "cifar10" if cifar10_dir else f"digits {settings['image_size']}x{settings['image_size']}",
              "train_size": len(data[0]), "test_size": len(data[2]), "device": device, "nets": {}}
    start = time.perf_counter()
    for residual in (False, True):
        for depth in settings["depths"]:
            result["nets"][net_name(depth, residual)] = train_one(depth, residual, data, settings, device, log)
    result["seconds"] = round(time.perf_counter() - start, 1)
    result["cpu_seconds"] = round(sum(rec["cpu_seconds"] for rec in result["nets"].values()), 1)
    return result


# ------------------------------------------------------------------ pictures
def plot_errors(result):
    """He et al.'s Fig. 6 layout: plain (left) and residual (right), training error thin and dashed,
    test error bold, one colour per depth."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(10, 4), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    depths = result["settings"]["depths"]
    colours = ["tab:orange", "tab:red", "tab:purple", "tab:brown"]
    for ax, kind in zip(axes, ("plain", "resnet")):
        for colour, depth in zip(colours, depths):
            rec = result["nets"][f"{kind}-{depth}"]
            epochs = range(1, len(rec["train_error"]) + 1)
            ax.plot(epochs, [100 * e for e in rec["train_error"]], "--", color=colour, lw=1,
                    label=f"{kind}-{depth} train")
            ax.plot(epochs, [100 * e for e in rec["test_error"]], "-", color=colour, lw=2.2,
                    label=f"{kind}-{depth} test")
        ax.set_title("plain networks" if kind == "plain" else "residual networks")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(loc="center right")
    axes[0].set_ylabel("error (%)")
    fig.suptitle(f"Degradation on {result['data']}: same training for every network")
    return fig


def plot_gradient_norms(result):
    """Weight-gradient norm per layer (input to output, log scale) at the first step, one line per net."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.subplots()
    for name, rec in result["nets"].items():
        norms = [rec["grad_norm_at_start"][layer] for layer in rec["layers"]]
        ax.plot(range(1, len(norms) + 1), norms, "-" if name.startswith("resnet") else "--", marker=".",
                label=name)
    ax.set_yscale("log")
    ax.set_xlabel("weighted layer (input to output)")
    ax.set_ylabel("||dL/dW|| at the first step")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.suptitle("Gradient norm per layer at initialisation")
    return fig


def write_outputs(result, out_dir):
    """degradation.json, degradation.png and gradient_norms.png in ``out_dir``; their paths."""
    os.makedirs(out_dir, exist_ok=True)
    paths = [os.path.join(out_dir, name) for name in ("degradation.json", "degradation.png", "gradient_norms.png")]
    with open(paths[0], "w") as f:
        json.dump(result, f, indent=1)
    plot_errors(result).savefig(paths[1], dpi=120)
    plot_gradient_norms(result).savefig(paths[2], dpi=120)
    return paths


def summary_lines(result):
    """One line per network: final training and test error, best test error, seconds."""
    lines = []
    for name, rec in result["nets"].items():
        lines.append(f"{name:>10}: final train error {100 * rec['train_error'][-1]:5.1f}%, "
                     f"test error {100 * rec['test_error'][-1]:5.1f}% (best {100 * min(rec['test_error']):5.1f}%), "
                     f"{rec['seconds']:.0f} s ({rec['cpu_seconds']:.0f} s of CPU)")
    return lines


# ------------------------------------------------------------------ command line
def add_parser(subparsers):
    """Add ``experiment`` (with its sub-command ``degradation``) to the CLI's sub-parsers."""
    p = subparsers.add_parser("experiment", help="run a lecture experiment (degradation)",
                              description="Experiments from the lectures' papers.")
    sub = p.add_subparsers(dest="experiment", required=True, metavar="EXPERIMENT")
    d = sub.add_parser("degradation", help="plain vs residual nets at two depths (He et al. 2016, Fig. 1 and 6)",
                       description=__doc__.split("\n\n")[1])
    d.add_argument("--depths", type=int, nargs=2, default=list(DEFAULTS["depths"]), metavar=("SHALLOW", "DEEP"),
                   help="two depths of the form 6n + 2 (default: 20 56)")
    d.add_argument("--epochs", type=int, default=DEFAULTS["epochs"], help="epochs per network (default: %(default)s)")
    d.add_argument("--batch-size", type=int, default=DEFAULTS["batch_size"], help="default: %(default)s")
    d.add_argument("--lr", type=float, default=DEFAULTS["lr"], help="SGD learning rate (default: %(default)s)")
    d.add_argument("--momentum", type=float, default=DEFAULTS["momentum"], help="default: %(default)s")
    d.add_argument("--weight-decay", type=float, default=DEFAULTS["weight_decay"], help="default: %(default)s")
    d.add_argument("--image-size", type=int, default=DEFAULTS["image_size"],
                   help="side of the digits images (default: %(default)s; CIFAR-10 stays 32)")
    d.add_argument("--train-size", type=int, default=None, metavar="N",
                   help="train on the first N training images only (default: all)")
    d.add_argument("--cifar10", metavar="DIR", default=None, help="train on the CIFAR-10 found in DIR instead")
    d.add_argument("--seed", type=int, default=DEFAULTS["seed"], help="default: %(default)s")
    d.add_argument("--device", default="cpu", help="cpu or cuda (default: %(default)s)")
    d.add_argument("--threads", type=int, default=1,
                   help="CPU threads for the ops and BLAS (default: %(default)s: small maps gain nothing from "
                        "splitting, and threads waiting on each other cost the most on a busy machine)")
    d.add_argument("--out", default="degradation_out", help="output directory (default: %(default)s)")
    return p


def run(args):
    """Run the experiment chosen on the command line; the exit code."""
    if args.experiment != "degradation":
        raise ValueError(f"unknown experiment {args.experiment!r}")
    for depth in args.depths:
        if depth < 8 or (depth - 2) % 6 != 0:
            print(f"error: --depths: {depth} is not of the form 6n + 2 (20, 32, 44, 56, 110 ...)")
            return 2
    if args.threads < 1:
        print(f"error: --threads must be a positive integer, got {args.threads}")
        return 2
    settings = {"depths": tuple(args.depths), "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
                "momentum": args.momentum, "weight_decay": args.weight_decay,
                "image_size": 32 if args.cifar10 else args.image_size, "seed": args.seed,
                "train_size": args.train_size, "threads": args.threads}
    threads_before = get_num_threads()
    set_num_threads(args.threads)
    try:
        result = run_experiment(settings, cifar10_dir=args.cifar10, device=args.device)
    finally:
        set_num_threads(threads_before)  # run() may be called from Python: leave the process as it was
    paths = write_outputs(result, args.out)
    print("\n".join(summary_lines(result)))
    print(f"{len(result['nets'])} networks in {result['seconds']:.0f} s ({result['cpu_seconds']:.0f} s of CPU); "
          f"wrote {', '.join(paths)}")
    return 0
