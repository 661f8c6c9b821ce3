"""minitorch_cnn next to its peers on the CPU: PyTorch, DeZero and tinygrad, same workloads, same session.

    python benchmarks/peers.py --dezero-python /tmp/peers/dezero-venv/bin/python \\
        --tinygrad-python /tmp/peers/tinygrad-venv/bin/python [--rounds 3] [--repeat 5] [--out FILE]

Each peer runs in its own Python (its own virtual environment: the peers pin their own NumPy); this
script installs nothing, and a peer whose ``--*-python`` is not given is reported as not measured.
PyTorch is measured when it is installed in the Python running this script. The script writes one
self-contained worker per framework into a temporary folder (``benchmarks/peers/``' files), with the
inputs as raw float32/int32 files, the same bytes for every framework.

Workloads (float32), as ``benchmarks/ops.py``, ``benchmarks/models.py`` and the ``bench`` command time
them: conv3x3 (conv2d 3x3 64->64 on 32x32, batch 32, bias, padding 1; forward and backward as
``(y * g).sum().backward()``), TwoLayerNet (1000-100-10, batch 64, MSE), LeNet-5 (batch 64) and
ResNet-20 (He et al.'s CIFAR net, option-A shortcuts, batch norm, batch 128); a model step is forward,
loss, backward and an SGD-with-momentum update.

Fairness: every (workload, framework) pair is a separate process, each with the same environment
(``OPENBLAS_THREAD_TIMEOUT=4``, ``--threads`` threads for BLAS, OpenMP, PyTorch, minitorch_cnn and
tinygrad); the processes of one workload run back to back, in an order rotated every round, so a slow
spell of a shared machine lands on all. Each process does ``--warmup`` untimed steps (tinygrad
compiles its kernels there and gets at least three), then ``--repeat`` timed steps, each after a short
pause. Reported: the median [min-max] milliseconds of all timed steps of all rounds, and the ratio
of medians peer / minitorch_cnn (above 1: minitorch_cnn is faster; the goal is >= 3x over DeZero and
tinygrad on conv3x3, LeNet-5 and ResNet-20). Checks: the conv3x3 loss and gradient sums of each peer
against minitorch_cnn's (same inputs), and a model's loss over its steps on one fixed batch (it
must fall: the steps were really computed and applied).
"""
import argparse
import datetime
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np

from cpu_speed import cpu_model  # (this script's folder is on the path when it runs)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WORKER_DIR = os.path.join(HERE, "peers")
RESULT_TAG = "PEERS_RESULT "  # harness.RESULT_TAG (the harness runs in the peers' Pythons, not here)
SETTLE_S = 0.02  # minitorch_cnn.cli.bench.SETTLE_S: the pause before each timed step
GOAL_WORKLOADS, GOAL_RATIO, GOAL_PEERS = ("conv3x3", "LeNet-5", "ResNet-20"), 3.0, ("DeZero", "tinygrad")
CONV_CHECKS = ("loss", "dx_l1", "dw_l1", "db_sum")
CONV_RTOL = 1e-3  # float32 sums of ~2M terms in another order


@dataclass
class Workload:
    name: str
    title: str
    batch: dict  # 'full' and 'quick'
    arrays: object  # batch -> {name: (shape, kind)}; kind 'f4' (standard normal) or 'i4' (labels 0-9)
    recipe: dict = field(default_factory=dict)  # SGD: lr, momentum, weight_decay (model workloads)


