"""The edge cases of the functional API that a hostile-input probe found: each gives PyTorch's result, or
PyTorch's error (its text inside ours, which also names the op). Checked against the installed torch."""
import math

import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _inf_corner(lib, value=math.inf):
    x = lib.zeros(1, 1, 4, 4)
    x[0, 0, 0, 0] = value
    return x


INT = {"torch": torch.int64, "mt": mt.int64}

# label -> call(lib, F): the same call spelled for either library
CASES = {
    "adaptive_avg_pool2d inf stays in its bin": lambda lib, f: f.adaptive_avg_pool2d(_inf_corner(lib), 2),
    "adaptive_avg_pool2d nan stays in its bin": lambda lib, f: f.adaptive_avg_pool2d(_inf_corner(lib, math.nan), 2),
    "adaptive_avg_pool2d empty input, 1x1: nan": lambda lib, f: f.adaptive_avg_pool2d(lib.ones(1, 1, 0, 4), 1),
    "adaptive_avg_pool2d empty input": lambda lib, f: f.adaptive_avg_pool2d(lib.ones(1, 1, 0, 4), 2),
    "adaptive_avg_pool2d third size": lambda lib, f: f.adaptive_avg_pool2d(lib.ones(1, 1, 4, 4), (2, 2, 2)),
    "adaptive_avg_pool2d zero output": lambda lib, f: f.adaptive_avg_pool2d(lib.ones(1, 1, 2, 2), 0),
    "adaptive_max_pool2d empty window": lambda lib, f: f.adaptive_max_pool2d(lib.ones(1, 1, 0, 4), 2),
    "adaptive_max_pool2d last nan": lambda lib, f: f.adaptive_max_pool2d(
        lib.tensor([[[[math.nan, 1.0], [math.nan, 2.0]]]]), 1, return_indices=True),
    "max_pool2d last nan": lambda lib, f: f.max_pool2d(
        lib.tensor([[[[math.nan, 1.0], [math.nan, 2.0]]]]), 2, return_indices=True),
    "max_pool2d int64 with padding": lambda lib, f: f.max_pool2d(
        lib.arange(9).reshape(1, 1, 3, 3).to(INT["torch" if lib is torch else "mt"]), 2, padding=1),
    "max_pool2d third kernel number": lambda lib, f: f.max_pool2d(lib.ones(1, 1, 4, 4), (2, 2, 2)),
    "max_pool2d zero kernel": lambda lib, f: f.max_pool2d(lib.ones(1, 1, 4, 4), 0),
    "max_pool2d dilated pad": lambda lib, f: f.max_pool2d(lib.ones(1, 1, 7, 7), 3, padding=2, dilation=2),
    "avg_pool2d third stride number": lambda lib, f: f.avg_pool2d(lib.ones(1, 1, 4, 4), 2, (2, 2, 2)),
    "avg_pool2d no channels": lambda lib, f: f.avg_pool2d(lib.ones(1, 0, 4, 4), 2),
    "nearest inf stays put": lambda lib, f: f.interpolate(_inf_corner(lib), scale_factor=2, mode="nearest"),
    "bilinear inf": lambda lib, f: f.interpolate(_inf_corner(lib), scale_factor=2, mode="bilinear"),
    "bilinear inf align_corners": lambda lib, f: f.interpolate(_inf_corner(lib), size=(3, 3), mode="bilinear",
                                                               align_corners=True),
    "interpolate scale inf": lambda lib, f: f.interpolate(lib.ones(1, 1, 2, 2), scale_factor=math.inf),
    "interpolate scale nan": lambda lib, f: f.interpolate(lib.ones(1, 1, 2, 2), scale_factor=math.nan),
    "interpolate scale 0": lambda lib, f: f.interpolate(lib.ones(1, 1, 2, 2), scale_factor=0.0),
    "interpolate third size": lambda lib, f: f.interpolate(lib.ones(1, 1, 4, 4), size=(2, 2, 2)),
    "interpolate 3-D nearest": lambda lib, f: f.interpolate(lib.arange(6.0).reshape(1, 2, 3), size=5),
    "cross_entropy ignored row with inf": lambda lib, f: f.cross_entropy(
        lib.tensor([[math.inf, 0.0, 0.0], [1.0, 2.0, 3.0]]), lib.tensor([1, 2]), ignore_index=1),
    "cross_entropy zero classes": lambda lib, f: f.cross_entropy(lib.ones(2, 0), lib.tensor([0, 0])),
    "cross_entropy zero classes, all ignored": lambda lib, f: f.cross_entropy(
        lib.ones(2, 0), lib.tensor([1, 1]), ignore_index=1, reduction="sum"),
    "dropout p=nan": lambda lib, f: f.dropout(lib.ones(3), p=math.nan),
    "dropout p=2": lambda lib, f: f.dropout(lib.ones(3), p=2.0),
    "dropout int64": lambda lib, f: f.dropout(lib.ones(3).to(INT["torch" if lib is torch else "mt"]), p=0.5),
    "dropout int64 eval": lambda lib, f: f.dropout(lib.ones(3).to(INT["torch" if lib is torch else "mt"]), 0.5,
                                                   training=False),
    "linear wrong bias": lambda lib, f: f.linear(lib.ones(5, 2), lib.ones(1, 2), lib.ones(3)),
    "linear wrong weight": lambda lib, f: f.linear(lib.ones(5, 2), lib.ones(3, 3)),
    "local_response_norm huge size": lambda lib, f: f.local_response_norm(lib.arange(8.0).reshape(1, 2, 2, 2),
                                                                          size=10**5),  # (torch pads it)
    "local_response_norm size 0": lambda lib, f: f.local_response_norm(lib.ones(1, 1, 1, 1), size=0),
    "batch_norm no channels": lambda lib, f: f.batch_norm(lib.ones(2, 0, 3), lib.ones(0), lib.ones(0),
                                                          training=True),
    "batch_norm int64": lambda lib, f: f.batch_norm(lib.ones(2, 3).to(INT["torch" if lib is torch else "mt"]),
                                                    lib.zeros(3), lib.ones(3), training=True),
    "cat of 0-d": lambda lib, f: lib.cat([lib.tensor(1.0), lib.tensor(2.0)]),
    "cat of 0-d second": lambda lib, f: lib.cat([lib.ones(1), lib.tensor(2.0)]),
    "softmax of nothing": lambda lib, f: f.softmax(lib.ones(2, 0), dim=1),
    "conv2d third stride number": lambda lib, f: f.conv2d(lib.ones(1, 1, 4, 4), lib.ones(1, 1, 2, 2),
                                                          stride=(1, 1, 1)),
    "conv2d empty batch": lambda lib, f: f.conv2d(lib.ones(0, 2, 4, 4), lib.ones(3, 2, 3, 3), lib.ones(3)),
}


