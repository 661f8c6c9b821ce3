"""Read PyTorch's checkpoints without torch and without risk.

A ``.pth`` file since PyTorch 1.6 (``torch.save``'s default) is a zip archive::

    <archive>/data.pkl      a pickle of the object tree (e.g. an OrderedDict state_dict)
    <archive>/byteorder     'little' or 'big'
    <archive>/data/<key>    the raw bytes of one storage (a flat buffer that tensors view)

The legacy format (before 1.6; many of torchvision's weights) is one stream of pickles, then bytes::

    magic number 0x1950a86a20f9469cfc6c, protocol version 1001, sys_info dict   (three small pickles)
    the object tree                                                              (like data.pkl)
    the list of storage keys
    per key, in that order: element count (int64, little-endian), the raw bytes (little-endian)

A pickle is a small program: normally it may import and call *any* function, which is why loading an
untrusted pickle can run ``os.system``. Here the pickles run on ``safe_pickle.BoundedUnpickler``
(pure Python, bounded memory): ``find_class`` hands out only the handful of names a state_dict needs,
each mapped to our own function; everything else is refused before it runs. A tensor is rebuilt as
PyTorch stores it: a view (offset, size, stride) into a storage. Views that do not overlap share the
storage's memory like torch's do; overlapping ones (a stride of 0: an ``expand``) stay read-only views
and are never materialised.
"""
import collections

import numpy as np

from .safe_pickle import (PLAIN_GLOBALS, BoundedUnpickler, CorruptFileError, Limits, UnsafeFileError, check_tree,
                          weights_only_refusal)
from .tensor import Tensor

TORCH_PICKLE = "data.pkl"
LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL_VERSION = 1001

# Storage classes that PyTorch names in its pickles, and their element types (bfloat16 has no NumPy type).
_STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16, "CharStorage": np.int8,
    "ByteStorage": np.uint8, "BoolStorage": np.bool_, "BFloat16Storage": None,
}


class _StorageType:
    """Stands for ``torch.FloatStorage`` & co. inside the pickle: only its element type matters. Immutable."""

    __slots__ = ("name", "dtype")

    def __init__(self, name):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "dtype", None if _STORAGE_DTYPES[name] is None else np.dtype(_STORAGE_DTYPES[name]))

    def __setattr__(self, key, value):
        raise AttributeError("a storage type is immutable")


_STORAGE_TYPES = {name: _StorageType(name) for name in _STORAGE_DTYPES}


class _Storage:
    """One flat buffer from ``<archive>/data/<key>`` and the device it was saved on."""

    def __init__(self, array, location):
        self.array = array
        self.location = location


