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
import functools
import io
import json
import mmap
import os
import secrets
import struct
import zipfile
import zlib

import numpy as np

from . import backend, dtypes
from .safe_pickle import CheckpointError, CorruptFileError, Limits, UnsafeFileError, weights_only_refusal
from .tensor import Tensor
from .torch_pickle import TORCH_PICKLE, _short, is_torch_legacy, read_torch_legacy, read_torch_zip

__all__ = ["save", "load", "CheckpointError", "UnsafeFileError", "CorruptFileError"]

FORMAT = "minitorch_cnn.checkpoint"
VERSION = 1
_ROOT = "minitorch_cnn_checkpoint"
_MANIFEST = f"{_ROOT}/manifest.json"
_DICT_TYPES = {"dict": dict, "OrderedDict": collections.OrderedDict, "Counter": collections.Counter}
_MAX_DEPTH = 200  # nesting of a checkpoint's object tree (real ones nest a handful of levels)


# ------------------------------------------------------------------------------------------ save
def save(obj, f):
    """Save ``obj``: a state_dict, or nested dicts/lists/tuples of tensors, NumPy arrays, numbers, strings, None.

    ``f`` is a path (written atomically) or a binary file object. Tensors shared between entries are
    stored once and come back shared. A whole ``nn.Module`` is saved too (its class's name and its
    state_dict), as ``torch.save`` pickles one, but ``load`` refuses it as PyTorch's default
    ``torch.load(weights_only=True)`` does: save ``model.state_dict()`` instead.
    """
    arrays = {}  # id(tensor or ndarray) -> (member name, raw array), filled by _encode
    manifest = {"format": FORMAT, "version": VERSION, "object": _encode(obj, arrays, "obj", ())}
    if isinstance(f, (str, os.PathLike)):
        _atomic_write(os.fspath(f), lambda fh: _write_zip(fh, manifest, arrays.values()))
    else:
        _write_zip(f, manifest, arrays.values())