def _run(lib, f, call):
    try:
        out = call(lib, f)
    except Exception as e:  # noqa: BLE001 - the error is what is compared
        return None, e
    outs = out if isinstance(out, tuple) else (out,)
    return [(str(o.dtype).split(".")[-1], o.detach().numpy()) for o in outs], None


@pytest.mark.parametrize("label", sorted(CASES))
def test_edge_case_matches_torch(label):
    theirs, their_error = _run(torch, TF, CASES[label])
    ours, our_error = _run(mt, F, CASES[label])
    if their_error is not None:
        assert our_error is not None, f"torch raises {their_error!r}, ours returns {ours}"
        assert str(their_error).splitlines()[0].strip() in str(our_error)
        return
    assert our_error is None, f"ours raises {our_error!r}"
    assert [(d, a.shape) for d, a in ours] == [(d, a.shape) for d, a in theirs]
    for (_, a), (_, b) in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)  # NaN where torch has NaN, inf where inf


def test_huge_arguments_are_refused_or_clamped_quickly():
    import time

    start = time.perf_counter()
    assert F.local_response_norm(mt.ones(1, 1, 1, 1), size=10**6).tolist() == [[[[1.0]]]]
    with pytest.raises(RuntimeError, match="adaptive_max_pool2d: DefaultCPUAllocator: can't allocate memory"):
        F.adaptive_max_pool2d(mt.ones(6, 1, 6, 3), 10**6)
    with pytest.raises(RuntimeError, match="interpolate: DefaultCPUAllocator: can't allocate memory"):
        F.interpolate(mt.ones(1, 1, 2, 2), scale_factor=1e7)
    assert F.adaptive_avg_pool2d(mt.ones(6, 0, 6, 3), 10**6).shape == (6, 0, 10**6, 10**6)
    assert time.perf_counter() - start < 2.0


def test_empty_and_ignored_inputs_keep_their_gradients():
    x = mt.zeros(0, 2, 4, 4, requires_grad=True)
    w = mt.ones(3, 2, 3, 3, requires_grad=True)
    F.conv2d(x, w).sum().backward()
    assert x.grad.shape == x.shape and w.grad.tolist() == mt.zeros(3, 2, 3, 3).tolist()
    logits = mt.tensor([[math.inf, 0.0, 0.0], [1.0, 2.0, 3.0]], requires_grad=True)
    F.cross_entropy(logits, mt.tensor([1, 2]), ignore_index=1).backward()
    grad = logits.grad.numpy()  # PyTorch's too: the ignored row's log_softmax backward is NaN, the other exact
    assert np.isnan(grad[0]).all()
    np.testing.assert_allclose(grad[1], [0.09003057, 0.24472847, -0.33475904], rtol=1e-6)