# bench.sgd_step's defaults, and models.py's RECIPE (He et al.'s CIFAR training) for ResNet-20.
STEP_RECIPE = {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.0}
RESNET_RECIPE = {"lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4}
WORKLOADS = [
    Workload("conv3x3", "conv2d 3x3 64->64, 32x32, fwd+bwd", {"full": 32, "quick": 4},
             lambda n: {"x": ((n, 64, 32, 32), "f4"), "w": ((64, 64, 3, 3), "f4"), "b": ((64,), "f4"),
                        "g": ((n, 64, 32, 32), "f4")}),
    Workload("TwoLayerNet", "TwoLayerNet 1000-100-10, MSE", {"full": 64, "quick": 8},
             lambda n: {"x": ((n, 1000), "f4"), "target": ((n, 10), "f4")}, STEP_RECIPE),
    Workload("LeNet-5", "LeNet-5 training step", {"full": 64, "quick": 8},
             lambda n: {"x": ((n, 1, 32, 32), "f4"), "labels": ((n,), "i4")}, STEP_RECIPE),
    Workload("ResNet-20", "ResNet-20 training step (BN, SGD momentum, wd)", {"full": 128, "quick": 8},
             lambda n: {"x": ((n, 3, 32, 32), "f4"), "labels": ((n,), "i4")}, RESNET_RECIPE),
]
WEIGHT_SCALE = {"w": 1 / 24, "b": 0.1}  # conv3x3: a fan-in-scaled weight (1/sqrt(64*9)) and small bias


@dataclass
class Framework:
    label: str
    python: str
    worker: str  # file in benchmarks/peers/
    framework: str
    mode: str = "eager"
    min_warmup: int = 1
    env: dict = field(default_factory=dict)


def _executable(path):
    """``path`` as the workers' folder sees it: absolute, or found on PATH when it is a bare name."""
    return os.path.abspath(path) if os.sep in path else (shutil.which(path) or path)


def frameworks(args):
    """(the frameworks to time, {label: why not measured})."""
    found = [Framework("minitorch_cnn", sys.executable, "worker_project.py", "minitorch_cnn")]
    missing = {}
    if importlib.util.find_spec("torch") is not None:
        found.append(Framework("PyTorch", sys.executable, "worker_project.py", "torch"))
    else:
        missing["PyTorch"] = f"torch is not installed in {sys.executable}"
    if args.dezero_python:
        found.append(Framework("DeZero", _executable(args.dezero_python), "worker_dezero.py", "dezero"))
    else:
        missing["DeZero"] = "no --dezero-python given"
    if args.tinygrad_python:
        tinygrad_python, env = _executable(args.tinygrad_python), {"DEV": args.tinygrad_device}
        # (three warm-up steps: TinyJit captures on the second call and replays from the third; eager
        # tinygrad compiles new kernels on the second step too, when the momentum buffers first exist)
        found.append(Framework("tinygrad", tinygrad_python, "worker_tinygrad.py", "tinygrad",
                               min_warmup=3, env=env))
        if not args.no_tinygrad_jit:
            found.append(Framework("tinygrad TinyJit", tinygrad_python, "worker_tinygrad.py", "tinygrad",
                                   "jit", min_warmup=3, env=env))
    else:
        missing["tinygrad"] = "no --tinygrad-python given"
    return found, missing


def thread_env(threads):
    """The environment every worker gets: the same threads for every library, OpenBLAS workers that sleep."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "DEV")}
    n = str(threads)
    env.update(OPENBLAS_THREAD_TIMEOUT="4", OMP_NUM_THREADS=n, OPENBLAS_NUM_THREADS=n, MKL_NUM_THREADS=n,
               NUM_CPU_THREADS=n, PYTHONDONTWRITEBYTECODE="1")
    return env


def write_inputs(workload, batch, folder):
    """The workload's arrays as raw little-endian files; {name: [file, shape, kind]} for the spec."""
    rng = np.random.default_rng(0)
    spec = {}
    for name, (shape, kind) in workload.arrays(batch).items():
        if kind == "i4":
            array = rng.integers(0, 10, shape).astype("<i4")
        else:
            array = (rng.standard_normal(shape) * WEIGHT_SCALE.get(name, 1.0)).astype("<f4")
        filename = f"{workload.name}_{name}.bin"
        array.tofile(os.path.join(folder, filename))
        spec[name] = [filename, list(shape), kind]
    return spec


def run_worker(fw, workload, spec, folder, env, timeout):
    """One process: its result dict, or {'error': why}."""
    spec = dict(spec, framework=fw.framework, mode=fw.mode, warmup=max(spec["warmup"], fw.min_warmup))
    spec_path = os.path.join(folder, f"spec_{workload.name}_{fw.label.replace(' ', '_')}.json")
    with open(spec_path, "w") as f:
        json.dump(spec, f)
    started = time.perf_counter()
    try:
        proc = subprocess.run([fw.python, os.path.join(folder, fw.worker), spec_path], capture_output=True,
                              text=True, timeout=timeout, env=dict(env, **fw.env), cwd=folder)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    except OSError as exc:
        return {"error": f"could not start {fw.python}: {exc}"}
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_TAG):
            result = json.loads(line[len(RESULT_TAG):])
            result["process_s"] = time.perf_counter() - started
            return result
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"exit {proc.returncode}: {tail[:200]}"}


