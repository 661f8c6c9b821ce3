"""mt.load of PyTorch's legacy (pre-1.6, non-zip) checkpoints: exact values, safety, clear errors."""
import collections
import io
import os
import pickle

import numpy as np
import pytest

import minitorch_cnn as mt
from conftest import HAS_CUDA, requires_torch

MAGIC_NUMBER, PROTOCOL_VERSION = 0x1950A86A20F9469CFC6C, 1001


def _as_numpy(tree):
    """The same tree with every tensor (torch or minitorch) replaced by a NumPy array, for comparison."""
    if isinstance(tree, dict):
        return type(tree)((k, _as_numpy(v)) for k, v in tree.items())
    if isinstance(tree, (list, tuple)):
        return type(tree)(_as_numpy(v) for v in tree)
    return tree.detach().numpy() if hasattr(tree, "detach") else tree


def _assert_same(ours, theirs):
    assert type(ours) is type(theirs)
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs)  # key order too
        for k in theirs:
            _assert_same(ours[k], theirs[k])
    elif isinstance(theirs, np.ndarray):
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape and np.array_equal(ours, theirs)
    else:
        assert ours == theirs


@requires_torch
def test_loads_torch_legacy_checkpoints_exactly(tmp_path):
    import torch

    base = torch.arange(24, dtype=torch.float64).reshape(4, 6)
    state = collections.OrderedDict([
        ("f32", torch.randn(3, 2)), ("f64", base), ("i64", torch.tensor([3, -2**40])),
        ("bool", torch.tensor([True, False, True])), ("transposed", base.t()), ("offset_view", base[1:, 2:]),
        ("strided", base[::2, ::3]), ("scalar", torch.tensor(2.5)), ("empty", torch.zeros(0, 2)),
        ("nested", collections.OrderedDict([("z", torch.ones(2)), ("a", [1, "s", None, (2.5, torch.zeros(1))])])),
    ])
    path = tmp_path / "legacy.pth"
    torch.save(state, path, _use_new_zipfile_serialization=False)
    assert not path.read_bytes().startswith(b"PK")  # really the legacy format
    back = mt.load(path)
    assert back["f64"].dtype == mt.float64 and back["i64"].dtype == mt.int64 and back["bool"].dtype == mt.bool
    _assert_same(_as_numpy(back), _as_numpy(state))

    buf = io.BytesIO()
    torch.save({"w": torch.ones(2), "p": torch.nn.Parameter(torch.full((2,), 3.0))}, buf,
               _use_new_zipfile_serialization=False)
    end = buf.tell()
    buf.seek(0)
    back = mt.load(buf, map_location="cpu")
    assert isinstance(back["p"], mt.nn.Parameter) and back["p"].requires_grad and back["p"].tolist() == [3.0, 3.0]
    assert not back["w"].requires_grad and buf.tell() == end  # left after the checkpoint, like torch.load


@requires_torch
def test_legacy_resnet18_state_dict_loads_into_our_model(tmp_path):
    import torch

    model = mt.models.resnet18(num_classes=10)
    theirs = collections.OrderedDict(
        (k, torch.randint(0, 100, tuple(v.shape)) if v.dtype == mt.int64 else torch.randn(*v.shape))
        for k, v in model.state_dict().items())
    torch.save(theirs, tmp_path / "resnet18.pth", _use_new_zipfile_serialization=False)
    model.load_state_dict(mt.load(tmp_path / "resnet18.pth"))
    ours = model.state_dict()
    assert list(ours) == list(theirs)
    for k in theirs:
        assert np.array_equal(ours[k].numpy(), theirs[k].numpy()), k


# ------------------------------------------------------------- hand-written legacy files (torch's layout)
class _Storage:
    """A storage to write: ``array`` under ``key``, saved on ``location``; ``view`` = (key, offset, numel)."""

    def __init__(self, key, array, location="cpu", view=None):
        self.key, self.array, self.location, self.view = key, array, location, view


