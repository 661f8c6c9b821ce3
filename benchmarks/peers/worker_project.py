"""minitorch_cnn or PyTorch on a peers workload, from the project's own definitions.

The models are ``minitorch_cnn.cli.workloads``' (the zoo models and their PyTorch twins) and the step
is ``minitorch_cnn.cli.bench.sgd_step``, as ``python -m minitorch_cnn bench`` and ``benchmarks/`` time
them; the spec's ``framework`` picks the module (``minitorch_cnn`` or ``torch``).
"""
import platform
import sys

import harness


def build(spec, data):
    sys.path.insert(0, spec["repo"])
    import numpy as np

    if spec["framework"] == "minitorch_cnn":
        import minitorch_cnn as fw

        fw.tune_process()  # as `python -m minitorch_cnn` and benchmarks/ do
    else:
        import torch as fw
    fw.set_num_threads(spec["threads"])
    fw.manual_seed(0)
    from minitorch_cnn.cli.bench import sgd_step
    from minitorch_cnn.cli.workloads import lenet5, resnet20, two_layer_net

    arrays = {name: np.frombuffer(raw, dtype="<" + kind).reshape(shape).copy() for name, (raw, shape, kind) in data.items()}
    versions = {spec["framework"]: fw.__version__, "numpy": np.__version__, "python": platform.python_version()}
    if spec["framework"] == "torch":
        versions["BLAS"] = "MKL" if fw.backends.mkl.is_available() else "torch's own"
    workload = spec["workload"]
    if workload == "conv3x3":
        x, w, b = (fw.tensor(arrays[k], requires_grad=True) for k in ("x", "w", "b"))
        g = fw.tensor(arrays["g"])
        conv2d = fw.nn.functional.conv2d

        def step():
            for t in (x, w, b):
                t.grad = None
            loss = (conv2d(x, w, b, padding=1) * g).sum()
            loss.backward()
            return loss

        def check():
            return {"dx_l1": x.grad.abs().sum().item(), "dw_l1": w.grad.abs().sum().item(),
                    "db_sum": b.grad.sum().item(), "grad_dtype": str(w.grad.dtype).split(".")[-1]}

        return harness.Bench(step, lambda loss: loss.item(), check, versions=versions)
    model = {"TwoLayerNet": two_layer_net, "LeNet-5": lenet5, "ResNet-20": resnet20}[workload](fw)
    model.train()
    x = fw.tensor(arrays["x"])
    if workload == "TwoLayerNet":
        target, loss_fn = fw.tensor(arrays["target"]), fw.nn.functional.mse_loss
    else:
        target, loss_fn = fw.tensor(arrays["labels"].astype(np.int64)), fw.nn.functional.cross_entropy
    step = sgd_step(fw, model, x, target, loss_fn, **spec["recipe"])

    def check():
        with fw.no_grad():
            out = model(x)
        return {"out_shape": list(out.shape), "out_dtype": str(out.dtype).split(".")[-1],
                "grad_dtype": ",".join(sorted({str(p.grad.dtype).split(".")[-1] for p in model.parameters()})),
                "params": sum(p.numel() for p in model.parameters())}

    return harness.Bench(step, lambda loss: loss.item(), check, versions=versions)


if __name__ == "__main__":
    harness.main(build)
