"""The attack corpus: small hostile files, built at test time from raw pickle opcodes and zip records.

Each ``build_<name>(folder)`` writes one file and returns ``(path, reader)``, where ``reader`` is
``"load"`` (``mt.load(path)``) or ``"cifar"`` (``read_cifar_python(path)``). ``ATTACKS`` lists them all;
``tests/hostile/measure.py`` runs each in a fresh process and reports its peak memory and time.
Nothing here needs PyTorch: the files are written opcode by opcode, as torch would lay them out.
"""
import json
import pickle
import struct
import zipfile

import numpy as np

# --------------------------------------------------------------------------- pickle opcodes by hand
PROTO2 = b"\x80\x02"


def s(text):
    """BINUNICODE: a str."""
    raw = text.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


def i(n):
    """An int: BININT when it fits in 4 bytes, else LONG1."""
    if -2**31 <= n < 2**31:
        return b"J" + struct.pack("<i", n)
    raw = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(raw)]) + raw


def tup(values):
    return b"(" + b"".join(i(v) for v in values) + b"t"


def glob(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def storage(key, numel, kind="FloatStorage", location="cpu", view=None):
    """BINPERSID ('storage', torch.<kind>, key, location, numel[, view]) as torch writes it."""
    extra = b"" if view is None else b"(" + s(view[0]) + i(view[1]) + i(view[2]) + b"t"
    return b"(" + s("storage") + glob("torch", kind) + s(key) + s(location) + i(numel) + extra + b"tQ"


def tensor(storage_bytes, offset, size, stride):
    """torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())."""
    return (glob("torch._utils", "_rebuild_tensor_v2") + b"(" + storage_bytes + i(offset) + tup(size) + tup(stride)
            + b"\x89" + glob("collections", "OrderedDict") + b")RtR")


def one_entry_dict(key, value_bytes):
    return PROTO2 + b"}" + s(key) + value_bytes + b"s."


def torch_zip(path, pkl, data=(), compression=zipfile.ZIP_STORED):
    """A torch-style zip: archive/data.pkl, archive/byteorder, archive/data/<key> for each (key, bytes)."""
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/byteorder", "little")
        for key, raw in data:
            z.writestr(f"archive/data/{key}", raw)
    return path


def native_zip(path, manifest, data=(), raw_manifest=None):
    """A minitorch_cnn-style zip with the given manifest (a dict, or ``raw_manifest`` bytes as they are)."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("minitorch_cnn_checkpoint/manifest.json",
                   raw_manifest if raw_manifest is not None else json.dumps(manifest))
        for key, raw in data:
            z.writestr(f"minitorch_cnn_checkpoint/data/{key}", raw)
    return path


def native_manifest(obj):
    return {"format": "minitorch_cnn.checkpoint", "version": 1, "object": obj}


def native_tensor(member, dtype, shape):
    return {"__tensor__": f"minitorch_cnn_checkpoint/data/{member}", "dtype": dtype, "shape": shape,
            "device": "cpu", "requires_grad": False, "parameter": False}


# --------------------------------------------------------------------------------------- the attacks
def build_memo_bomb(folder):
    """9 bytes: LONG_BINPUT with index 2**25; CPython's C unpickler pre-sizes its memo to that (512 MB)."""
    path = folder / "memo_bomb.pth"
    path.write_bytes(PROTO2 + b"N" + b"r" + struct.pack("<I", 2**25) + b".")
    return path, "load"


def build_memo_bomb_zip(folder):
    """The same memo bomb as a torch zip checkpoint's data.pkl."""
    return torch_zip(folder / "memo_bomb_zip.pth", PROTO2 + b"N" + b"r" + struct.pack("<I", 2**28) + b"."), "load"


def _laughs(depth, fanout):
    node = [0]
    for _ in range(depth):
        node = [node] * fanout
    return node


def build_billion_laughs(folder):
    """~600 bytes: 30 levels of a list holding the level below twice (2**30 leaves when expanded)."""
    return torch_zip(folder / "laughs.pth", pickle.dumps({"w": _laughs(30, 2)}, protocol=2)), "load"


def build_billion_laughs_cifar(folder):
    """A CIFAR python batch whose 'data' is 2**30 shared nested lists: np.asarray would expand it."""
    path = folder / "data_batch_laughs"
    path.write_bytes(pickle.dumps({b"data": _laughs(30, 2), b"labels": [0]}, protocol=2))
    return path, "cifar"


def build_cifar_object_array(folder):
    """A CIFAR python batch whose 'data' is an object array (its BUILD would hold arbitrary objects)."""
    path = folder / "data_batch_object"
    path.write_bytes(pickle.dumps({b"data": np.array([None, 1], dtype=object), b"labels": [0]}, protocol=2))
    return path, "cifar"


def build_cifar_short_array(folder):
    """A CIFAR python batch whose array claims shape (2**30, 3072) but carries 3072 bytes."""
    ok = pickle.dumps({b"data": np.zeros((1, 3072), np.uint8), b"labels": [0]}, protocol=2)
    path = folder / "data_batch_short"
    path.write_bytes(ok.replace(b"K\x01M\x00\x0c\x86", b"J\x00\x00\x00\x40M\x00\x0c\x86", 1))
    return path, "cifar"


def build_stride0(folder):
    """A 1-element storage viewed with stride 0 as 2**26 elements: materialised, that is 256 MB."""
    pkl = one_entry_dict("w", tensor(storage("0", 1), 0, (2**26,), (0,)))
    return torch_zip(folder / "stride0.pth", pkl, [("0", np.ones(1, np.float32).tobytes())]), "load"


def build_overlap(folder):
    """An 8-element storage viewed as (2**12, 2**12) with strides (1, 1): overlapping windows."""
    pkl = one_entry_dict("w", tensor(storage("0", 8), 0, (2**12, 2**12), (0, 0)))
    return torch_zip(folder / "overlap.pth", pkl, [("0", np.arange(8, dtype=np.float32).tobytes())]), "load"


def _deflated_zeros(z, name, nbytes):
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    chunk = bytes(1 << 20)
    with z.open(info, "w", force_zip64=True) as out:
        for _ in range(nbytes >> 20):
            out.write(chunk)


def build_zip_bomb(folder):
    """A deflated storage member: ~64 KB in the file, 64 MB of float32 zeros declared and decompressed."""
    path = folder / "zip_bomb.pth"
    numel = 2**24
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", one_entry_dict("w", tensor(storage("0", numel), 0, (numel,), (1,))))
        z.writestr("archive/byteorder", "little")
        _deflated_zeros(z, "archive/data/0", numel * 4)
    return path, "load"


def build_zip_bomb_pickle(folder):
    """A deflated data.pkl that decompresses to 64 MB (a BINBYTES8 of zeros)."""
    path = folder / "zip_bomb_pkl.pth"
    with zipfile.ZipFile(path, "w") as z:
        info = zipfile.ZipInfo("archive/data.pkl")
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as out:
            out.write(PROTO2 + b"\x8e" + struct.pack("<Q", 64 << 20))
            for _ in range(64):
                out.write(bytes(1 << 20))
            out.write(b".")
    return path, "load"


def build_zip_bomb_manifest(folder):
    """A native checkpoint whose deflated manifest.json decompresses to 64 MB of spaces."""
    path = folder / "zip_bomb_manifest.mt"
    with zipfile.ZipFile(path, "w") as z:
        info = zipfile.ZipInfo("minitorch_cnn_checkpoint/manifest.json")
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as out:
            out.write(json.dumps(native_manifest(1)).encode())
            for _ in range(64):
                out.write(b" " * (1 << 20))
    return path, "load"


def _legacy_header():
    return b"".join(pickle.dumps(part, protocol=2) for part in
                    (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True}))