def _encode(obj, arrays, where, path):
    """The JSON form of ``obj``: lists stay lists, everything else that is not a scalar gets a tag.

    ``path`` holds the ids of the containers above ``obj``: a container inside itself has no JSON form.
    """
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
        return obj.item()
    if isinstance(obj, Tensor):
        return {"__tensor__": _member(obj, obj._data, arrays), "dtype": obj.dtype.name, "shape": list(obj.shape),
                "device": str(obj.device), "requires_grad": obj.requires_grad, "parameter": _is_parameter(obj)}
    if isinstance(obj, np.ndarray) and obj.dtype.kind in "biuf":
        return {"__ndarray__": _member(obj, obj, arrays), "dtype": obj.dtype.newbyteorder("<").str,
                "shape": list(obj.shape)}
    if isinstance(obj, (dict, list, tuple)):
        if id(obj) in path:
            raise ValueError(f"mt.save: cannot save {where}: it contains itself (a {type(obj).__name__} inside "
                             "itself has no finite form)")
        if len(path) >= _MAX_DEPTH:
            raise ValueError(f"mt.save: cannot save {where}: it nests deeper than {_MAX_DEPTH} levels")
        path = (*path, id(obj))
    if isinstance(obj, dict):
        kind = type(obj).__name__ if type(obj).__name__ in _DICT_TYPES else "dict"
        return {"__dict__": kind, "items": [[_encode(k, arrays, f"{where} key {k!r}", path),
                                             _encode(v, arrays, f"{where}[{k!r}]", path)] for k, v in obj.items()]}
    if isinstance(obj, list):
        return [_encode(v, arrays, f"{where}[{i}]", path) for i, v in enumerate(obj)]
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, arrays, f"{where}[{i}]", path) for i, v in enumerate(obj)]}
    if _is_module(obj):  # torch.save pickles the whole model; here its class's name and its state_dict
        cls = type(obj)
        return {"__object__": f"{cls.__module__}.{cls.__qualname__}",
                "state_dict": _encode(obj.state_dict(), arrays, f"{where}.state_dict()", path)}
    if isinstance(obj, backend.Device):
        return {"__device__": str(obj)}
    if isinstance(obj, dtypes.dtype):
        return {"__dtype__": obj.name}
    kind = f"{type(obj).__module__}.{type(obj).__name__}" if isinstance(obj, np.generic) else type(obj).__name__
    raise TypeError(f"mt.save: cannot save {where} of type {kind}; a checkpoint holds tensors, "
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


def _is_module(obj):
    from .nn import Module

    return isinstance(obj, Module)


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
        f: a path or a binary file object (read from its current position).
        map_location: None (each tensor's saved device), a device (``'cpu'``, ``'cuda'``,
            ``mt.device('cuda', 1)``) or a dict from saved to wanted device names.
        weights_only: must stay True: nothing but tensors and plain containers is ever unpickled.

    Raises ``UnsafeFileError`` for a file that asks for more than a checkpoint needs (an import, a
    callable, a whole saved model, more memory than its size allows) and ``CorruptFileError`` for a truncated or garbled
    one; both are ``CheckpointError``s (and ``pickle.UnpicklingError``, ``ValueError`` and ``RuntimeError``).
    """
    if weights_only is False:
        raise ValueError("mt.load never unpickles arbitrary objects; weights_only=False is not supported")
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return _load_file(fh, os.fspath(f), map_location)
    return _load_file(f, repr(f), map_location)


def _load_file(fh, name, map_location):
    start = fh.tell()
    size = fh.seek(0, os.SEEK_END) - start
    fh.seek(start)
    place = functools.partial(_to_device, map_location=map_location, name=name)
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, EOFError, ValueError, OverflowError, NotImplementedError, struct.error) as e:
        fh.seek(start)
        return _load_torch_legacy(fh, start, size, name, place, e)
    with zf:
        members = _Members(zf, name, size)
        if members.size(_MANIFEST) is not None:
            return _load_native(members, name, map_location)
        pickles = [m for m in zf.namelist() if m.count("/") == 1 and m.endswith("/" + TORCH_PICKLE)]
        if pickles:
            prefix = pickles[0].rsplit("/", 1)[0]
            return read_torch_zip(prefix, name, members.read, members.size, place, Limits.for_file(size))
    raise CorruptFileError(f"mt.load: '{name}' is a zip file but neither a minitorch_cnn checkpoint (no {_MANIFEST}) "
                           f"nor a PyTorch checkpoint (no <archive>/{TORCH_PICKLE})")


def _load_torch_legacy(fh, start, size, name, place, zip_error):
    """A PyTorch legacy (pre-1.6, non-zip) checkpoint, from ``start``; the file is left after it."""
    if not is_torch_legacy(fh.read(64)):
        raise CorruptFileError(f"mt.load: '{name}' is not a minitorch_cnn checkpoint nor a PyTorch checkpoint "
                               f"(zip or legacy); it may be truncated or corrupted ({zip_error})")
    fh.seek(start)
    with _whole(fh, size) as data:
        tree, end = read_torch_legacy(data, 0, name, place, Limits.for_file(size))
    fh.seek(start + end)  # like torch.load: a file object is left after this checkpoint
    return tree


@contextlib.contextmanager
def _whole(fh, size):
    """The file's bytes from its position: an mmap for a real file (no copy), else one read."""
    try:
        fileno = fh.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        fileno = None
    if fileno is not None and size > 0 and fh.tell() == 0:
        with mmap.mmap(fileno, 0, access=mmap.ACCESS_READ) as mapped:
            yield mapped
    else:
        yield fh.read(size)


class _Members:
    """A zip's members, read with bounds: stored or deflated only, and what inflates is budgeted.

    A stored member's bytes are in the file, so they are bounded by its size. A deflated member may
    inflate to anything (a zip bomb), so the members read may inflate to at most twice the file's
    size plus 1 MiB in all; the member's declared size is checked before anything is allocated.
    """

    def __init__(self, zf, name, file_size):
        self.zf, self.name, self.file_size = zf, name, file_size
        self.infos = {info.filename: info for info in zf.infolist()}
        self.inflate_budget = 2 * file_size + (1 << 20)

    def size(self, member):
        info = self.infos.get(member)
        return None if info is None else info.file_size

    def read(self, member, nbytes=None):
        """The member's first ``nbytes`` bytes (all of it by default) as a writable bytearray."""
        info = self.infos.get(member)
        if info is None:
            raise CorruptFileError(f"mt.load: '{self.name}' is truncated or corrupted: it has no member '{member}'")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise CorruptFileError(f"mt.load: '{self.name}' is corrupted: member '{member}' uses compression method "
                                   f"{info.compress_type}; a checkpoint's members are stored (or deflated)")
        nbytes = info.file_size if nbytes is None else nbytes
        if nbytes > info.file_size:
            raise CorruptFileError(f"mt.load: '{self.name}' is truncated or corrupted: member '{member}' should hold "
                                   f"{nbytes} bytes but has {info.file_size}")
        if info.compress_type == zipfile.ZIP_STORED and not info.file_size == info.compress_size <= self.file_size:
            raise CorruptFileError(f"mt.load: '{self.name}' is truncated or corrupted: stored member '{member}' claims "
                                   f"{info.file_size} bytes ({info.compress_size} stored) in a file of {self.file_size}")
        if info.compress_type == zipfile.ZIP_DEFLATED:
            self.inflate_budget -= info.file_size
            if self.inflate_budget < 0:
                raise UnsafeFileError(f"mt.load: '{self.name}' is refused: its compressed member '{member}' inflates "
                                      f"to {info.file_size} bytes, more than twice the file's size allows (a zip bomb)")
        out = bytearray(nbytes)
        try:
            with self.zf.open(info) as stream:
                view, done = memoryview(out), 0
                while done < nbytes:
                    got = stream.readinto(view[done:])
                    if not got:
                        raise EOFError(f"{member} ends after {done} of {nbytes} bytes")
                    done += got
                if nbytes == info.file_size:
                    stream.read(1)  # reaching the end checks the member's CRC
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError, NotImplementedError, zlib.error,
                struct.error) as e:  # damaged data, CRC, encryption and other zip features a checkpoint never uses
            raise CorruptFileError(f"mt.load: '{self.name}' is truncated or corrupted: cannot read '{member}' "
                                   f"({e})") from None
        return out


