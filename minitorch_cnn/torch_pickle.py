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
untrusted pickle can run ``os.system``. Here ``find_class`` allows only the handful of names a
state_dict needs, each mapped to our own function; everything else is refused before it runs. A
tensor is rebuilt as PyTorch stores it: a view (offset, size, stride) into a storage.
"""
import collections
import io
import pickle

import numpy as np

from .tensor import Tensor

TORCH_PICKLE = "data.pkl"
LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL_VERSION = 1001
# What a garbled or cut-short pickle raises (besides pickle.UnpicklingError).
_BAD_PICKLE = (EOFError, ValueError, TypeError, IndexError, KeyError, AttributeError)

# Storage classes that PyTorch names in its pickles, and their element types (bfloat16 has no NumPy type).
_STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16, "CharStorage": np.int8,
    "ByteStorage": np.uint8, "BoolStorage": np.bool_, "BFloat16Storage": None,
}


class _StorageType:
    """Stands for ``torch.FloatStorage`` & co. inside the pickle: only its element type matters."""

    def __init__(self, name):
        self.name = name
        self.dtype = _STORAGE_DTYPES[name]


class _Storage:
    """One flat buffer from ``<archive>/data/<key>`` and the device it was saved on."""

    def __init__(self, array, location):
        self.array = array
        self.location = location


class Refused(pickle.UnpicklingError):
    """mt.load's own refusal of a pickle (a forbidden import, an invalid tensor); the message names the file."""


class TorchUnpickler(pickle.Unpickler):
    """An unpickler that knows only tensors, OrderedDicts and the built-in containers."""

    def __init__(self, file, name, read_storage, to_device):
        super().__init__(file, encoding="utf-8")  # Python 2 strings in old checkpoints become str
        self.name = name
        self._read_storage = read_storage  # (storage type, key, location, numel) -> _Storage
        self._to_device = to_device  # (array, saved location) -> array on the wanted device
        self._allowed = {
            ("collections", "OrderedDict"): collections.OrderedDict,
            ("torch._utils", "_rebuild_tensor_v2"): self._rebuild_tensor,
            ("torch._utils", "_rebuild_tensor"): self._rebuild_tensor_v1,
            ("torch._utils", "_rebuild_parameter"): self._rebuild_parameter,
            ("torch", "Size"): tuple,
        }

    def find_class(self, module, name):
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        if (module, name) in self._allowed:
            return self._allowed[(module, name)]
        raise Refused(
            f"mt.load: '{self.name}' asks to import {module}.{name}, which is not part of a tensor checkpoint; "
            "refusing to run it (only tensors, numbers, strings and dicts/lists/tuples of them load; save "
            "model.state_dict(), not the model)")

    def persistent_load(self, pid):
        """('storage', type, key, location, numel) in a zip checkpoint; the legacy format adds a view."""
        if not (isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] == "storage"
                and isinstance(pid[1], _StorageType)):
            raise Refused(f"mt.load: '{self.name}' has an unsupported persistent id {pid!r}")
        storage_type, key, location, numel = pid[1:5]
        if storage_type.dtype is None:
            raise Refused(f"mt.load: '{self.name}' holds a {storage_type.name} (bfloat16), which NumPy cannot "
                          "represent; convert it with .float() before torch.save")
        location = location.decode("ascii") if isinstance(location, bytes) else str(location)
        storage = self._read_storage(storage_type, str(key), location, int(numel))
        view = pid[5] if len(pid) == 6 else None  # (view key, offset, numel): a slice of the key's storage
        if view is None:
            return storage
        _, offset, view_numel = view
        return _Storage(storage.array[int(offset):int(offset) + int(view_numel)], storage.location)

    def _rebuild_tensor(self, storage, storage_offset, size, stride, requires_grad, backward_hooks,
                        metadata=None):
        """The view ``storage[offset + sum(i_k * stride_k)]`` over all indices ``i`` of ``size``, copied."""
        if not isinstance(storage, _Storage):
            raise Refused(f"mt.load: '{self.name}' rebuilds a tensor from a non-storage")
        size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
        storage_offset = int(storage_offset)
        flat = storage.array
        if len(size) != len(stride) or storage_offset < 0 or min(size + stride, default=0) < 0:
            raise Refused(f"mt.load: '{self.name}' has a tensor with invalid size {size} / stride {stride} / "
                          f"offset {storage_offset}")
        if 0 in size:
            array = np.empty(size, dtype=flat.dtype)
        else:
            last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
            if last >= flat.size:
                raise Refused(
                    f"mt.load: '{self.name}' has a tensor (offset {storage_offset}, size {size}, stride {stride}) "
                    f"reaching past its storage of {flat.size} elements: the file is corrupted")
            view = np.lib.stride_tricks.as_strided(flat[storage_offset:], shape=size,
                                                   strides=[s * flat.itemsize for s in stride], writeable=False)
            array = view.copy()
        tensor = Tensor._from_op(self._to_device(array, storage.location), None)
        return tensor.requires_grad_(bool(requires_grad)) if tensor.is_floating_point() else tensor

    def _rebuild_tensor_v1(self, storage, storage_offset, size, stride):
        """PyTorch 0.3's form (e.g. torchvision's vgg16-397923af.pth): no requires_grad."""
        return self._rebuild_tensor(storage, storage_offset, size, stride, False, None)

    def _rebuild_parameter(self, data, requires_grad, backward_hooks):
        from .nn import Parameter

        return Parameter(data, requires_grad=requires_grad)


