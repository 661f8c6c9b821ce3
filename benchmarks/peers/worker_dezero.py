"""DeZero (the framework of the book "Deep Learning from Scratch 3") on a peers workload.

Everything is DeZero's public API: ``dezero.layers`` (Conv2d, Linear, BatchNorm), ``dezero.functions``
(relu, pooling, sum, softmax_cross_entropy), ``MomentumSGD`` with the ``WeightDecay``
hook. DeZero has no padding op, so ResNet-20's option-A shortcut pads its channels with a
``dezero.Function`` subclass, which is how DeZero's users add an op. Layers are float32 (DeZero's
default dtype) and training mode is DeZero's default (``dezero.Config.train``).

Its environment: ``pip install dezero 'numpy<2' 'matplotlib<3.9'``. DeZero 0.0.13 imports matplotlib
without declaring it, and wraps Python scalars as 0-d arrays (``x * 2``, ``gy * (1 / N)``), which only
NumPy 1's value-based casting keeps float32: on NumPy 2 its steps would run in float64. It also names
``np.int`` (removed in NumPy 1.24), aliased here. The labels are uint8, as DeZero's own MNIST loader gives them:
its cross-entropy builds the one-hot targets in the labels' dtype, and int64 ones would make the
gradient float64.
"""
import platform

import numpy as np

if int(np.__version__.split(".")[0]) >= 2:
    raise SystemExit(f"DeZero needs NumPy 1.x to compute in float32, not {np.__version__}: "
                     "pip install 'numpy<2' 'matplotlib<3.9'")
np.int = int  # DeZero 0.0.13 names it (a default argument in dezero.transforms); NumPy 1.24 removed it
import dezero  # noqa: E402
import dezero.functions as F  # noqa: E402
import dezero.layers as L  # noqa: E402
import harness  # noqa: E402
from dezero import Function, Model, Parameter, Variable  # noqa: E402
from dezero.optimizers import MomentumSGD, WeightDecay  # noqa: E402


class PadChannels(Function):
    """Zero channels added before and after: (N, C, H, W) -> (N, before + C + after, H, W)."""

    def __init__(self, before, after):
        self.before, self.after = before, after

    def forward(self, x):
        return np.pad(x, ((0, 0), (self.before, self.after), (0, 0), (0, 0)))

    def backward(self, gy):
        # the added channels are constants: the gradient is the slice of gy over the input's channels
        return gy[:, self.before:gy.shape[1] - self.after]


class TwoLayerNet(Model):
    def __init__(self):
        super().__init__()
        self.l1, self.l2 = L.Linear(100, in_size=1000), L.Linear(10, in_size=100)

    def forward(self, x):
        return self.l2(F.relu(self.l1(x)))


class LeNet5(Model):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = L.Conv2d(6, 5, in_channels=1), L.Conv2d(16, 5, in_channels=6)
        self.f1, self.f2, self.f3 = L.Linear(120, in_size=400), L.Linear(84, in_size=120), L.Linear(10, in_size=84)

    def forward(self, x):
        x = F.pooling(F.relu(self.c1(x)), 2, 2)
        x = F.pooling(F.relu(self.c2(x)), 2, 2)
        x = F.relu(self.f1(x.reshape(x.shape[0], -1)))
        return self.f3(F.relu(self.f2(x)))


class BasicBlock(dezero.Layer):
    """He et al.'s CIFAR block, option-A shortcut (subsample, zero-pad the channels)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = L.Conv2d(cout, 3, stride, 1, nobias=True, in_channels=cin)
        self.b1 = L.BatchNorm()
        self.c2 = L.Conv2d(cout, 3, 1, 1, nobias=True, in_channels=cout)
        self.b2 = L.BatchNorm()
        self.stride, self.extra = stride, cout - cin

    def forward(self, x):
        out = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        if self.stride != 1 or self.extra:
            x = PadChannels(self.extra // 2, self.extra - self.extra // 2)(x[:, :, ::self.stride, ::self.stride])
        return F.relu(out + x)


class ResNet20(Model):
    def __init__(self):
        super().__init__()
        self.c1, self.b1 = L.Conv2d(16, 3, 1, 1, nobias=True, in_channels=3), L.BatchNorm()
        self.names, cin = [], 16
        for stage, width in enumerate([16, 32, 64]):
            for j in range(3):
                name = f"block{stage}{j}"
                setattr(self, name, BasicBlock(cin, width, 2 if stage and not j else 1))
                self.names.append(name)
                cin = width
        self.fc = L.Linear(10, in_size=64)

    def forward(self, x):
        x = F.relu(self.b1(self.c1(x)))
        for name in self.names:
            x = getattr(self, name)(x)
        x = F.average_pooling(x, x.shape[2:], x.shape[2:])  # global average pool
        return self.fc(x.reshape(x.shape[0], -1))


def mse_loss(out, target):
    """The mean over all elements, as torch's mse_loss (DeZero's mean_squared_error divides by the batch only)."""
    return F.sum((out - target) ** 2) * np.float32(1 / out.size)


MODELS = {"TwoLayerNet": TwoLayerNet, "LeNet-5": LeNet5, "ResNet-20": ResNet20}


def build(spec, data):
    np.random.seed(0)  # DeZero initialises its weights from NumPy's global generator
    arrays = {name: np.frombuffer(raw, dtype="<" + kind).reshape(shape).copy() for name, (raw, shape, kind) in data.items()}
    versions = {"dezero": dezero.__version__, "numpy": np.__version__, "python": platform.python_version()}
    if spec["workload"] == "conv3x3":
        x, w, b = Variable(arrays["x"]), Parameter(arrays["w"]), Parameter(arrays["b"])
        g = arrays["g"]

        def step():
            for t in (x, w, b):
                t.cleargrad()
            loss = F.sum(F.conv2d(x, w, b, 1, 1) * g)
            loss.backward()
            return loss

        def check():
            return {"dx_l1": float(np.abs(x.grad.data).sum()), "dw_l1": float(np.abs(w.grad.data).sum()),
                    "db_sum": float(b.grad.data.sum()), "grad_dtype": str(w.grad.data.dtype)}

        return harness.Bench(step, lambda loss: float(loss.data), check, versions=versions)
    model = MODELS[spec["workload"]]()
    x = arrays["x"]
    if spec["workload"] == "TwoLayerNet":
        target, loss_fn = arrays["target"], mse_loss
    else:
        target, loss_fn = arrays["labels"].astype(np.uint8), F.softmax_cross_entropy
    recipe = spec["recipe"]
    optimizer = MomentumSGD(recipe["lr"], recipe["momentum"]).setup(model)
    if recipe["weight_decay"]:
        optimizer.add_hook(WeightDecay(recipe["weight_decay"]))

    def step():
        loss = loss_fn(model(x), target)
        model.cleargrads()
        loss.backward()
        optimizer.update()
        return loss

    def check():
        with dezero.no_grad():
            out = model(x)
        grads = [p.grad for p in model.params() if p.grad is not None]
        return {"out_shape": list(out.shape), "out_dtype": str(out.dtype),
                "grad_dtype": ",".join(sorted({str(g.dtype) for g in grads})),
                "params": int(sum(g.data.size for g in grads))}

    return harness.Bench(step, lambda loss: float(loss.data), check, versions=versions)


if __name__ == "__main__":
    harness.main(build)