def build_legacy_declared_size(folder):
    """A legacy checkpoint whose storage declares 2**37 elements (512 GB) and holds 4 bytes."""
    numel = 2**37
    tree = one_entry_dict("w", tensor(storage("0", numel), 0, (1,), (1,)))
    path = folder / "legacy_big.pth"
    path.write_bytes(_legacy_header() + tree + pickle.dumps(["0"], protocol=2) + struct.pack("<q", numel) + bytes(4))
    return path, "load"


def build_legacy_memo_bomb(folder):
    """A legacy checkpoint whose object tree is a memo bomb (after a valid header)."""
    path = folder / "legacy_memo.pth"
    path.write_bytes(_legacy_header() + PROTO2 + b"N" + b"r" + struct.pack("<I", 2**28) + b".")
    return path, "load"


def build_build_storage_type(folder):
    """BUILD {'dtype': 'S4'} on torch.FloatStorage, then a tensor of that storage type: tensors of bytes."""
    kind = glob("torch", "FloatStorage") + b"}" + s("dtype") + s("S4") + b"sb"
    pid = b"(" + s("storage") + kind + s("0") + s("cpu") + i(2) + b"tQ"
    pkl = one_entry_dict("w", tensor(pid, 0, (2,), (1,)))
    return torch_zip(folder / "build_storage.pth", pkl, [("0", b"abcdefgh")]), "load"


def build_bound_method(folder):
    """The loader's own rebuild function as a value (it would come back to the caller)."""
    return torch_zip(folder / "method.pth", one_entry_dict("f", glob("torch._utils", "_rebuild_parameter"))), "load"


def build_bound_method_build(folder):
    """BUILD on the loader's own rebuild function: writes its __dict__ for the rest of the process."""
    value = glob("torch._utils", "_rebuild_parameter") + b"}" + s("pwned") + i(1) + b"sb"
    return torch_zip(folder / "method_build.pth", one_entry_dict("f", value)), "load"


def build_class_value(folder):
    """The OrderedDict class itself as a value."""
    return torch_zip(folder / "class.pth", one_entry_dict("c", glob("collections", "OrderedDict"))), "load"


def build_reduce_non_callable(folder):
    """REDUCE on a storage-type stand-in (not a function)."""
    return torch_zip(folder / "reduce_type.pth", one_entry_dict("c", glob("torch", "FloatStorage") + b")R")), "load"