class _TorchPickle:
    """What a torch pickle may name: tensors, Parameters, OrderedDicts, ``torch.Size`` and plain values.

    ``read_storage(storage_type, key, location, numel) -> _Storage``; ``to_device(array, location)``
    places an array (None: build no tensor, for the legacy format's first pass).
    """

    def __init__(self, name, read_storage, to_device):
        self.name = name
        self.read_storage = read_storage
        self.to_device = to_device
        self.allowed = {
            ("collections", "OrderedDict"): collections.OrderedDict,
            ("torch._utils", "_rebuild_tensor_v2"): self.rebuild_tensor,
            ("torch._utils", "_rebuild_tensor"): self.rebuild_tensor_v1,
            ("torch._utils", "_rebuild_parameter"): self.rebuild_parameter,
            ("torch", "Size"): _size,
            **PLAIN_GLOBALS,
        }

    def find_class(self, module, name):
        if module == "torch" and name in _STORAGE_TYPES:
            return _STORAGE_TYPES[name]
        if (module, name) in self.allowed:
            return self.allowed[(module, name)]
        raise UnsafeFileError(weights_only_refusal(self.name, f"{module}.{name}"))

    def persistent_load(self, pid):
        """('storage', type, key, location, numel) in a zip checkpoint; the legacy format adds a view."""
        if not (isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and isinstance(pid[2], (str, int))
                and isinstance(pid[3], (str, bytes)) and _is_count(pid[4])):
            raise CorruptFileError(f"mt.load: '{self.name}' has an unsupported persistent id {_short(pid)}")
        storage_type, key, location, numel = pid[1:5]
        if storage_type.dtype is None:
            raise CorruptFileError(f"mt.load: '{self.name}' holds a {storage_type.name} (bfloat16), which NumPy "
                                   "cannot represent; convert it with .float() before torch.save")
        location = location.decode("ascii", "replace") if isinstance(location, bytes) else location
        storage = self.read_storage(storage_type, str(key), location, numel)
        view = pid[5] if len(pid) == 6 else None  # (view key, offset, numel): a slice of the key's storage
        if view is None:
            return storage
        if not (isinstance(view, tuple) and len(view) == 3 and _is_count(view[1]) and _is_count(view[2])):
            raise CorruptFileError(f"mt.load: '{self.name}' has an invalid storage view {_short(view)}")
        _, offset, view_numel = view
        if offset + view_numel > storage.array.size and self.to_device is not None:
            raise CorruptFileError(f"mt.load: '{self.name}' has a storage view (offset {offset}, {view_numel} "
                                   f"elements) reaching past its storage of {storage.array.size} elements")
        return _Storage(storage.array[offset:offset + view_numel], storage.location)

    def rebuild_tensor(self, storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
        """The view ``storage[offset + sum(i_k * stride_k)]`` over all indices ``i`` of ``size``."""
        if not isinstance(storage, _Storage):
            raise CorruptFileError(f"mt.load: '{self.name}' rebuilds a tensor from a {type(storage).__name__}, "
                                   "not a storage")
        if not (isinstance(size, tuple) and isinstance(stride, tuple) and len(size) == len(stride)
                and all(map(_is_count, size + stride)) and _is_count(storage_offset) and len(size) <= 64):
            raise CorruptFileError(f"mt.load: '{self.name}' has a tensor with invalid size {_short(size)} / "
                                   f"stride {_short(stride)} / offset {_short(storage_offset)}")
        if self.to_device is None:  # the legacy format's first pass: storages are not read yet
            return None
        flat = storage.array
        if 0 in size:
            array = np.empty(size, dtype=flat.dtype)
        else:
            last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
            if last >= flat.size:
                raise CorruptFileError(
                    f"mt.load: '{self.name}' has a tensor (offset {storage_offset}, size {size}, stride {stride}) "
                    f"reaching past its storage of {flat.size} elements: the file is corrupted")
            array = np.lib.stride_tricks.as_strided(flat[storage_offset:], shape=size,
                                                    strides=[s * flat.itemsize for s in stride],
                                                    writeable=not _overlaps(size, stride))
        tensor = Tensor._from_op(self.to_device(array, storage.location), None)
        if not isinstance(requires_grad, bool):
            raise CorruptFileError(f"mt.load: '{self.name}' has a tensor whose requires_grad is {_short(requires_grad)}")
        return tensor.requires_grad_(requires_grad) if tensor.is_floating_point() else tensor

    def rebuild_tensor_v1(self, storage, storage_offset, size, stride):
        """PyTorch 0.3's form (e.g. torchvision's vgg16-397923af.pth): no requires_grad."""
        return self.rebuild_tensor(storage, storage_offset, size, stride, False, None)

    def rebuild_parameter(self, data, requires_grad, backward_hooks):
        if self.to_device is None:
            return None
        if not (isinstance(data, Tensor) and isinstance(requires_grad, bool)):
            raise CorruptFileError(f"mt.load: '{self.name}' rebuilds a Parameter from a {type(data).__name__}")
        from .nn import Parameter

        return Parameter(data, requires_grad=requires_grad)

    def load(self, data, limits, pos=0):
        """Run the pickle at ``data[pos:]``; return (object, end position)."""
        unpickler = BoundedUnpickler(data, self.name, self.find_class, self.persistent_load, limits, pos=pos)
        obj = unpickler.load()
        if self.to_device is not None:
            check_tree(obj, self.name, (Tensor,), limits)
        return obj, unpickler.pos


def _size(*dims):
    """``torch.Size((2, 3))``: a tuple of non-negative ints."""
    if len(dims) != 1 or not isinstance(dims[0], (tuple, list)) or not all(map(_is_count, dims[0])):
        raise TypeError(f"torch.Size of {_short(dims)}")
    return tuple(dims[0])


def _is_count(n):
    return type(n) is int and n >= 0


def _short(obj):
    text = repr(obj)
    return text if len(text) <= 80 else text[:77] + "..."


def _overlaps(size, stride):
    """Whether two indices of a view (``size``, ``stride``) reach the same element (e.g. a stride of 0)."""
    extent = 0  # the largest offset reachable through the dimensions already placed
    for n, s in sorted(((n, s) for n, s in zip(size, stride) if n > 1), key=lambda d: d[1]):
        if s <= extent:
            return True
        extent += (n - 1) * s
    return False


def storage_bytes(storage_type, numel, byteorder, raw):
    """The ``numel`` elements of one storage from the buffer ``raw`` (writable), as a native-order array.

    The callers check ``raw``'s size (before they allocate it), so it holds at least ``numel`` elements.
    """
    dtype = storage_type.dtype.newbyteorder("<" if byteorder == "little" else ">")
    array = np.frombuffer(raw, dtype=dtype, count=numel)
    return array if dtype.isnative else array.astype(dtype.newbyteorder("="))


def read_torch_zip(prefix, name, read, member_size, to_device, limits):
    """The object tree of a PyTorch zip checkpoint whose members live under ``prefix``.

    ``read(member, nbytes=None) -> bytearray`` reads a member (``nbytes``: exactly that many bytes,
    checked against the member before anything is allocated); ``member_size(member)`` is its size or
    None when absent; ``to_device(array, saved_location)`` places arrays; ``limits`` bounds the pickle.
    """
    byteorder = "little"
    if member_size(f"{prefix}/byteorder") is not None:
        byteorder = bytes(read(f"{prefix}/byteorder")).decode("ascii", "replace").strip()
        if byteorder not in ("little", "big"):
            raise CorruptFileError(f"mt.load: '{name}' has byteorder {byteorder[:20]!r}, not 'little' or 'big'")
    storages = {}

    def read_storage(storage_type, key, location, numel):
        if key not in storages:
            member = f"{prefix}/data/{key}"
            size = member_size(member)
            if size is None:
                raise CorruptFileError(f"mt.load: '{name}' is truncated or corrupted: its pickle names storage "
                                       f"{key}, which has no member '{member}'")
            nbytes = numel * storage_type.dtype.itemsize
            if nbytes > size:
                raise CorruptFileError(f"mt.load: '{name}' is truncated: storage {key} should hold {numel} "
                                       f"{storage_type.name} elements but has {size} bytes")
            raw = read(member, nbytes)
            storages[key] = (storage_type, _Storage(storage_bytes(storage_type, numel, byteorder, raw),
                                                    location))
        if storages[key][0] is not storage_type:
            raise CorruptFileError(f"mt.load: '{name}' is corrupted: storage {key} is read as both "
                                   f"{storages[key][0].name} and {storage_type.name}")
        return storages[key][1]

    data = read(f"{prefix}/{TORCH_PICKLE}")
    # the pickle's own bytes are held while it runs: they count against the same budget as its objects
    limits = Limits(limits.max_bytes - len(data), limits.max_memo, limits.max_containers, limits.max_depth,
                    limits.max_nodes)
    return _TorchPickle(name, read_storage, to_device).load(data, limits)[0]


# ------------------------------------------------------------------------------ legacy (non-zip) format
def _plain(name):
    """A reader for the legacy header and key list: numbers, strings and containers, no imports at all."""
    def find_class(module, attr):
        if (module, attr) in PLAIN_GLOBALS:
            return PLAIN_GLOBALS[(module, attr)]
        raise UnsafeFileError(f"mt.load: '{name}' asks to import {module}.{attr} outside its object tree; "
                              "refusing to run it")

    return find_class


def _plain_load(data, pos, name, what, limits):
    unpickler = BoundedUnpickler(data, name, _plain(name), None, limits, pos=pos)
    try:
        obj = unpickler.load()
    except CorruptFileError as e:
        raise CorruptFileError(f"mt.load: '{name}' is truncated or corrupted: cannot read its {what} ({e})") from None
    check_tree(obj, name, (), limits)
    return obj, unpickler.pos


def is_torch_legacy(head):
    """Whether the bytes ``head`` (a file's first bytes) start a legacy checkpoint's pickled magic number.

    The pickled magic number takes under 64 bytes in any pickle protocol; only those are looked at.
    """
    try:
        return _plain_load(bytes(head[:64]), 0, "", "magic number", Limits(max_bytes=4096))[0] == LEGACY_MAGIC_NUMBER
    except (CorruptFileError, UnsafeFileError):  # not a pickle, or a pickle of something else
        return False


def read_torch_legacy(data, pos, name, to_device, limits):
    """The object tree of a legacy checkpoint in ``data`` (bytes or an mmap) from ``pos``; returns (tree, end).

    The tree comes before the storages' bytes, and which bytes belong to a key depends on its type, named
    only in the tree. So the tree is read twice: first to learn the types, then (storages read) to
    build the tensors. ``to_device(array, saved_location)`` places arrays.
    """
    magic, pos = _plain_load(data, pos, name, "magic number", limits)
    if magic != LEGACY_MAGIC_NUMBER:
        raise CorruptFileError(f"mt.load: '{name}' is not a PyTorch legacy checkpoint (wrong magic number)")
    version, pos = _plain_load(data, pos, name, "protocol version", limits)
    if version != LEGACY_PROTOCOL_VERSION:
        raise CorruptFileError(f"mt.load: '{name}' has legacy protocol version {_short(version)}; only "
                               f"{LEGACY_PROTOCOL_VERSION} is supported")
    _, tree_start = _plain_load(data, pos, name, "sys_info", limits)
    found = {}  # key -> (storage type, numel), from the first pass

    def note(storage_type, key, location, numel):
        if found.setdefault(key, (storage_type, numel)) != (storage_type, numel):
            raise CorruptFileError(f"mt.load: '{name}' is corrupted: storage {key} is declared twice differently")
        return _Storage(np.empty(0, storage_type.dtype), location)

    _, pos = _tree(_TorchPickle(name, note, None), data, tree_start, limits, name)
    keys, pos = _plain_load(data, pos, name, "storage key list", limits)
    if not isinstance(keys, list):
        raise CorruptFileError(f"mt.load: '{name}' is corrupted: its storage key list is a {type(keys).__name__}")
    arrays = {}
    for key in map(str, keys):
        if key not in found:
            raise CorruptFileError(f"mt.load: '{name}' is corrupted: its data holds storage {key}, which no tensor "
                                   "uses")
        storage_type, numel = found[key]
        if len(data) - pos < 8:
            raise CorruptFileError(f"mt.load: '{name}' is truncated: the element count of storage {key} is cut "
                                   "short")
        count = int.from_bytes(data[pos:pos + 8], "little")
        pos += 8
        if count != numel:
            raise CorruptFileError(f"mt.load: '{name}' is corrupted: storage {key} has {count} elements, its "
                                   f"tensors expect {numel}")
        nbytes = numel * storage_type.dtype.itemsize
        if nbytes > len(data) - pos:  # checked before anything is allocated
            raise CorruptFileError(f"mt.load: '{name}' is truncated: storage {key} declares {nbytes} bytes but only "
                                   f"{len(data) - pos} are left in the file")
        raw = np.frombuffer(data, np.uint8, nbytes, pos).copy()  # one copy, writable
        pos += nbytes
        arrays[key] = storage_bytes(storage_type, numel, "little", raw)
    if found.keys() - arrays.keys():
        raise CorruptFileError(f"mt.load: '{name}' is corrupted: storages {sorted(found.keys() - arrays.keys())} "
                               "are used by its tensors but missing from its data")

    def read_storage(storage_type, key, location, numel):
        return _Storage(arrays[key], location)

    tree, _ = _tree(_TorchPickle(name, read_storage, to_device), data, tree_start, limits, name)
    return tree, pos


def _tree(reader, data, pos, limits, name):
    try:
        return reader.load(data, limits, pos)
    except CorruptFileError as e:
        if "truncated or corrupted" in str(e):
            raise
        raise CorruptFileError(f"mt.load: '{name}' is truncated or corrupted: cannot read its object tree "
                               f"({e})") from None
