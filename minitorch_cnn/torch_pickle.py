"""Read PyTorch's zip checkpoints (``torch.save``'s default format) without torch and without risk.

A ``.pth`` file is a zip archive::

    <archive>/data.pkl      a pickle of the object tree (e.g. an OrderedDict state_dict)
    <archive>/byteorder     'little' or 'big'
    <archive>/data/<key>    the raw bytes of one storage (a flat buffer that tensors view)

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


class TorchUnpickler(pickle.Unpickler):
    """An unpickler that knows only tensors, OrderedDicts and the built-in containers."""

    def __init__(self, file, name, read_storage, to_device):
        super().__init__(file)
        self.name = name
        self._read_storage = read_storage  # (storage type, key, location, numel) -> _Storage
        self._to_device = to_device  # (array, saved location) -> array on the wanted device
        self._allowed = {
            ("collections", "OrderedDict"): collections.OrderedDict,
            ("torch._utils", "_rebuild_tensor_v2"): self._rebuild_tensor,
            ("torch._utils", "_rebuild_parameter"): self._rebuild_parameter,
            ("torch", "Size"): tuple,
        }

    def find_class(self, module, name):
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        if (module, name) in self._allowed:
            return self._allowed[(module, name)]
        raise pickle.UnpicklingError(
            f"mt.load: '{self.name}' asks to import {module}.{name}, which is not part of a tensor checkpoint; "
            "refusing to run it (only tensors, numbers, strings and dicts/lists/tuples of them load; save "
            "model.state_dict(), not the model)")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType)):
            raise pickle.UnpicklingError(f"mt.load: '{self.name}' has an unsupported persistent id {pid!r}")
        _, storage_type, key, location, numel = pid
        if storage_type.dtype is None:
            raise pickle.UnpicklingError(f"mt.load: '{self.name}' holds a {storage_type.name} (bfloat16), which "
                                         "NumPy cannot represent; convert it with .float() before torch.save")
        return self._read_storage(storage_type, str(key), str(location), int(numel))

    def _rebuild_tensor(self, storage, storage_offset, size, stride, requires_grad, backward_hooks,
                        metadata=None):
        """The view ``storage[offset + sum(i_k * stride_k)]`` over all indices ``i`` of ``size``, copied."""
        if not isinstance(storage, _Storage):
            raise pickle.UnpicklingError(f"mt.load: '{self.name}' rebuilds a tensor from a non-storage")
        size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
        storage_offset = int(storage_offset)
        flat = storage.array
        if len(size) != len(stride) or storage_offset < 0 or min(size + stride, default=0) < 0:
            raise pickle.UnpicklingError(f"mt.load: '{self.name}' has a tensor with invalid size {size} / stride "
                                         f"{stride} / offset {storage_offset}")
        if 0 in size:
            array = np.empty(size, dtype=flat.dtype)
        else:
            last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
            if last >= flat.size:
                raise pickle.UnpicklingError(
                    f"mt.load: '{self.name}' has a tensor (offset {storage_offset}, size {size}, stride {stride}) "
                    f"reaching past its storage of {flat.size} elements: the file is corrupted")
            view = np.lib.stride_tricks.as_strided(flat[storage_offset:], shape=size,
                                                   strides=[s * flat.itemsize for s in stride], writeable=False)
            array = view.copy()
        tensor = Tensor._from_op(self._to_device(array, storage.location), None)
        return tensor.requires_grad_(bool(requires_grad)) if tensor.is_floating_point() else tensor

    def _rebuild_parameter(self, data, requires_grad, backward_hooks):
        from .nn import Parameter

        return Parameter(data, requires_grad=requires_grad)


def read_torch_zip(zf, prefix, name, read, to_device):
    """The object tree of a PyTorch zip checkpoint whose members live under ``prefix``.

    ``read(member) -> bytes`` reads (with clear errors); ``to_device(array, saved_location)`` places arrays.
    """
    members = set(zf.namelist())
    byteorder = read(f"{prefix}/byteorder").decode() if f"{prefix}/byteorder" in members else "little"
    storages = {}

    def read_storage(storage_type, key, location, numel):
        if key not in storages:
            dtype = np.dtype(storage_type.dtype).newbyteorder("<" if byteorder == "little" else ">")
            raw = read(f"{prefix}/data/{key}")
            if len(raw) < numel * dtype.itemsize:
                raise RuntimeError(f"mt.load: '{name}' is truncated: storage {key} should hold {numel} "
                                   f"{storage_type.name} elements but has {len(raw)} bytes")
            flat = np.frombuffer(raw, dtype=dtype, count=numel).astype(dtype.newbyteorder("="))
            storages[key] = _Storage(flat, location)
        return storages[key]

    unpickler = TorchUnpickler(io.BytesIO(read(f"{prefix}/{TORCH_PICKLE}")), name, read_storage, to_device)
    try:
        return unpickler.load()
    except (EOFError, ValueError, TypeError, IndexError, KeyError, AttributeError) as e:
        raise pickle.UnpicklingError(f"mt.load: '{name}' has a malformed {TORCH_PICKLE}: {e!r}") from None
