"""Checkpoints: ``mt.save(obj, path)`` and ``mt.load(path, map_location=None)``, without pickle.

minitorch_cnn's own format is a zip archive (uncompressed, so it is fast to write)::

    minitorch_cnn_checkpoint/manifest.json   the object tree as JSON; tensors are references
    minitorch_cnn_checkpoint/data/0, 1 ...   each tensor's (or NumPy array's) raw bytes, C order, little-endian

``save`` writes a temporary file in the target's folder, flushes and fsyncs it, then renames it over
the target (``os.replace`` is atomic): a crash mid-save leaves the previous checkpoint intact.
``load`` never executes anything from the file. It also reads PyTorch's checkpoints (``.pth``: the zip
format and the legacy pre-1.6 one) through ``torch_pickle``'s restricted unpickler, without torch.
"""
import collections
import contextlib
import json
import os
import secrets
import zipfile

import numpy as np

from . import backend, dtypes
from .tensor import Tensor
from .torch_pickle import TORCH_PICKLE, is_torch_legacy, read_torch_legacy, read_torch_zip

FORMAT = "minitorch_cnn.checkpoint"
VERSION = 1
_ROOT = "minitorch_cnn_checkpoint"
_MANIFEST = f"{_ROOT}/manifest.json"
_DICT_TYPES = {"dict": dict, "OrderedDict": collections.OrderedDict, "Counter": collections.Counter}


# ------------------------------------------------------------------------------------------ save
def save(obj, f):
    """Save ``obj``: a state_dict, or nested dicts/lists/tuples of tensors, NumPy arrays, numbers, strings, None.

    ``f`` is a path (written atomically) or a binary file object. Tensors shared between entries are
    stored once and come back shared.
    """
    arrays = {}  # id(tensor or ndarray) -> (member name, raw array), filled by _encode
    manifest = {"format": FORMAT, "version": VERSION, "object": _encode(obj, arrays, "obj")}
    if isinstance(f, (str, os.PathLike)):
        _atomic_write(os.fspath(f), lambda fh: _write_zip(fh, manifest, arrays.values()))
    else:
        _write_zip(f, manifest, arrays.values())


def _encode(obj, arrays, where):
    """The JSON form of ``obj``: lists stay lists, everything else that is not a scalar gets a tag."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Tensor):
        return {"__tensor__": _member(obj, obj.data, arrays), "dtype": obj.dtype.name, "shape": list(obj.shape),
                "device": str(obj.device), "requires_grad": obj.requires_grad, "parameter": _is_parameter(obj)}
    if isinstance(obj, np.ndarray) and obj.dtype.kind in "biuf":
        return {"__ndarray__": _member(obj, obj, arrays), "dtype": obj.dtype.newbyteorder("<").str,
                "shape": list(obj.shape)}
    if isinstance(obj, dict):
        kind = type(obj).__name__ if type(obj).__name__ in _DICT_TYPES else "dict"
        return {"__dict__": kind, "items": [[_encode(k, arrays, f"{where} key {k!r}"),
                                             _encode(v, arrays, f"{where}[{k!r}]")] for k, v in obj.items()]}
    if isinstance(obj, list):
        return [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    if isinstance(obj, backend.Device):
        return {"__device__": str(obj)}
    if isinstance(obj, dtypes.dtype):
        return {"__dtype__": obj.name}
    raise TypeError(f"mt.save: cannot save {where} of type {type(obj).__name__}; a checkpoint holds tensors, "
                    "numeric NumPy arrays, numbers, strings, None, devices, dtypes and dicts/lists/tuples of them "
                    "(use model.state_dict(), not the model)")


def _member(obj, array, arrays):
    """The zip member that will hold ``array``'s bytes (one per object, so sharing survives)."""
    if id(obj) not in arrays:
        arrays[id(obj)] = (f"{_ROOT}/data/{len(arrays)}", array)
    return arrays[id(obj)][0]


def _is_parameter(tensor):
    from .nn import Parameter

    return isinstance(tensor, Parameter)


def _write_zip(fh, manifest, arrays):
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        zf.writestr(_MANIFEST, json.dumps(manifest))
        for name, array in arrays:
            array = backend.to_device(array, "cpu")
            array = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
            with zf.open(name, "w", force_zip64=True) as out:
                out.write(array.reshape(-1).view(np.uint8).data)


def _atomic_write(path, write):
    """Write through ``write(file)`` into a temporary file next to ``path``, fsync, then rename it."""
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# ------------------------------------------------------------------------------------------ load
def load(f, map_location=None, weights_only=True):
    """Load what ``save`` wrote, or a PyTorch checkpoint; tensors come back as minitorch tensors.

    Args:
        f: a path or a binary file object.
        map_location: None (each tensor's saved device), a device (``'cpu'``, ``'cuda'``,
            ``mt.device('cuda', 1)``) or a dict from saved to wanted device names.
        weights_only: must stay True: nothing but tensors and plain containers is ever unpickled.
    """
    name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else repr(f)
    if weights_only is False:
        raise ValueError("mt.load never unpickles arbitrary objects; weights_only=False is not supported")
    start = None if isinstance(f, (str, os.PathLike)) else f.tell()
    try:
        zf = zipfile.ZipFile(f)
    except zipfile.BadZipFile as e:
        return _load_torch_legacy(f, start, name, map_location, e)
    with zf:
        members = zf.namelist()
        if _MANIFEST in members:
            return _load_native(zf, name, map_location)
        pickles = [m for m in members if m.count("/") == 1 and m.endswith("/" + TORCH_PICKLE)]
        if pickles:
            prefix = pickles[0].rsplit("/", 1)[0]
            return read_torch_zip(zf, prefix, name, lambda member: _read(zf, member, name),
                                  lambda array, saved: _to_device(array, saved, map_location, name))
    raise RuntimeError(f"mt.load: '{name}' is a zip file but neither a minitorch_cnn checkpoint (no {_MANIFEST}) "
                       f"nor a PyTorch checkpoint (no <archive>/{TORCH_PICKLE})")


