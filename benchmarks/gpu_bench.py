"""GPU benchmarks of minitorch_cnn on CuPy next to PyTorch on the same GPU, in one run.

    python benchmarks/gpu_bench.py --out gpu_out     # run everything, write gpu_out/gpu_results.json
    python benchmarks/gpu_report.py gpu_out          # add the pytest results, write gpu_out/summary.md

Every check runs on its own: a failure is recorded (error text and traceback) and the next
check runs. The JSON is rewritten after each check, so a run cut short keeps what finished.
Checks (issue 6 goals in brackets):

- ``conv3x3``: conv 3x3, 64->64, 32x32, batch 128, forward+backward; ours fp32/TF32 (own kernels
  on and off) vs PyTorch cuDNN fp32/TF32 [<= 1.25x fp32, <= 1.5x TF32];
- ``resnet20``: training step, batch 128: ours eager (kernels on/off), ours CUDA-graphed (CuPy
  refuses to capture cuBLAS, so this records that error), PyTorch eager; images/s [>= PyTorch
  eager] and peak memory of the step on the named GPU [<= 1.5x PyTorch];
- ``resnet50``: training step 224x224, batch 64; images/s [>= 0.6x PyTorch];
- ``numpy_vs_cupy``: the same workloads on NumPy (CPU) and CuPy.

Times are medians of wall-clock runs, each ended by a device synchronisation.
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time
import traceback

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import minitorch_cnn as mt  # noqa: E402
from minitorch_cnn import backend, ops  # noqa: E402

RESULTS = {}
OUT_DIR = "gpu_out"
DEADLINE = float("inf")  # --budget: checks that would start after it are skipped
DEVICE = "cuda"  # --dry-run-cpu runs the script's logic on the CPU (to test the script itself)
BATCH_DIVISOR = 1  # --dry-run-cpu divides every batch size by 32


def batch_size(n):
    return max(2, n // BATCH_DIVISOR)


def save():
    with open(os.path.join(OUT_DIR, "gpu_results.json"), "w") as f:
        json.dump(RESULTS, f, indent=2, default=str)


def check(name):
    """Run the decorated function now; record its dict, or its error, under ``name``."""
    def run(fn):
        start = time.perf_counter()
        if start > DEADLINE:
            RESULTS[name] = {"ok": False, "error": "skipped: the time budget (--budget) ran out"}
            save()
            return fn
        try:
            RESULTS[name] = {"ok": True, **fn()}
        except BaseException as e:  # noqa: BLE001 - a benchmark script reports every failure and goes on
            if isinstance(e, KeyboardInterrupt):
                raise
            RESULTS[name] = {"ok": False, "error": f"{type(e).__name__}: {e}"[:2000],
                             "traceback": traceback.format_exc()[-4000:]}
        RESULTS[name]["seconds"] = round(time.perf_counter() - start, 2)
        print(f"[{name}] {'ok' if RESULTS[name]['ok'] else 'FAILED: ' + RESULTS[name]['error'][:300]}", flush=True)
        save()
        return fn
    return run


def median_time(fn, sync, repeat, warmup=2):
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def torch_cuda():
    import torch

    if DEVICE == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("PyTorch sees no CUDA GPU")
    return torch


def torch_sync(torch):
    return torch.cuda.synchronize if DEVICE == "cuda" else (lambda: None)


def torch_tf32(torch, enabled):
    torch.backends.cuda.matmul.allow_tf32 = enabled
    torch.backends.cudnn.allow_tf32 = enabled  # (PyTorch's default for convolutions is True)


def ms(seconds):
    return round(seconds * 1e3, 3)


# ------------------------------------------------------------------ workloads
def mt_conv_step(device, batch):
    from minitorch_cnn.nn import functional as F

    x = mt.randn(batch, 64, 32, 32, device=device, requires_grad=True)
    w = mt.randn(64, 64, 3, 3, device=device, requires_grad=True)
    g = mt.ones(batch, 64, 32, 32, device=device)

    def step():
        x.grad = w.grad = None
        F.conv2d(x, w, padding=1).backward(g)
    return step


def mt_pool_step(device, batch):
    from minitorch_cnn.nn import functional as F

    x = mt.randn(batch, 64, 32, 32, device=device, requires_grad=True)

    def step():
        x.grad = None
        F.max_pool2d(x, 2).sum().backward()
    return step


def mt_bn_step(device, batch):
    bn = mt.nn.BatchNorm2d(64).to(device)
    x = mt.randn(batch, 64, 32, 32, device=device, requires_grad=True)

    def step():
        x.grad = None
        bn(x).sum().backward()
    return step


def mt_model_step(model, x, y):
    from minitorch_cnn.nn import functional as F

    optimizer = mt.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)

    def step(x, y):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss
    return step


def mt_inputs(device, batch, size, classes):
    return mt.randn(batch, 3, size, size, device=device), mt.randint(0, classes, (batch,), device=device)


def _cpu_benchmarks():
    """benchmarks/models.py, which holds PyTorch's ResNet-20 and training step (same architecture and recipe as ours)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_models", os.path.join(os.path.dirname(__file__), "models.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def torch_step(torch, model, x, y):
    return _cpu_benchmarks().torch_train_step(torch, model, x, y)