def _load_native(members, name, map_location):
    def corrupt(reason):
        return CorruptFileError(f"mt.load: '{name}' is truncated or corrupted: {reason}")

    raw = bytes(members.read(_MANIFEST))
    try:
        manifest = json.loads(raw)
    except (ValueError, RecursionError) as e:  # JSONDecodeError, bad UTF-8, too deep for the parser
        raise corrupt(f"its manifest is not valid JSON ({str(e)[:100]})") from None
    if not isinstance(manifest, dict) or "object" not in manifest:
        raise corrupt(f"its manifest is a {type(manifest).__name__} without an 'object' entry")
    version = manifest.get("version", 0)
    if manifest.get("format") != FORMAT or not isinstance(version, int) or version > VERSION:
        raise CorruptFileError(f"mt.load: '{name}' has format {manifest.get('format')!r} version "
                               f"{version!r}; this minitorch_cnn reads {FORMAT!r} up to {VERSION}")
    decoder = _Decoder(members, name, map_location, corrupt)
    return decoder.decode(manifest["object"], 0)


class _Decoder:
    """Turns a native manifest's JSON back into objects, checking every entry (a bad one is CorruptFileError)."""

    def __init__(self, members, name, map_location, corrupt):
        self.members, self.name, self.map_location, self.corrupt = members, name, map_location, corrupt
        self.loaded = {}  # member name -> (its entry's dtype and shape, the Tensor or ndarray), for sharing

    def decode(self, node, depth):
        if depth > _MAX_DEPTH:
            raise self.corrupt(f"its manifest nests deeper than {_MAX_DEPTH} levels")
        if isinstance(node, list):
            return [self.decode(v, depth + 1) for v in node]
        if not isinstance(node, dict):
            return node
        if "__tensor__" in node or "__ndarray__" in node:
            return self.array(node)
        if "__dict__" in node:
            kind, items = node["__dict__"], node.get("items")
            if kind not in _DICT_TYPES or not isinstance(items, list) or not all(
                    isinstance(item, list) and len(item) == 2 for item in items):
                raise self.corrupt(f"its manifest has a malformed dict entry (kind {str(kind)[:40]!r})")
            out = _DICT_TYPES[kind]()
            for key, value in items:
                key = self.decode(key, depth + 1)
                try:
                    out[key] = self.decode(value, depth + 1)
                except TypeError:
                    raise self.corrupt(f"its manifest has an unhashable dict key of type {type(key).__name__}") from None
            return out
        if "__tuple__" in node and isinstance(node["__tuple__"], list):
            return tuple(self.decode(v, depth + 1) for v in node["__tuple__"])
        if "__object__" in node:  # a whole model (``mt.save(model)``): refused, as PyTorch's default refuses it
            raise UnsafeFileError(weights_only_refusal(self.name, _short(node["__object__"]).strip("'"),
                                                       "holds a whole object of class"))
        try:
            if "__device__" in node:
                return backend.Device(node["__device__"])
            if "__dtype__" in node:
                return dtypes.as_dtype(node["__dtype__"])
        except (TypeError, ValueError, RuntimeError) as e:
            raise self.corrupt(f"its manifest has an invalid entry {_short(node)} ({e})") from None
        raise self.corrupt(f"its manifest has an unknown entry {_short(sorted(node))}")

    def array(self, node):
        """A tensor (placed per ``map_location``) or a NumPy array (always on the CPU), checked against its member."""
        is_tensor = "__tensor__" in node
        member, shape = node.get("__tensor__") or node.get("__ndarray__"), node.get("shape")
        if not (isinstance(member, str) and isinstance(shape, list) and len(shape) <= 64
                and all(type(n) is int and n >= 0 for n in shape)):
            raise self.corrupt(f"its manifest has an invalid array entry {_short(node)}")
        try:
            np_dtype = dtypes.as_dtype(node["dtype"]).np_dtype if is_tensor else np.dtype(node["dtype"])
        except (TypeError, ValueError, KeyError) as e:
            raise self.corrupt(f"array '{member}' has an invalid dtype ({e})") from None
        if np_dtype.kind not in "biuf":
            raise self.corrupt(f"array '{member}' has dtype {np_dtype}")
        meta = (is_tensor, np_dtype, tuple(shape), node.get("device"), node.get("requires_grad"), node.get("parameter"))
        if member in self.loaded:  # shared: every entry naming a member must describe it the same way
            if self.loaded[member][0] != meta:
                raise self.corrupt(f"two entries name data member '{member}' with different dtype, shape or kind")
            return self.loaded[member][1]
        nbytes = int(np.prod(shape, dtype=object)) * np_dtype.itemsize
        size = self.members.size(member)
        if size is None or size != nbytes:
            raise CorruptFileError(f"mt.load: '{self.name}' is corrupted: array '{member}' of shape {shape} and dtype "
                                   f"{node['dtype']} has {size} bytes")
        raw = self.members.read(member)
        array = np.frombuffer(raw, dtype=np_dtype.newbyteorder("<")).reshape(shape)
        if not array.dtype.isnative:
            array = array.astype(np_dtype.newbyteorder("="))
        if is_tensor:
            if not (isinstance(node.get("device"), str) and isinstance(node.get("requires_grad"), bool)
                    and isinstance(node.get("parameter"), bool)) or (node["requires_grad"] and np_dtype.kind != "f"):
                raise self.corrupt(f"its manifest has an invalid tensor entry {_short(node)}")
            tensor = Tensor._from_op(_to_device(array, node["device"], self.map_location, self.name), None)
            array = _as_leaf(tensor, node["requires_grad"], node["parameter"])
        self.loaded[member] = (meta, array)
        return array


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
    except (RuntimeError, ValueError, TypeError) as e:
        raise RuntimeError(f"mt.load: '{name}' holds a tensor saved on '{saved}' that cannot go to '{target}' "
                           f"({e}); pass map_location='cpu' to load it on the CPU") from None
