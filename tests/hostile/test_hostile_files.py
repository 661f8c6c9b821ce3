"""The attack corpus (``attacks.py``) against ``mt.load`` and the CIFAR reader: each hostile file is
refused with the right exception naming the file and the reason (or, for a stride-0 view, loaded as a
view), within 2x the file's size plus 1 MiB of memory and well under a second."""
import collections
import os
import pickle
import sys
import time
import tracemalloc

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn.serialization import CheckpointError, CorruptFileError, UnsafeFileError
from minitorch_cnn.utils.data import datasets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attacks  # noqa: E402
import measure  # noqa: E402

Unsafe, Corrupt, DataCorrupt = UnsafeFileError, CorruptFileError, datasets.CorruptFileError
# attack -> (exception, what its message says), or None where the file loads (checked below)
EXPECTED = {
    "memo_bomb": (Corrupt, "is not a minitorch_cnn checkpoint nor a PyTorch checkpoint"),
    "memo_bomb_zip": None,
    "legacy_memo_bomb": (Corrupt, "truncated or corrupted: cannot read its storage key list"),
    "billion_laughs": (Unsafe, "expands .* past 2000000 entries"),
    "billion_laughs_cifar": (DataCorrupt, "expands .* past 2000000 entries"),
    "cifar_object_array": (DataCorrupt, "NumPy array of dtype object"),
    "cifar_short_array": (DataCorrupt, r"NumPy array of shape \[1073741824, 3072\] and dtype uint8 has 3072 bytes"),
    "stride0": None,
    "overlap": None,
    "zip_bomb": (Unsafe, "compressed member 'archive/data/0' inflates to 67108864 bytes.*zip bomb"),
    "zip_bomb_pickle": (Unsafe, "compressed member 'archive/data.pkl' inflates"),
    "zip_bomb_manifest": (Unsafe, "compressed member 'minitorch_cnn_checkpoint/manifest.json' inflates"),
    "legacy_declared_size": (Corrupt, "storage 0 declares 549755813888 bytes but only 4 are left"),
    "build_storage_type": (Unsafe, "sets the state of a _StorageType"),
    "bound_method": (Unsafe, "holds a builtins.method object"),
    "bound_method_build": (Unsafe, "sets the state of a method"),
    "class_value": (Unsafe, "holds a builtins.type object"),
    "reduce_non_callable": (Unsafe, "calls _StorageType object"),
    "duplicate_member": (Corrupt, "two entries name data member 'minitorch_cnn_checkpoint/data/0' with different"),
    "wrong_compression": (Corrupt, "uses compression method 99"),
    "manifest_not_json": (Corrupt, "manifest is not valid JSON"),
    "manifest_list": (Corrupt, "manifest is a list without an 'object' entry"),
    "manifest_no_object": (Corrupt, "manifest is a dict without an 'object' entry"),
    "manifest_bad_shape": (Corrupt, "invalid array entry"),
    "manifest_bad_dtype": (Corrupt, "invalid dtype"),
    "manifest_bad_dict": (Corrupt, "malformed dict entry"),
    "manifest_deep": (Corrupt, "manifest is not valid JSON"),
    "manifest_short_data": (Corrupt, r"shape \[1099511627776\] and dtype float32 has 8 bytes"),
    "pickle_deep": (Unsafe, "nests deeper than 1000 levels"),
    "pickle_long_length": (Corrupt, "wants 4611686018427387904 bytes, but only 1 are left"),
    "dict_flood": (Unsafe, "makes more than .* bytes of Python objects"),
    "storage_short": (Corrupt, "storage 0 should hold 1073741824 FloatStorage elements but has 8 bytes"),
    "os_system": (Unsafe, "asks to import os.system.*refusing"),
}


def test_every_attack_has_an_expectation():
    assert set(EXPECTED) == set(attacks.ATTACKS)


def _read(path, reader):
    return mt.load(path) if reader == "load" else datasets.read_cifar_python(path)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_attack_is_refused_clearly_within_bounds(tmp_path, name):
    path, reader = attacks.ATTACKS[name](tmp_path)
    size = path.stat().st_size
    tracemalloc.start()
    start = time.perf_counter()
    try:
        if EXPECTED[name] is None:
            result = _read(path, reader)
        else:
            error, message = EXPECTED[name]
            with pytest.raises(error, match=message) as caught:
                _read(path, reader)
            assert str(path) in str(caught.value)  # the message names the file
    finally:
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert seconds < 2.0
    assert peak < 2 * size + (1 << 20), f"{name}: {peak} bytes for a file of {size}"
    if EXPECTED[name] is None:
        _check_loaded(name, result)


def _check_loaded(name, result):
    if name == "memo_bomb_zip":  # a memo index is a dict key: 2**28 costs one entry
        assert result is None
    elif name == "stride0":  # a stride-0 view stays a read-only view of its 1-element storage
        w = result["w"]
        assert w.shape == (2**26,) and w._data.strides == (0,) and not w._data.flags.writeable
        assert float(w[12345]) == 1.0 and float((w * 2)[7]) == 2.0
    elif name == "overlap":
        w = result["w"]
        assert w.shape == (4096, 4096) and w._data.strides == (0, 0) and float(w[5, 9]) == 0.0


