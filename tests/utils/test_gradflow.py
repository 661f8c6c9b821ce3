"""GradientRecorder: per-layer weight-gradient norms and output statistics recorded by hooks, checked
against the gradients themselves and against PyTorch on a twin with the same weights."""
import json
import math

import numpy as np
import pytest
from twins import build

import minitorch_cnn as mt
from minitorch_cnn.utils.gradflow import GradientRecorder, plot_grad_flow


def lenet_batch(seed=0):
    mt.manual_seed(seed)
    model = mt.models.lenet5()
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((4, 1, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, 4)
    return model, x, y


def step(model, x, y):
    loss = mt.nn.functional.cross_entropy(model(mt.from_numpy(x)), mt.from_numpy(y))
    model.zero_grad()
    loss.backward()
    return loss


def test_norms_are_the_weight_gradients_norms_per_backward_pass():
    model, x, y = lenet_batch()
    recorder = GradientRecorder(model)
    assert recorder.layer_names == ["conv1", "conv2", "fc1", "fc2", "fc3"]
    expected = []
    for k in range(3):
        step(model, x[k:k + 2], y[k:k + 2])
        expected.append({n: float(np.linalg.norm(m.weight.grad.numpy())) for n, m in recorder.layers})
    norms = recorder.grad_norms()
    for name in recorder.layer_names:
        assert norms[name] == pytest.approx([e[name] for e in expected], rel=1e-5)
    recorder.remove()
    step(model, x, y)
    assert len(recorder.grad_norms()["conv1"]) == 3  # removed hooks record nothing more


def test_activation_statistics_of_training_forwards_only():
    model, x, y = lenet_batch()
    outputs = []
    model.conv2.register_forward_hook(lambda m, a, out: outputs.append(out.detach().numpy().copy()))
    with GradientRecorder(model, every=2) as recorder:
        for k in range(3):
            step(model, x, y)
        model.eval()
        model(mt.from_numpy(x))  # an evaluation pass is not a training statistic
    stats = recorder.activation_stats()["conv2"]
    assert recorder.to_dict()["activation_steps"]["conv2"] == [0, 2]
    assert recorder.to_dict()["grad_steps"]["conv2"] == [0, 2]
    for got_mean, got_std, got_zero, out in zip(stats["mean"], stats["std"], stats["zero_fraction"], outputs[::2]):
        assert got_mean == pytest.approx(float(out.mean()), rel=1e-5, abs=1e-7)
        assert got_std == pytest.approx(float(out.std(ddof=1)), rel=1e-5)  # PyTorch's std is unbiased
        assert got_zero == float((out == 0).mean())
    assert len(model.conv2._forward_hooks) == 1  # leaving the with-block removed the recorder's hook


def test_norms_match_pytorch_on_a_twin_with_the_same_weights():
    torch = pytest.importorskip("torch")
    model, x, y = lenet_batch(1)
    twin = build(torch, "lenet5")
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()})
    recorder = GradientRecorder(model)
    step(model, x, y)
    torch.nn.functional.cross_entropy(twin(torch.from_numpy(x)), torch.from_numpy(y)).backward()
    got = recorder.grad_norms()
    for name in recorder.layer_names:
        want = getattr(twin, name).weight.grad.norm().item()
        assert math.isclose(got[name][0], want, rel_tol=1e-4), name


def test_record_is_json_and_plots_without_pyplot_state():
    plt = pytest.importorskip("matplotlib.pyplot")
    open_figures = plt.get_fignums()
    model, x, y = lenet_batch()
    with GradientRecorder(model) as recorder:
        for _ in range(2):
            step(model, x, y)
    record = json.loads(json.dumps(recorder.to_dict()))
    fig = plot_grad_flow(record)
    assert plt.get_fignums() == open_figures  # an object-oriented Figure: pyplot does not know it
    lines = fig.axes[0].get_lines()
    assert len(lines) == 2  # the first and the last pass
    assert list(lines[1].get_ydata()) == pytest.approx([record["grad_norms"][n][1] for n in record["layers"]])
    assert fig.axes[0].get_yscale() == "log" and len(fig.axes) == 2


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="GradientRecorder: Sequential has no Conv2d / Linear layer"):
        GradientRecorder(mt.nn.Sequential(mt.nn.ReLU()))
    with pytest.raises(ValueError, match="every must be a positive integer"):
        GradientRecorder(mt.models.lenet5(), every=0)
    with pytest.raises(ValueError, match="no backward pass was recorded"):
        plot_grad_flow(GradientRecorder(mt.models.lenet5()).to_dict())


def test_pending_device_scalars_are_read_back_in_batches(monkeypatch):
    from minitorch_cnn.utils import gradflow

    monkeypatch.setattr(gradflow, "FLUSH_EVERY", 2)
    model, x, y = lenet_batch()
    recorder = GradientRecorder(model)
    norms = []
    for _ in range(3):
        step(model, x, y)
        norms.append(float(np.linalg.norm(model.fc1.weight.grad.numpy())))
    pending = recorder._grad_sq["fc1"]
    assert [isinstance(v, float) for v in pending] == [True, True, False]  # two read back, one waiting
    assert recorder.grad_norms()["fc1"] == pytest.approx(norms, rel=1e-5)
    assert all(isinstance(v, float) for v in recorder._acts["fc1"][0])
