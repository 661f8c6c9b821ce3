"""mt.save / mt.load: round trips, atomic writes (kill -9 mid-save), refusing malicious pickles,
clear errors for truncated or foreign files, and exact loading of PyTorch's zip checkpoints."""
import collections
import io
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import numpy as np
import pytest

import minitorch_cnn as mt
from conftest import requires_cuda, requires_torch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _same(a, b):
    """Deep equality that compares tensors by dtype, shape and values."""
    if isinstance(a, mt.Tensor):
        return (isinstance(b, mt.Tensor) and a.dtype == b.dtype and a.shape == b.shape
                and np.array_equal(a.detach().cpu().numpy(), b.detach().cpu().numpy(), equal_nan=True))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, dict):
        return type(a) is type(b) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and np.isnan(a):
        return np.isnan(b)
    return type(a) is type(b) and a == b


def _nested():
    rng = np.random.default_rng(0)
    return collections.OrderedDict([
        ("f32", mt.tensor(rng.standard_normal((3, 4)).astype(np.float32))),
        ("f64", mt.tensor(rng.standard_normal(5))),
        ("i64", mt.tensor([2**62, -3, 0])),
        ("bool", mt.tensor([True, False, True])),
        ("u8", mt.tensor(np.arange(250, 256, dtype=np.uint8))),
        ("f16", mt.tensor([1.5, -2.25], dtype=mt.float16)),
        ("scalar", mt.tensor(3.5)),
        ("empty", mt.zeros(0, 3)),
        ("transposed", mt.tensor(np.arange(6.0).reshape(2, 3)).t()),
        ("state", {0: {"step": mt.tensor(3.0), "buf": [mt.ones(2), (1, 2.5, None)]}, 1: {}}),
        ("meta", [None, True, 7, 2**70, -0.0, float("inf"), float("nan"), "x", ("a", ("b",)), []]),
        ("counter", collections.Counter([5, 5, 6])),
        ("dtype_device", (mt.float64, mt.device("cpu"))),
        ("numpy", [np.arange(4, dtype=np.uint32), np.ones((2, 0))]),
    ])


def test_round_trip_nested(tmp_path):
    obj = _nested()
    mt.save(obj, tmp_path / "a.mt")
    back = mt.load(tmp_path / "a.mt")
    assert _same(obj, back)
    assert back["transposed"].is_contiguous() and back["f32"]._data.flags.writeable
    assert os.listdir(tmp_path) == ["a.mt"]  # no temporary file left behind


def test_round_trip_file_object_sharing_and_requires_grad():
    w = mt.randn(3, requires_grad=True)
    buf = io.BytesIO()
    mt.save({"a": w, "b": [w], "c": w.detach(), "np_scalar": np.float32(1.5)}, buf)
    buf.seek(0)
    back = mt.load(buf, map_location="cpu")
    assert type(back["np_scalar"]) is float and back["np_scalar"] == 1.5  # NumPy scalars become Python numbers
    assert back["a"] is back["b"][0] and back["a"].requires_grad and not back["c"].requires_grad
    assert np.array_equal(back["a"].detach().numpy(), w.detach().numpy())


def test_save_overwrites_and_refuses_unsupported_objects(tmp_path):
    path = tmp_path / "c.mt"
    mt.save({"v": mt.zeros(2)}, path)
    mt.save({"v": mt.ones(2)}, path)
    assert mt.load(path)["v"].tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match=r"cannot save obj\['model'\]\[1\] of type object"):
        mt.save({"model": [1, object()]}, path)
    assert mt.load(path)["v"].tolist() == [1.0, 1.0]  # the failed save left the file alone


_CHILD = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {repo!r})
    import minitorch_cnn as mt
    path, mode = sys.argv[1], sys.argv[2]
    big = mt.ones(4_000_000)
    if mode == "stall_in_fsync":  # freeze after the data is written but before the rename
        def stall(fd):
            print("in fsync", flush=True)
            time.sleep(60)
        os.fsync = stall
        mt.save({{"v": big}}, path)
    else:  # keep saving until killed
        print("saving", flush=True)
        while True:
            mt.save({{"v": big}}, path)