def _flat_array(raw, storage_type, numel, byteorder, name, key):
    """The ``numel`` elements of one storage from its raw bytes, as a native-order NumPy array."""
    dtype = np.dtype(storage_type.dtype).newbyteorder("<" if byteorder == "little" else ">")
    if len(raw) < numel * dtype.itemsize:
        raise RuntimeError(f"mt.load: '{name}' is truncated: storage {key} should hold {numel} "
                           f"{storage_type.name} elements but has {len(raw)} bytes")
    return np.frombuffer(raw, dtype=dtype, count=numel).astype(dtype.newbyteorder("="))


def read_torch_zip(zf, prefix, name, read, to_device):
    """The object tree of a PyTorch zip checkpoint whose members live under ``prefix``.

    ``read(member) -> bytes`` reads (with clear errors); ``to_device(array, saved_location)`` places arrays.
    """
    members = set(zf.namelist())
    byteorder = read(f"{prefix}/byteorder").decode() if f"{prefix}/byteorder" in members else "little"
    storages = {}

    def read_storage(storage_type, key, location, numel):
        if key not in storages:
            raw = read(f"{prefix}/data/{key}")
            storages[key] = _Storage(_flat_array(raw, storage_type, numel, byteorder, name, key), location)
        return storages[key]

    unpickler = TorchUnpickler(io.BytesIO(read(f"{prefix}/{TORCH_PICKLE}")), name, read_storage, to_device)
    try:
        return unpickler.load()
    except _BAD_PICKLE as e:
        raise pickle.UnpicklingError(f"mt.load: '{name}' has a malformed {TORCH_PICKLE}: {e!r}") from None


# ------------------------------------------------------------------------------ legacy (non-zip) format
class _PlainUnpickler(pickle.Unpickler):
    """For the legacy header and key list: numbers, strings and built-in containers, no imports at all."""

    def __init__(self, file, name):
        super().__init__(file, encoding="utf-8")
        self.name = name

    def find_class(self, module, name):
        raise Refused(f"mt.load: '{self.name}' asks to import {module}.{name} outside its object tree; refusing "
                      "to run it")