def torch_resnet20(state_dict):
    return _cpu_benchmarks().torch_resnet20(state_dict)


def torch_resnet50(torch):
    """A plain torchvision-style ResNet-50 (torchvision itself may be missing on the GPU machine)."""
    nn = torch.nn
    try:
        import torchvision

        return torchvision.models.resnet50()
    except ImportError:
        pass

    class Bottleneck(nn.Module):
        def __init__(self, inplanes, planes, stride):
            super().__init__()
            width, out = planes, planes * 4
            self.body = nn.Sequential(
                nn.Conv2d(inplanes, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
                nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
                nn.Conv2d(width, out, 1, bias=False), nn.BatchNorm2d(out))
            self.down = None
            if stride != 1 or inplanes != out:
                self.down = nn.Sequential(nn.Conv2d(inplanes, out, 1, stride, bias=False), nn.BatchNorm2d(out))

        def forward(self, x):
            identity = x if self.down is None else self.down(x)
            return torch.relu(self.body(x) + identity)

    layers, inplanes = [], 64
    for planes, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        for b in range(blocks):
            layers.append(Bottleneck(inplanes, planes, stride if b == 0 else 1))
            inplanes = planes * 4
    return nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
                         nn.MaxPool2d(3, 2, 1), *layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000))


# ------------------------------------------------------------------ checks
def run_all(args):
    sync = mt.cuda.synchronize if DEVICE == "cuda" else (lambda: None)

    @check("environment")
    def _():
        cp = backend.cupy_module()
        info = {"python": platform.python_version(), "numpy": np.__version__,
                "cupy": getattr(cp, "__version__", None), "cuda_available": mt.cuda.is_available()}
        if mt.cuda.is_available():
            info.update(gpu=mt.cuda.get_device_name(), capability=mt.cuda.get_device_capability(),
                        cuda_runtime=cp.cuda.runtime.runtimeGetVersion(), driver=cp.cuda.runtime.driverGetVersion(),
                        tf32_default=mt.backends.cuda.matmul.allow_tf32)
        try:
            import torch

            info["torch"] = torch.__version__
            info["torch_cuda"] = torch.cuda.is_available()
        except ImportError:
            info["torch"] = None
        return info

    @check("conv3x3_64_32x32_b128")
    def _():
        out = {}
        for tf32 in (False, True):
            mt.backends.cuda.matmul.allow_tf32 = tf32
            tag = "tf32" if tf32 else "fp32"
            out[f"ours_{tag}_ms"] = ms(median_time(mt_conv_step(DEVICE, batch_size(128)), sync, args.repeat))
            previous = ops.set_cuda_kernels_enabled(False)
            try:
                out[f"ours_generic_{tag}_ms"] = ms(median_time(mt_conv_step(DEVICE, batch_size(128)), sync, args.repeat))
            finally:
                ops.set_cuda_kernels_enabled(previous)
        mt.backends.cuda.matmul.allow_tf32 = False
        torch = torch_cuda()
        torch.backends.cudnn.benchmark = True
        for tf32 in (False, True):
            torch_tf32(torch, tf32)
            x = torch.randn(batch_size(128), 64, 32, 32, device=DEVICE, requires_grad=True)
            w = torch.randn(64, 64, 3, 3, device=DEVICE, requires_grad=True)
            g = torch.ones(batch_size(128), 64, 32, 32, device=DEVICE)

            def step():
                x.grad = w.grad = None
                torch.nn.functional.conv2d(x, w, padding=1).backward(g)
            out[f"torch_{'tf32' if tf32 else 'fp32'}_ms"] = ms(median_time(step, torch_sync(torch), args.repeat))
        torch_tf32(torch, False)
        out["ratio_fp32"] = round(out["ours_fp32_ms"] / out["torch_fp32_ms"], 3)
        out["ratio_tf32"] = round(out["ours_tf32_ms"] / out["torch_tf32_ms"], 3)
        out["goal"] = "ratio_fp32 <= 1.25, ratio_tf32 <= 1.5"
        return out

    @check("kernels_vs_generic_b128_64x32x32")
    def _():
        return kernels_vs_generic(args, sync)

    batch20 = batch_size(128)
    r20 = {}  # the shared ResNet-20 set-up; checks that need it fail with KeyError if it failed

    @check("resnet20_setup")
    def _():
        model = mt.models.resnet20()
        r20["state"] = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        r20["model"] = model.to(DEVICE)
        r20["x"], r20["y"] = mt_inputs(DEVICE, batch20, 32, 10)
        return {"parameters": sum(p.numel() for p in model.parameters())}

    @check("resnet20_eager_b128")
    def _():
        step, x20, y20 = mt_model_step(r20["model"], r20["x"], r20["y"]), r20["x"], r20["y"]
        seconds = median_time(lambda: step(x20, y20), sync, args.repeat)
        previous = ops.set_cuda_kernels_enabled(False)
        try:
            generic = median_time(lambda: step(x20, y20), sync, args.repeat)
        finally:
            ops.set_cuda_kernels_enabled(previous)
        return {"ms": ms(seconds), "images_per_s": round(batch20 / seconds), "generic_ms": ms(generic),
                "generic_images_per_s": round(batch20 / generic)}

    @check("resnet20_graphed_b128")
    def _():
        step = mt_model_step(r20["model"], r20["x"], r20["y"])
        graphed = mt.cuda.make_graphed_step(step, r20["x"], r20["y"])
        x2, y2 = mt_inputs(DEVICE, batch20, 32, 10)
        seconds = median_time(lambda: graphed(x2, y2), sync, args.repeat * 4)
        loss = float(graphed(x2, y2).item())
        return {"ms": ms(seconds), "images_per_s": round(batch20 / seconds), "loss_after": loss,
                "loss_is_finite": bool(np.isfinite(loss))}

    @check("resnet20_torch_b128")
    def _():
        torch = torch_cuda()
        torch_tf32(torch, False)
        torch.backends.cudnn.benchmark = True
        model = torch_resnet20(r20["state"]).to(DEVICE)
        x = torch.randn(batch20, 3, 32, 32, device=DEVICE)
        y = torch.randint(0, 10, (batch20,), device=DEVICE)
        step = torch_step(torch, model, x, y)
        seconds = median_time(step, torch_sync(torch), args.repeat * 4)
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        step()
        torch.cuda.synchronize()
        return {"ms": ms(seconds), "images_per_s": round(batch20 / seconds),
                "peak_bytes": torch.cuda.max_memory_allocated(), "peak_above_start_bytes":
                torch.cuda.max_memory_allocated() - base}

    @check("resnet20_memory_b128")
    def _():
        step, x20, y20 = mt_model_step(r20["model"], r20["x"], r20["y"]), r20["x"], r20["y"]
        step(x20, y20)
        sync()
        mt.cuda.reset_peak_memory_stats()
        base = mt.cuda.memory_allocated()
        step(x20, y20)
        sync()
        out = {"gpu": mt.cuda.get_device_name() if DEVICE == "cuda" else "cpu dry run",
               "peak_bytes": mt.cuda.max_memory_allocated(), "peak_above_start_bytes":
               mt.cuda.max_memory_allocated() - base}
        ref = RESULTS.get("resnet20_torch_b128", {})
        if ref.get("ok"):
            out["ratio_vs_torch"] = round(out["peak_bytes"] / ref["peak_bytes"], 3)
            out["goal"] = "ratio_vs_torch <= 1.5"
        return out

    @check("resnet20_summary")
    def _():
        ours = [RESULTS[k]["images_per_s"] for k in ("resnet20_eager_b128", "resnet20_graphed_b128")
                if RESULTS.get(k, {}).get("ok")]
        ref = RESULTS["resnet20_torch_b128"]["images_per_s"]
        return {"best_ours_images_per_s": max(ours), "torch_images_per_s": ref,
                "ratio": round(max(ours) / ref, 3), "goal": "ratio >= 1.0"}

    r20.clear()
    mt.cuda.empty_cache()

    @check("resnet50_224_b64")
    def _():
        if DEVICE != "cuda":
            return {"skipped": "dry run on the CPU"}
        n = 64
        model = mt.models.resnet50().to(DEVICE)
        x, y = mt_inputs(DEVICE, n, 224, 1000)
        step = mt_model_step(model, x, y)
        seconds = median_time(lambda: step(x, y), sync, max(2, args.repeat // 3), warmup=1)
        out = {"ours_ms": ms(seconds), "ours_images_per_s": round(n / seconds, 1)}
        del model, step
        mt.cuda.empty_cache()
        torch = torch_cuda()
        torch_tf32(torch, False)
        tmodel = torch_resnet50(torch).to(DEVICE)
        tx = torch.randn(n, 3, 224, 224, device=DEVICE)
        ty = torch.randint(0, 1000, (n,), device=DEVICE)
        tseconds = median_time(torch_step(torch, tmodel, tx, ty), torch_sync(torch), args.repeat)
        del tmodel
        torch.cuda.empty_cache()
        out.update(torch_ms=ms(tseconds), torch_images_per_s=round(n / tseconds, 1),
                   ratio=round(tseconds / seconds, 3), goal="ratio (ours images/s / torch's) >= 0.6")
        return out

    @check("numpy_vs_cupy")
    def _():
        workloads = {
            "conv2d 3x3 64->64 32x32 b32 fwd+bwd": lambda d: mt_conv_step(d, batch_size(32)),
            "max_pool2d 2x2 64x32x32 b32 fwd+bwd": lambda d: mt_pool_step(d, batch_size(32)),
            "batch_norm2d 64x32x32 b32 fwd+bwd": lambda d: mt_bn_step(d, batch_size(32)),
            "lenet5 train step b64": lambda d: _model_workload(mt.models.lenet5(), d, batch_size(64), 1, 32, 10),
            "resnet20 train step b128": lambda d: _model_workload(mt.models.resnet20(), d, batch_size(128), 3, 32, 10),
        }
        rows = {}
        for name, make in workloads.items():
            row = {}
            for device, repeat in (("cpu", 2), (DEVICE, args.repeat)):
                try:
                    fn = make(device)
                    row[f"{device}_ms"] = ms(median_time(fn, sync if device == "cuda" else (lambda: None), repeat,
                                                         warmup=1))
                except Exception as e:  # noqa: BLE001 - one workload failing must not hide the others
                    row[f"{device}_error"] = f"{type(e).__name__}: {e}"[:500]
            if "cpu_ms" in row and "cuda_ms" in row and DEVICE == "cuda":
                row["speedup"] = round(row["cpu_ms"] / row["cuda_ms"], 1)
            rows[name] = row
        return {"rows": rows}


def kernels_vs_generic(args, sync):
    """Each own kernel next to the generic xp code it replaces (ms, forward+backward where it applies).

    (im2col and batch-norm kernels measured 0.67x and 0.41x the generic code here, H200, and were removed.)
    """
    from minitorch_cnn.cuda import kernels as K
    from minitorch_cnn.ops import im2col as im2col_ops, pool as pool_ops

    xp = backend.cupy_module()
    n = batch_size(128)
    x = xp.random.standard_normal((n, 64, 32, 32)).astype(xp.float32)
    conv = ((3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1))
    pool = ((2, 2), (2, 2), ((0, 0), (0, 0)), (1, 1), (16, 16))
    cols = im2col_ops.im2col(x, *conv, (32, 32))

    def generic_pool():
        op = pool_ops.MaxPool2d(*pool)
        op.backward(op.forward(x))

    def kernel_pool():
        y, idx = K.max_pool2d_forward(x, pool[0], pool[1], pool[2], pool[3], pool[4])
        K.max_pool2d_backward(y, idx, x.shape, *pool[:4])

    pairs = {
        "col2im 3x3": (lambda: K.col2im(cols, x.shape, *conv), lambda: im2col_ops.col2im(cols, x.shape, *conv)),
        "max_pool2d 2x2 fwd+bwd": (kernel_pool, generic_pool),
    }
    rows = {}
    previous = ops.set_cuda_kernels_enabled(False)  # the generic ops must not call the kernels
    try:
        for name, (kernel_fn, generic_fn) in pairs.items():
            row = {}
            for tag, fn in (("kernel_ms", kernel_fn), ("generic_ms", generic_fn)):
                try:
                    row[tag] = ms(median_time(fn, sync, args.repeat))
                except Exception as e:  # noqa: BLE001 - report and go on
                    row[tag.replace("_ms", "_error")] = f"{type(e).__name__}: {e}"[:300]
            if "kernel_ms" in row and "generic_ms" in row:
                row["speedup"] = round(row["generic_ms"] / row["kernel_ms"], 2)
            rows[name] = row
    finally:
        ops.set_cuda_kernels_enabled(previous)
    return {"rows": rows}


def _model_workload(model, device, batch, channels, size, classes):
    model.to(device)
    x = mt.randn(batch, channels, size, size, device=device)
    y = mt.randint(0, classes, (batch,), device=device)
    step = mt_model_step(model, x, y)
    return lambda: step(x, y)


def main():
    global OUT_DIR, DEVICE, BATCH_DIVISOR, DEADLINE
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.environ.get("OUT", "gpu_out"))
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--budget", type=float, default=float("inf"), help="seconds after which checks are skipped")
    parser.add_argument("--dry-run-cpu", action="store_true", help="run the checks on the CPU (tests this script)")
    args = parser.parse_args()
    OUT_DIR = args.out
    DEADLINE = time.perf_counter() + args.budget
    os.makedirs(OUT_DIR, exist_ok=True)
    if args.dry_run_cpu:
        DEVICE, BATCH_DIVISOR = "cpu", 32
    elif not mt.cuda.is_available():
        RESULTS["environment"] = {"ok": False, "error": "no CUDA GPU visible to CuPy (mt.cuda.is_available() False)"}
        save()
        print(RESULTS["environment"]["error"])
        return
    mt.manual_seed(0)
    run_all(args)


if __name__ == "__main__":
    main()