def measure(args, fws, workloads, folder):
    """{(workload, label): {'times': [...], 'rounds': [median per round], first round's other fields}}."""
    env = thread_env(args.threads)
    specs = {}
    for workload in workloads:
        batch = workload.batch["quick" if args.quick else "full"]
        specs[workload.name] = {"workload": workload.name, "batch": batch, "warmup": args.warmup,
                                "repeat": args.repeat, "settle": SETTLE_S, "threads": args.threads, "repo": REPO,
                                "data_dir": folder, "recipe": workload.recipe,
                                "arrays": write_inputs(workload, batch, folder)}
    results = {}
    for r in range(args.rounds):
        for workload in workloads:
            spec = specs[workload.name]
            shift = r % len(fws)
            for fw in fws[shift:] + fws[:shift]:
                key = (workload.name, fw.label)
                if "error" in results.get(key, {}):
                    continue  # a failed pair is not retried in later rounds
                out = run_worker(fw, workload, spec, folder, env, args.timeout)
                if "error" in out:
                    results[key] = out
                    print(f"  round {r + 1} {workload.name} {fw.label}: FAILED {out['error']}", file=sys.stderr, flush=True)
                    continue
                entry = results.setdefault(key, dict(out, times=[], rounds=[]))
                entry["times"] += out["times"]
                entry["rounds"].append(statistics.median(out["times"]))
                print(f"  round {r + 1} {workload.name} {fw.label}: {1e3 * statistics.median(out['times']):.1f} ms "
                      f"(process {out['process_s']:.0f} s)", file=sys.stderr, flush=True)
    return results


def ms_cell(entry):
    if entry is None:
        return "not measured"
    if "error" in entry:
        return "failed"
    t = [1e3 * s for s in entry["times"]]
    return f"{statistics.median(t):.1f} [{min(t):.1f}-{max(t):.1f}]"


def ratio(results, workload, label):
    """Median time of ``label`` over minitorch_cnn's, or None."""
    peer, ours = results.get((workload, label)), results.get((workload, "minitorch_cnn"))
    if not peer or not ours or "error" in peer or "error" in ours:
        return None
    return statistics.median(peer["times"]) / statistics.median(ours["times"])


def goal_cell(results, workload, labels):
    """Whether minitorch_cnn is >= GOAL_RATIO x faster than every goal peer (tinygrad: its faster mode)."""
    if workload not in GOAL_WORKLOADS:
        return "-"
    worst = []
    for peer in GOAL_PEERS:
        ratios = [x for label in labels if label.split()[0] == peer
                  and (x := ratio(results, workload, label)) is not None]
        if not ratios:
            return f"{peer} not measured"
        worst.append((min(ratios), peer))
    low, peer = min(worst)
    return "yes" if low >= GOAL_RATIO else f"no ({peer} {low:.2f}x)"


def checks(results, workload, label):
    """(the check's text, whether it passed) of one measured pair."""
    entry = results[(workload.name, label)]
    losses = entry["losses"]
    if workload.name == "conv3x3":
        ours = results.get((workload.name, "minitorch_cnn"), {})
        values = dict(entry["check"], loss=losses[-1])
        if label == "minitorch_cnn" or "error" in ours:
            return ", ".join(f"{k} {values[k]:.6g}" for k in CONV_CHECKS) + f", {entry['check']['grad_dtype']}", True
        reference = dict(ours["check"], loss=ours["losses"][-1])
        worst = max(abs(values[k] - reference[k]) / max(abs(reference[k]), 1e-12) for k in CONV_CHECKS)
        return (f"max rel. diff to minitorch_cnn {worst:.1e}, {entry['check']['grad_dtype']}",
                worst <= CONV_RTOL and entry["check"]["grad_dtype"] == "float32")
    check = entry["check"]
    text = (f"loss {losses[0]:.4f} -> {losses[-1]:.4f} over {len(losses)} steps, out {tuple(check['out_shape'])} "
            f"{check['out_dtype']}, grads {check['grad_dtype']}, {check['params']:,} params")
    return text, losses[-1] < losses[0] and check["out_dtype"] == check["grad_dtype"] == "float32"