class _StorageTypes(TorchUnpickler):
    """A first pass over a legacy object tree: notes each storage's type and size, builds no tensor."""

    def __init__(self, file, name):
        self.found = {}  # key -> (storage type, numel)
        super().__init__(file, name, self._note, to_device=None)

    def _note(self, storage_type, key, location, numel):
        self.found[key] = (storage_type, numel)
        return _Storage(np.empty(0, storage_type.dtype), location)

    def _rebuild_tensor(self, *args, **kwargs):
        return None

    def _rebuild_parameter(self, *args):
        return None


def is_torch_legacy(f):
    """Whether the binary file ``f`` (read from its current position, which is kept) starts a legacy checkpoint.

    The pickled magic number takes under 64 bytes in any pickle protocol; only those are looked at.
    """
    start = f.tell()
    try:
        return _PlainUnpickler(io.BytesIO(f.read(64)), repr(f)).load() == LEGACY_MAGIC_NUMBER
    except (pickle.UnpicklingError, *_BAD_PICKLE):  # not a pickle, or a pickle of something else
        return False
    finally:
        f.seek(start)


def read_torch_legacy(f, name, to_device):
    """The object tree of a legacy checkpoint in the seekable binary file ``f``, read from its position.

    The tree comes before the storages' bytes, and which bytes belong to a key depends on its type, named
    only in the tree. So the tree is unpickled twice: first to learn the types, then (storages read) to
    build the tensors. ``to_device(array, saved_location)`` places arrays.
    """
    if _load(_PlainUnpickler(f, name), name, "magic number") != LEGACY_MAGIC_NUMBER:
        raise RuntimeError(f"mt.load: '{name}' is not a PyTorch legacy checkpoint (wrong magic number)")
    version = _load(_PlainUnpickler(f, name), name, "protocol version")
    if version != LEGACY_PROTOCOL_VERSION:
        raise RuntimeError(f"mt.load: '{name}' has legacy protocol version {version!r}; only "
                           f"{LEGACY_PROTOCOL_VERSION} is supported")
    _load(_PlainUnpickler(f, name), name, "sys_info")
    tree_start = f.tell()
    scan = _StorageTypes(f, name)
    _load(scan, name, "object tree")
    keys = _load(_PlainUnpickler(f, name), name, "storage key list")
    arrays = {}
    for key in map(str, keys):
        if key not in scan.found:
            raise RuntimeError(f"mt.load: '{name}' is corrupted: its data holds storage {key}, which no tensor uses")
        storage_type, numel = scan.found[key]
        count = _read_count(f, name, key)
        if count != numel:
            raise RuntimeError(f"mt.load: '{name}' is corrupted: storage {key} has {count} elements, its "
                               f"tensors expect {numel}")
        raw = f.read(numel * np.dtype(storage_type.dtype).itemsize)
        arrays[key] = _flat_array(raw, storage_type, numel, "little", name, key)
    if scan.found.keys() - arrays.keys():
        raise RuntimeError(f"mt.load: '{name}' is corrupted: storages {sorted(scan.found.keys() - arrays.keys())} "
                           "are used by its tensors but missing from its data")

    def read_storage(storage_type, key, location, numel):
        return _Storage(arrays[key], location)

    end = f.tell()
    f.seek(tree_start)
    tree = _load(TorchUnpickler(f, name, read_storage, to_device), name, "object tree")
    f.seek(end)  # like torch.load: a file object is left after this checkpoint
    return tree


def _read_count(f, name, key):
    """The int64 little-endian element count that precedes a storage's bytes."""
    raw = f.read(8)
    if len(raw) != 8:
        raise RuntimeError(f"mt.load: '{name}' is truncated: the element count of storage {key} is cut short")
    return int.from_bytes(raw, "little")


def _load(unpickler, name, what):
    """``unpickler.load()``; a pickle cut short or garbled is a clear error naming the file."""
    try:
        return unpickler.load()
    except Refused:
        raise
    except (pickle.UnpicklingError, *_BAD_PICKLE) as e:
        raise RuntimeError(f"mt.load: '{name}' is truncated or corrupted: cannot read its {what} ({e!r})") from None