def test_refusals_are_the_exceptions_callers_already_catch(tmp_path):
    for name in "memo_bomb", "os_system", "duplicate_member":
        path, _ = attacks.ATTACKS[name](tmp_path)
        for kind in CheckpointError, pickle.UnpicklingError, ValueError, RuntimeError:
            with pytest.raises(kind):
                mt.load(path)
    assert issubclass(UnsafeFileError, CheckpointError) and issubclass(CorruptFileError, CheckpointError)


@pytest.mark.parametrize("name", ["memo_bomb", "billion_laughs_cifar", "stride0", "zip_bomb"])
def test_attack_in_a_fresh_process(name):
    """ru_maxrss in a child process (what tracemalloc cannot see, such as mmap or C allocations)."""
    r = measure.measure(name, timeout=60)
    assert r["outcome"] != "hang" and not r["outcome"].startswith("crash"), r
    assert r["peak_kb"] * 1024 < 2 * r["size"] + (8 << 20), r  # 8 MiB: the child's own allocator noise


def test_views_of_one_storage_share_it_like_torch(tmp_path):
    """Non-overlapping views of one storage are writable and share its memory; nothing is copied."""
    st = attacks.storage("0", 6)
    pkl = (attacks.PROTO2 + b"}(" + attacks.s("a") + attacks.tensor(st, 0, (2, 3), (3, 1))
           + attacks.s("t") + attacks.tensor(st, 1, (2,), (3,)) + b"u.")
    path = attacks.torch_zip(tmp_path / "views.pth", pkl, [("0", np.arange(6, dtype=np.float32).tobytes())])
    back = mt.load(path)
    assert back["a"].tolist() == [[0, 1, 2], [3, 4, 5]] and back["t"].tolist() == [1.0, 4.0]
    assert back["a"]._data.flags.writeable and np.shares_memory(back["a"]._data, back["t"]._data)


def test_storage_read_as_two_types_is_refused(tmp_path):
    a, b = attacks.storage("0", 2), attacks.storage("0", 1, kind="DoubleStorage")
    pkl = (attacks.PROTO2 + b"}(" + attacks.s("a") + attacks.tensor(a, 0, (2,), (1,))
           + attacks.s("b") + attacks.tensor(b, 0, (1,), (1,)) + b"u.")
    path = attacks.torch_zip(tmp_path / "two.pth", pkl, [("0", bytes(8))])
    with pytest.raises(CorruptFileError, match="storage 0 is read as both FloatStorage and DoubleStorage"):
        mt.load(path)


def test_state_dict_metadata_survives(tmp_path):
    """torch's state_dict is an OrderedDict with a ``_metadata`` attribute, set by BUILD."""
    sd = collections.OrderedDict(w=1)
    sd._metadata = collections.OrderedDict([("", {"version": 1})])
    attacks.torch_zip(tmp_path / "meta.pth", pickle.dumps(sd, protocol=2))
    back = mt.load(tmp_path / "meta.pth")
    assert back == sd and back._metadata == sd._metadata


def test_cycles_and_shared_containers(tmp_path):
    cyclic = []
    cyclic.append(cyclic)
    attacks.torch_zip(tmp_path / "cycle.pth", pickle.dumps({"x": cyclic}, protocol=2))
    with pytest.raises(UnsafeFileError, match="holds a list inside itself"):
        mt.load(tmp_path / "cycle.pth")
    shared = [1, 2]
    attacks.torch_zip(tmp_path / "shared.pth", pickle.dumps({"a": shared, "b": (shared, shared)}, protocol=4))
    back = mt.load(tmp_path / "shared.pth")
    assert back["a"] is back["b"][0] and back["b"][1] == [1, 2]


def test_save_refuses_cycles_and_unsupported_scalars(tmp_path):
    cyclic = [1]
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match=r"mt.save: cannot save obj\['x'\]\[1\]: it contains itself"):
        mt.save({"x": cyclic}, tmp_path / "c.mt")
    with pytest.raises(TypeError, match=r"cannot save obj\['t'\] of type numpy.datetime64"):
        mt.save({"t": np.datetime64("2020-01-01")}, tmp_path / "c.mt")
    deep = []
    for _ in range(300):
        deep = [deep]
    with pytest.raises(ValueError, match="nests deeper than 200 levels"):
        mt.save(deep, tmp_path / "c.mt")
    assert not os.path.exists(tmp_path / "c.mt")


def test_mutated_checkpoints_fail_only_with_checkpoint_errors(tmp_path):
    """Every single-byte change of small native and torch checkpoints loads or raises a CheckpointError."""
    native = tmp_path / "n.mt"
    mt.save({"w": mt.arange(6.0).reshape(2, 3), "meta": [1, "x", (2.5, None)]}, native)
    st = attacks.storage("0", 4)
    torchy = attacks.torch_zip(tmp_path / "t.pth", attacks.one_entry_dict("w", attacks.tensor(st, 0, (2, 2), (2, 1))),
                               [("0", np.arange(4, dtype=np.float32).tobytes())])
    rng = np.random.default_rng(0)
    for original in native.read_bytes(), torchy.read_bytes():
        for at in rng.choice(len(original), size=120, replace=False):
            damaged = bytearray(original)
            damaged[at] = (damaged[at] + int(rng.integers(1, 256))) % 256
            path = tmp_path / "m.bin"
            path.write_bytes(bytes(damaged))
            try:
                mt.load(path)
            except CheckpointError as e:
                assert str(path) in str(e)