def report(args, fws, missing, workloads, results, load_start, started):
    labels = [fw.label for fw in fws]
    peers = labels[1:]
    versions = {}  # per framework, from its first process that ran
    for (_, label), entry in results.items():
        if "versions" in entry:
            versions.setdefault(label, ", ".join(f"{k} {v}" for k, v in entry["versions"].items()))
    lines = [
        "# minitorch_cnn next to its peers on the CPU",
        "",
        f"{started:%Y-%m-%d %H:%M}, {cpu_model()}, {os.cpu_count()} cores; load average {load_start:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end.",
        f"Each framework in its own process, {args.threads} threads each (OPENBLAS_THREAD_TIMEOUT=4, OMP/OPENBLAS/MKL/"
        f"NUM_CPU_THREADS={args.threads}); {args.rounds} round(s), each process {args.warmup} warm-up step(s) (tinygrad >= 3) "
        f"then {args.repeat} timed steps, processes of a workload back to back in an order rotated each round"
        + ("; --quick: small batches, not the real workloads" if args.quick else "") + ".",
    ]
    if max(load_start, os.getloadavg()[0]) > (os.cpu_count() or 1):
        lines.append("**Warning**: other processes kept the cores busy (load above the core count): multi-threaded "
                     "frameworks then stall at their thread barriers and the figures are unreliable.")
    if missing:
        lines.append("Not measured: " + "; ".join(f"{k} ({v})" for k, v in missing.items()) + ".")
    lines += ["", *[f"- {label}: {versions[label]}" for label in labels if label in versions]]
    lines += ["", "Milliseconds per step, median [min-max] of all timed steps; ratio = peer's median / minitorch_cnn's "
                  f"(above 1: minitorch_cnn is faster; goal >= {GOAL_RATIO:g}x over DeZero and tinygrad on "
                  + ", ".join(GOAL_WORKLOADS) + ").", ""]
    header = ["workload", "batch"] + [f"{label} ms" for label in labels] + [f"{p} / mt" for p in peers] + ["goal met"]
    lines += ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(header) - 2)) + "|"]
    for w in workloads:
        cells = [w.name, str(w.batch["quick" if args.quick else "full"])]
        cells += [ms_cell(results.get((w.name, label))) for label in labels]
        cells += [f"{x:.2f}x" if (x := ratio(results, w.name, p)) is not None else "-" for p in peers]
        cells.append(goal_cell(results, w.name, labels))
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Checks", "", "| workload | framework | check | ok | round medians ms | cores busy | process s |",
              "|---|---|---|---|---|---:|---:|"]
    for w in workloads:
        for label in labels:
            entry = results.get((w.name, label))
            if entry is None:
                continue
            if "error" in entry:
                lines.append(f"| {w.name} | {label} | {entry['error']} | FAILED | - | - | - |")
                continue
            text, ok = checks(results, w, label)
            rounds = ", ".join(f"{1e3 * t:.1f}" for t in entry["rounds"])
            lines.append(f"| {w.name} | {label} | {text} | {'ok' if ok else 'FAILED'} | {rounds} | "
                         f"{entry['cores_busy']:.2f} | {entry['process_s']:.0f} |")
    lines += ["", "DeZero: its own layers (Conv2d, Linear, BatchNorm), functions and MomentumSGD + WeightDecay; "
                  "ResNet-20's channel padding is a small dezero.Function (DeZero has no pad op). tinygrad: loss and "
                  "updates realized in one schedule each step, then the device synchronised; 'cores busy' is the "
                  "process's CPU time over the timed wall time."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dezero-python", metavar="PATH", help="the Python of a virtual environment with dezero")
    parser.add_argument("--tinygrad-python", metavar="PATH", help="the Python of a virtual environment with tinygrad")
    parser.add_argument("--tinygrad-device", default="CPU",
                        help="tinygrad's DEV (default CPU: its C backend, which compiles with clang)")
    parser.add_argument("--no-tinygrad-jit", action="store_true", help="time tinygrad without TinyJit only")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5, help="timed steps per process")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps per process")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workloads", default=",".join(w.name for w in WORKLOADS),
                        help="comma-separated subset of " + ", ".join(w.name for w in WORKLOADS))
    parser.add_argument("--quick", action="store_true", help="small batches: checks that every worker runs")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds one process may take")
    parser.add_argument("--out", metavar="FILE", help="also write the report to FILE (markdown)")
    args = parser.parse_args(argv)
    names = args.workloads.split(",")
    unknown = [n for n in names if n not in {w.name for w in WORKLOADS}]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}")
    workloads = [w for w in WORKLOADS if w.name in names]
    fws, missing = frameworks(args)
    started, load_start = datetime.datetime.now(), os.getloadavg()[0]
    folder = tempfile.mkdtemp(prefix="minitorch_peers_")
    try:
        for name in os.listdir(WORKER_DIR):
            if name.endswith(".py"):
                shutil.copy(os.path.join(WORKER_DIR, name), folder)
        results = measure(args, fws, workloads, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    text = report(args, fws, missing, workloads, results, load_start, started)
    print(text)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