def _load_torch_legacy(f, start, name, map_location, zip_error):
    """A PyTorch legacy (pre-1.6, non-zip) checkpoint from a path or from a file object at ``start``."""
    with open(f, "rb") if start is None else contextlib.nullcontext(f) as fh:
        fh.seek(start or 0)
        if not is_torch_legacy(fh):
            raise RuntimeError(f"mt.load: '{name}' is not a minitorch_cnn checkpoint nor a PyTorch checkpoint "
                               f"(zip or legacy); it may be truncated or corrupted ({zip_error})")
        return read_torch_legacy(fh, name, lambda array, saved: _to_device(array, saved, map_location, name))


def _read(zf, member, name):
    """One member's bytes; a missing or damaged member is a clear error naming the file."""
    try:
        return zf.read(member)
    except (KeyError, zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
        raise RuntimeError(f"mt.load: '{name}' is truncated or corrupted: cannot read '{member}' ({e})") from None


def _load_native(zf, name, map_location):
    manifest = json.loads(_read(zf, _MANIFEST, name))
    if manifest.get("format") != FORMAT or manifest.get("version", 0) > VERSION:
        raise RuntimeError(f"mt.load: '{name}' has format {manifest.get('format')!r} version "
                           f"{manifest.get('version')!r}; this minitorch_cnn reads {FORMAT!r} up to {VERSION}")
    loaded = {}  # member name -> Tensor or ndarray, so shared tensors come back shared
    return _decode(manifest["object"], zf, name, map_location, loaded)


def _decode(node, zf, name, map_location, loaded):
    def decode(n):
        return _decode(n, zf, name, map_location, loaded)

    if isinstance(node, list):
        return [decode(v) for v in node]
    if not isinstance(node, dict):
        return node
    if "__tensor__" in node or "__ndarray__" in node:
        member = node.get("__tensor__") or node["__ndarray__"]
        if member not in loaded:
            loaded[member] = _decode_array(node, member, _read(zf, member, name), name, map_location)
        return loaded[member]
    if "__dict__" in node:
        out = _DICT_TYPES[node["__dict__"]]()
        for key, value in node["items"]:
            out[decode(key)] = decode(value)
        return out
    if "__tuple__" in node:
        return tuple(decode(v) for v in node["__tuple__"])
    if "__device__" in node:
        return backend.Device(node["__device__"])
    if "__dtype__" in node:
        return dtypes.as_dtype(node["__dtype__"])
    raise RuntimeError(f"mt.load: '{name}' has an unknown manifest entry {sorted(node)}")


def _decode_array(node, member, raw, name, map_location):
    """A tensor (placed per ``map_location``) or a NumPy array (always on the CPU) from its bytes."""
    is_tensor = "__tensor__" in node
    np_dtype = dtypes.as_dtype(node["dtype"]).np_dtype if is_tensor else np.dtype(node["dtype"])
    if np_dtype.kind not in "biuf":
        raise RuntimeError(f"mt.load: '{name}' is corrupted: array '{member}' has dtype {np_dtype}")
    shape = tuple(node["shape"])
    if len(raw) != int(np.prod(shape)) * np_dtype.itemsize:
        raise RuntimeError(f"mt.load: '{name}' is corrupted: array '{member}' of shape {list(shape)} and dtype "
                           f"{node['dtype']} has {len(raw)} bytes")
    array = np.frombuffer(raw, dtype=np_dtype.newbyteorder("<")).astype(np_dtype.newbyteorder("=")).reshape(shape)
    if not is_tensor:
        return array
    tensor = Tensor._from_op(_to_device(array, node["device"], map_location, name), None)
    return _as_leaf(tensor, node["requires_grad"], node["parameter"])


def _as_leaf(tensor, requires_grad, parameter):
    """Restore ``requires_grad``; a saved ``nn.Parameter`` comes back as one."""
    if parameter:
        from .nn import Parameter

        return Parameter(tensor, requires_grad=requires_grad)
    return tensor.requires_grad_(requires_grad)


def _to_device(array, saved, map_location, name):
    """Move a loaded CPU array to where ``map_location`` says (by default, where it was saved)."""
    if map_location is None:
        target = saved
    elif isinstance(map_location, dict):
        target = map_location.get(saved, saved)
    else:
        target = map_location
    try:
        return backend.to_device(array, backend.as_device(target))
    except RuntimeError as e:
        raise RuntimeError(f"mt.load: '{name}' holds a tensor saved on '{saved}' that cannot go to '{target}' "
                           f"({e}); pass map_location='cpu' to load it on the CPU") from None