class _Tensor:
    """Pickles as torch does: ``_rebuild_tensor_v2`` (torch >= 0.4) or ``_rebuild_tensor`` (torch 0.3)."""

    def __init__(self, storage, offset, size, stride, v1=False):
        self.args, self.v1 = (storage, offset, tuple(size), tuple(stride)), v1

    def __reduce__(self):
        import torch._utils

        if self.v1:
            return torch._utils._rebuild_tensor, self.args
        return torch._utils._rebuild_tensor_v2, self.args + (False, collections.OrderedDict())


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def _write_legacy(path, tree, storages, header=None, counts=None):
    """Write ``tree`` in torch's legacy layout; ``header`` replaces the sys_info dict, ``counts`` the counts."""
    import torch

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, _Storage):
                return "storage", torch.FloatStorage, obj.key, obj.location, obj.array.size, obj.view
            return None

    with open(path, "wb") as f:
        for part in MAGIC_NUMBER, PROTOCOL_VERSION, header or {"protocol_version": 1001, "little_endian": True}:
            pickle.dump(part, f, protocol=2)
        Pickler(f, protocol=2).dump(tree)
        pickle.dump([s.key for s in storages], f, protocol=2)
        for s, count in zip(storages, counts or [s.array.size for s in storages]):
            f.write(count.to_bytes(8, "little") + s.array.astype("<f4").tobytes())


@requires_torch
def test_torch_0_3_rebuild_and_storage_views(tmp_path):
    """vgg16-397923af.pth & co. use ``_rebuild_tensor``; pre-1.0 files may hold slices of a storage."""
    data = np.arange(10, dtype=np.float32)
    root, view = _Storage("7", data), _Storage("7", data, view=("8", 4, 6))
    tree = {"v1": _Tensor(root, 1, (2, 2), (1, 2), v1=True), "slice": _Tensor(view, 1, (3,), (2,))}
    _write_legacy(tmp_path / "old.pth", tree, [root])
    back = mt.load(tmp_path / "old.pth")
    assert back["v1"].tolist() == [[1.0, 3.0], [2.0, 4.0]] and back["slice"].tolist() == [5.0, 7.0, 9.0]


@requires_torch
def test_map_location(tmp_path):
    storage = _Storage("0", np.arange(3, dtype=np.float32), location="cuda:0")
    _write_legacy(tmp_path / "gpu.pth", {"w": _Tensor(storage, 0, (3,), (1,))}, [storage])
    for map_location in "cpu", {"cuda:0": "cpu"}, mt.device("cpu"):
        w = mt.load(tmp_path / "gpu.pth", map_location=map_location)["w"]
        assert w.device.type == "cpu" and w.tolist() == [0.0, 1.0, 2.0]
    if HAS_CUDA:
        assert mt.load(tmp_path / "gpu.pth")["w"].is_cuda
    else:
        with pytest.raises(RuntimeError, match=r"gpu\.pth' holds a tensor saved on 'cuda:0'.*map_location='cpu'"):
            mt.load(tmp_path / "gpu.pth")


@requires_torch
@pytest.mark.parametrize("where", ["header", "tree"])
def test_malicious_legacy_pickle_is_refused_without_running(tmp_path, where):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    storage = _Storage("0", np.zeros(1, np.float32))
    tree = {"w": _Tensor(storage, 0, (1,), (1,)), "x": _Evil(marker) if where == "tree" else 1}
    _write_legacy(path, tree, [storage], header={"sys_info": _Evil(marker)} if where == "header" else None)
    with pytest.raises(pickle.UnpicklingError, match=r"evil\.pth' asks to import (posix|os|nt)\.system.*refusing"):
        mt.load(path)
    assert not marker.exists()


@requires_torch
def test_truncated_or_inconsistent_legacy_files_fail_clearly(tmp_path):
    import torch

    path = tmp_path / "cut.pth"
    torch.save({"w": torch.arange(100.0), "b": torch.ones(3)}, path, _use_new_zipfile_serialization=False)
    raw = path.read_bytes()
    for cut in 10, 200, len(raw) - 100, len(raw) - 1:  # in the header, the tree, the storages
        path.write_bytes(raw[:cut])
        with pytest.raises(RuntimeError, match=r"cut\.pth' is (not a minitorch_cnn checkpoint|truncated)"):
            mt.load(path)
    storage = _Storage("0", np.zeros(4, np.float32))
    _write_legacy(path, {"w": _Tensor(storage, 0, (4,), (1,))}, [storage], counts=[3])
    with pytest.raises(RuntimeError, match=r"cut\.pth' is corrupted: storage 0 has 3 elements, its tensors expect 4"):
        mt.load(path)