def build_duplicate_member(folder):
    """Two native tensors naming the same data member with different dtypes and shapes."""
    manifest = native_manifest({"__dict__": "dict", "items": [
        ["a", native_tensor("0", "float32", [2])], ["b", native_tensor("0", "int64", [1])]]})
    return native_zip(folder / "dup.mt", manifest, [("0", np.ones(2, np.float32).tobytes())]), "load"


def build_wrong_compression(folder):
    """A native checkpoint whose members claim compression method 99 (unknown to zipfile)."""
    path = folder / "method99.mt"
    native_zip(path, native_manifest(native_tensor("0", "float32", [2])), [("0", np.ones(2, np.float32).tobytes())])
    raw = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):  # local and central headers
        at = raw.find(signature)
        while at >= 0:
            raw[at + offset:at + offset + 2] = struct.pack("<H", 99)
            at = raw.find(signature, at + 4)
    path.write_bytes(bytes(raw))
    return path, "load"


def build_manifest_not_json(folder):
    return native_zip(folder / "notjson.mt", None, raw_manifest=b"{not json"), "load"


def build_manifest_list(folder):
    return native_zip(folder / "list.mt", None, raw_manifest=b"[1, 2]"), "load"


def build_manifest_no_object(folder):
    return native_zip(folder / "noobject.mt", {"format": "minitorch_cnn.checkpoint", "version": 1}), "load"


def build_manifest_bad_shape(folder):
    manifest = native_manifest(native_tensor("0", "float32", ["abc"]))
    return native_zip(folder / "badshape.mt", manifest, [("0", bytes(8))]), "load"


def build_manifest_bad_dtype(folder):
    manifest = native_manifest(native_tensor("0", "no_such_dtype", [2]))
    return native_zip(folder / "baddtype.mt", manifest, [("0", bytes(8))]), "load"


def build_manifest_bad_dict(folder):
    manifest = native_manifest({"__dict__": "Foo", "items": [[1]]})
    return native_zip(folder / "baddict.mt", manifest), "load"


def build_manifest_deep(folder):
    """100,000 nested JSON lists: json.loads and the decoder recurse."""
    raw = json.dumps(native_manifest(0)).replace("0}", "[" * 100_000 + "]" * 100_000 + "}").encode()
    return native_zip(folder / "deep.mt", None, raw_manifest=raw), "load"


def build_manifest_short_data(folder):
    """A native tensor of shape [2**40] whose member holds 8 bytes."""
    manifest = native_manifest(native_tensor("0", "float32", [2**40]))
    return native_zip(folder / "short.mt", manifest, [("0", bytes(8))]), "load"


def build_pickle_deep(folder):
    """100,000 MARKs: a pickle nesting deeper than any checkpoint."""
    return torch_zip(folder / "deep.pth", PROTO2 + b"(" * 100_000 + b"."), "load"


def build_pickle_long_length(folder):
    """A BINUNICODE8 declaring 2**62 bytes in a 20-byte pickle."""
    return torch_zip(folder / "longstr.pth", PROTO2 + b"\x8d" + struct.pack("<Q", 2**62) + b"."), "load"


def build_dict_flood(folder):
    """500,000 EMPTY_DICTs on the stack (1 byte each, ~64 bytes of memory each)."""
    return torch_zip(folder / "dicts.pth", PROTO2 + b"(" + b"}" * 500_000 + b"l."), "load"


def build_storage_short(folder):
    """A storage declaring 2**30 elements whose member holds 8 bytes."""
    pkl = one_entry_dict("w", tensor(storage("0", 2**30), 0, (2,), (1,)))
    return torch_zip(folder / "short_storage.pth", pkl, [("0", bytes(8))]), "load"


def build_os_system(folder):
    """The classic: GLOBAL os.system + REDUCE."""
    return torch_zip(folder / "system.pth", PROTO2 + glob("os", "system") + b"(" + s("true") + b"tR."), "load"


ATTACKS = {name[len("build_"):]: fn for name, fn in sorted(globals().items()) if name.startswith("build_")}


def run(name, folder):
    """Build attack ``name`` in ``folder`` and read it; return ``(outcome, message)``."""
    import minitorch_cnn as mt
    from minitorch_cnn.utils.data.datasets import read_cifar_python

    path, reader = ATTACKS[name](folder)
    try:
        result = mt.load(path) if reader == "load" else read_cifar_python(path)
    except Exception as e:  # noqa: BLE001 - the outcome is what is measured
        return type(e).__name__, str(e)
    return "loaded", _summary(result)


def _summary(obj):
    try:
        return _describe(obj)
    except Exception as e:  # noqa: BLE001 - a wrong load may not even describe itself
        return f"{type(obj).__name__} that cannot be described ({type(e).__name__}: {e})"


def _describe(obj):
    if isinstance(obj, dict):
        return "{" + ", ".join(f"{k!r}: {_describe(v)}" for k, v in list(obj.items())[:3]) + "}"
    if hasattr(obj, "shape") and hasattr(obj, "dtype"):
        return f"{type(obj).__name__}{tuple(obj.shape)} {obj.dtype}"
    if isinstance(obj, tuple):
        return "(" + ", ".join(_describe(v) for v in obj[:3]) + ")"
    return type(obj).__name__

