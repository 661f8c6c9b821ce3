"""tinygrad on a peers workload: ``tinygrad.nn`` layers, Tensor ops, ``nn.optim.SGD``.

tinygrad is lazy: a step builds a graph and runs nothing until a tensor is realized. Each step here
realizes the loss together with what the step must produce (the gradients for conv3x3; the updated
parameters, momentum buffers and batch-norm statistics, ``opt.schedule_step()``, for the models) in
one schedule, as tinygrad's own training examples do (``loss.realize(*opt.schedule_step())``), and
the timed span ends with a device synchronisation. Training mode is ``Context(TRAINING=1)`` (the
``Tensor.training`` flag of older releases). The spec's ``mode`` is ``eager`` (the step's Python runs
every time) or ``jit`` (the step wrapped in ``TinyJit``, as tinygrad's examples train: captured on the
second call, replayed from the third, so it needs at least three warm-up steps).
"""
import os
import platform
import subprocess
from importlib.metadata import version

import harness
from tinygrad import Context, Device, Tensor, TinyJit, dtypes, nn
from tinygrad.nn.state import get_parameters


class TwoLayerNet:
    def __init__(self):
        self.l1, self.l2 = nn.Linear(1000, 100), nn.Linear(100, 10)

    def __call__(self, x):
        return self.l2(self.l1(x).relu())


class LeNet5:
    def __init__(self):
        self.c1, self.c2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
        self.f1, self.f2, self.f3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def __call__(self, x):
        x = self.c1(x).relu().max_pool2d(2)
        x = self.c2(x).relu().max_pool2d(2)
        x = self.f1(x.flatten(1)).relu()
        return self.f3(self.f2(x).relu())


class BasicBlock:
    """He et al.'s CIFAR block, option-A shortcut (subsample, zero-pad the channels)."""

    def __init__(self, cin, cout, stride):
        self.c1, self.b1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm(cout)
        self.c2, self.b2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm(cout)
        self.stride, self.extra = stride, cout - cin

    def __call__(self, x):
        out = self.b2(self.c2(self.b1(self.c1(x)).relu()))
        if self.stride != 1 or self.extra:
            s = self.stride
            x = x[:, :, ::s, ::s].pad((0, 0, 0, 0, self.extra // 2, self.extra - self.extra // 2))
        return (out + x).relu()


class ResNet20:
    def __init__(self):
        self.c1, self.b1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm(16)
        self.blocks, cin = [], 16
        for stage, width in enumerate([16, 32, 64]):
            for j in range(3):
                self.blocks.append(BasicBlock(cin, width, 2 if stage and not j else 1))
                cin = width
        self.fc = nn.Linear(64, 10)

    def __call__(self, x):
        x = self.b1(self.c1(x)).relu()
        for block in self.blocks:
            x = block(x)
        return self.fc(x.mean((2, 3)))


MODELS = {"TwoLayerNet": TwoLayerNet, "LeNet-5": LeNet5, "ResNet-20": ResNet20}


def tensor(entry):
    raw, shape, kind = entry
    return Tensor(raw, dtype=dtypes.float32 if kind == "f4" else dtypes.int32).reshape(shape).contiguous().realize()


def _name(dtype):
    return "float32" if dtype == dtypes.float32 else dtype.name


def _versions():
    try:
        clang = subprocess.run(["clang", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        clang = "clang not found"
    renderer = type(Device[Device.DEFAULT].renderer).__name__
    return {"tinygrad": version("tinygrad"), "python": platform.python_version(),
            "device": f"{Device.DEFAULT} ({renderer}, {clang}; DEV={os.environ.get('DEV', '')}, "
                      f"NUM_CPU_THREADS={os.environ.get('NUM_CPU_THREADS', 'default')})"}


def build(spec, data):
    Tensor.manual_seed(0)
    jit = spec["mode"] == "jit"
    arrays = {name: tensor(entry) for name, entry in data.items()}
    device = Device[Device.DEFAULT]
    if spec["workload"] == "conv3x3":
        x, w, b, g = (arrays[k] for k in ("x", "w", "b", "g"))

        def step():
            for t in (x, w, b, g):
                t.grad = None  # backward fills every float tensor in the graph; none may accumulate
            loss = (x.conv2d(w, b, padding=1) * g).sum()
            loss.backward()
            return loss.realize(x.grad, w.grad, b.grad), x.grad, w.grad, b.grad
    else:
        model = MODELS[spec["workload"]]()
        recipe = spec["recipe"]
        opt = nn.optim.SGD(get_parameters(model), lr=recipe["lr"], momentum=recipe["momentum"],
                           weight_decay=recipe["weight_decay"])
        x = arrays["x"]
        target = arrays["target"] if spec["workload"] == "TwoLayerNet" else arrays["labels"]

        def step():
            with Context(TRAINING=1):
                x.grad = target.grad = None  # backward fills every float tensor in the graph; none may accumulate
                opt.zero_grad()
                out = model(x)
                if spec["workload"] == "TwoLayerNet":
                    loss = ((out - target) ** 2).mean()
                else:
                    loss = out.sparse_categorical_crossentropy(target)
                loss.backward()
                return (loss.realize(*opt.schedule_step()),)
    run = TinyJit(step) if jit else step
    last = {}

    def timed_step():
        last["out"] = run()
        return last["out"][0]

    def check():
        if spec["workload"] == "conv3x3":
            _, dx, dw, db = last["out"]
            return {"dx_l1": dx.abs().sum().item(), "dw_l1": dw.abs().sum().item(), "db_sum": db.sum().item(),
                    "grad_dtype": _name(dw.dtype)}
        out, params = model(x), [p for p in get_parameters(model) if p.is_param]
        return {"out_shape": list(out.shape), "out_dtype": _name(out.dtype),
                "grad_dtype": ",".join(sorted({_name(p.grad.dtype) for p in params})),
                "params": sum(p.numel() for p in params)}

    notes = "TinyJit" if jit else "eager"
    return harness.Bench(timed_step, lambda loss: loss.item(), check, sync=device.synchronize,
                         versions=_versions(), notes=notes)


if __name__ == "__main__":
    harness.main(build)