""")


@pytest.mark.parametrize("mode", ["stall_in_fsync", "loop"])
def test_kill_9_during_save_keeps_a_complete_file(tmp_path, mode):
    path = tmp_path / "ckpt.mt"
    mt.save({"v": mt.zeros(3)}, path)
    script = tmp_path / "child.py"
    script.write_text(_CHILD.format(repo=REPO))
    child = subprocess.Popen([sys.executable, str(script), str(path), mode], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() in ("in fsync", "saving")
        if mode == "loop":
            time.sleep(0.4)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    v = mt.load(path)["v"]
    if mode == "stall_in_fsync":
        assert v.tolist() == [0.0, 0.0, 0.0]  # the previous checkpoint, untouched
    else:
        assert v.tolist() == [0.0, 0.0, 0.0] or (v.shape == (4_000_000,) and bool((v.numpy() == 1).all()))


def test_truncated_and_corrupted_files_fail_clearly(tmp_path):
    path = tmp_path / "t.mt"
    mt.save({"w": mt.arange(1000.0)}, path)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(RuntimeError, match=r"t\.mt.*truncated or corrupted"):
        mt.load(path)
    damaged = bytearray(raw)
    damaged[len(raw) // 2] ^= 0xFF  # a byte inside the tensor data: the zip CRC catches it
    path.write_bytes(bytes(damaged))
    with pytest.raises(RuntimeError, match=r"t\.mt.*truncated or corrupted"):
        mt.load(path)


def test_foreign_files_fail_clearly(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(RuntimeError, match=r"notes\.txt' is not a minitorch_cnn checkpoint"):
        mt.load(text)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("readme.md", "x")
    with pytest.raises(RuntimeError, match=r"other\.zip' is a zip file but neither"):
        mt.load(other)
    with pytest.raises(FileNotFoundError):
        mt.load(tmp_path / "missing.mt")
    with pytest.raises(ValueError, match="weights_only=False is not supported"):
        mt.load(text, weights_only=False)


def _torch_like_zip(path, payload):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", payload)
        z.writestr("archive/byteorder", "little")


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("protocol", [2, 4])
def test_malicious_pickle_is_refused_without_running(tmp_path, protocol):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    _torch_like_zip(path, pickle.dumps({"weight": _Evil(marker)}, protocol=protocol))
    with pytest.raises(pickle.UnpicklingError, match=r"evil\.pth' asks to import (posix|os|nt)\.system.*refusing"):
        mt.load(path)
    assert not marker.exists()


@pytest.mark.parametrize("module, name", [("torch.storage", "_load_from_bytes"), ("builtins", "eval"),
                                          ("torch", "load")])
def test_only_tensor_rebuilders_are_allowed(tmp_path, module, name):
    path = tmp_path / "bad.pth"
    _torch_like_zip(path, f"c{module}\n{name}\n(S'1'\ntR.".encode())
    with pytest.raises(pickle.UnpicklingError, match=f"{module}.{name}"):
        mt.load(path)


def test_tensor_view_past_its_storage_is_refused(tmp_path):
    """A crafted stride must not read outside the storage buffer."""
    path = tmp_path / "oob.pth"
    payload = (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(("
               b"X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x02tQ"
               b"K\x00K\x04\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtR.")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", payload)
        z.writestr("archive/data/0", np.zeros(2, np.float32).tobytes())
    with pytest.raises(pickle.UnpicklingError, match="reaching past its storage"):
        mt.load(path)


@requires_torch
def test_loads_torch_checkpoints_exactly(tmp_path):
    import torch

    model = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.Flatten(),
                                torch.nn.Linear(3, 2))
    model(torch.randn(2, 2, 3, 3))  # BatchNorm statistics and num_batches_tracked move
    sd = model.state_dict()
    base = torch.arange(24, dtype=torch.float64).reshape(4, 6)
    extra = {
        "transposed": base.t(), "offset_view": base[1:, 2:], "strided": base[::2, ::3], "f64": base,
        "i32": torch.tensor([1, -2], dtype=torch.int32), "bool": torch.tensor([True, False]),
        "f16": torch.tensor([0.5, 1.5], dtype=torch.float16), "i8": torch.tensor([-3], dtype=torch.int8),
        "scalar": torch.tensor(2.5), "empty": torch.zeros(0, 2), "param": torch.nn.Parameter(torch.ones(2)),
        "nested": {"list": [torch.ones(1), 3, "s", None], "tuple": (1.5, torch.zeros(1, dtype=torch.int64))},
    }
    torch.save({"model": sd, **extra}, tmp_path / "t.pth")
    back = mt.load(tmp_path / "t.pth", map_location="cpu")
    assert isinstance(back["model"], collections.OrderedDict) and list(back["model"]) == list(sd)
    assert back["model"]["1.num_batches_tracked"].dtype == mt.int64

    def check(ours, theirs):
        if isinstance(theirs, torch.Tensor):
            assert ours.dtype.name == str(theirs.dtype).split(".")[1] and tuple(ours.shape) == tuple(theirs.shape)
            assert np.array_equal(ours.detach().numpy(), theirs.detach().numpy())
            assert ours.requires_grad == theirs.requires_grad
        elif isinstance(theirs, dict):
            assert list(ours) == list(theirs)
            for k in theirs:
                check(ours[k], theirs[k])
        elif isinstance(theirs, (list, tuple)):
            assert type(ours) is type(theirs)
            for a, b in zip(ours, theirs):
                check(a, b)
        else:
            assert ours == theirs

    check(back, {"model": sd, **extra})


@requires_torch
def test_truncated_torch_file(tmp_path):  # the legacy format: tests/test_serialization_legacy.py
    import torch

    path = tmp_path / "w.pth"
    torch.save({"w": torch.arange(100.0)}, path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(RuntimeError, match=r"w\.pth"):
        mt.load(path)


@requires_cuda
def test_map_location_cuda(tmp_path):
    mt.save({"w": mt.arange(3.0)}, tmp_path / "g.mt")
    w = mt.load(tmp_path / "g.mt", map_location="cuda")["w"]
    assert w.device.type == "cuda" and w.tolist() == [0.0, 1.0, 2.0]
    assert mt.load(tmp_path / "g.mt", map_location={"cpu": "cuda:0"})["w"].is_cuda
