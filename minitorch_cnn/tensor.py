"""The Tensor: an array (NumPy or CuPy), its gradient, and the op that made it.

Kept thin: the math lives in ``ops/`` (Functions on raw arrays) and the public
functions in ``functions.py``; these methods only delegate to them.
"""

import numpy as np

from . import backend
from . import dtypes as _dt
from .dtypes import as_dtype, from_numpy_dtype, get_default_dtype
from .printing import tensor_repr

class Tensor:
    # _data: the raw NumPy/CuPy array (ops read it); ``data`` is PyTorch's Tensor view of it
    # _grad: what ``grad`` reads; its setter checks an assigned gradient as PyTorch does
    __slots__ = ("_data", "_requires_grad", "_grad", "grad_fn", "_version", "_hooks", "__weakref__")
    __array_priority__ = 1000  # so that ndarray <op> Tensor defers to Tensor

    def __init__(self, data=None, *, requires_grad=False):
        """``mt.Tensor(data)`` makes a float tensor, like ``torch.Tensor``."""
        if data is None:
            data = np.empty((0,), dtype=get_default_dtype().np_dtype)
        elif isinstance(data, Tensor):
            data = data._data
        elif not backend.is_array(data):
            data = np.asarray(data, dtype=get_default_dtype().np_dtype)
        self._data = data
        self._grad = None
        self.grad_fn = None
        self._version = [0]
        self._hooks = None
        self._requires_grad = False
        self.requires_grad = requires_grad

    @classmethod
    def _from_op(cls, data, grad_fn):
        """Fast constructor used by ops: no checks, no copies."""
        t = object.__new__(cls)
        t._data = data
        t._grad = None
        t.grad_fn = grad_fn
        t._version = [0]
        t._hooks = None
        t._requires_grad = grad_fn is not None
        return t

    # ----------------------------------------------------------- attributes
    @property
    def data(self):
        """A Tensor sharing this one's storage, with no history and ``requires_grad=False``.

        In-place changes through it change this tensor, unseen by autograd: it has a version
        counter of its own (``detach()`` shares this one's, so autograd catches changes there).
        That is what makes ``param.data -= lr * param.grad`` an update outside the graph.
        """
        return Tensor._from_op(self._data, None)

    @data.setter
    def data(self, new):
        """``t.data = other``: ``t`` now uses ``other``'s storage (its shape, dtype and device too)."""
        if not isinstance(new, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(new).__name__}")
        if self._requires_grad and new._data.dtype.kind != "f":
            raise RuntimeError(f"data set to a tensor of dtype {new.dtype} on a tensor that requires grad: only "
                               "floating point tensors can require gradients")
        self._data = new._data

    @property
    def grad(self):
        """The gradient that ``backward`` accumulated into this tensor (None before any)."""
        return self._grad

    @grad.setter
    def grad(self, new):
        """``t.grad = g``: None, or a Tensor of ``t``'s dtype, device type and size (PyTorch's checks)."""
        if new is not None:
            if not isinstance(new, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{_c_type_name(type(new))}")
            _check_assigned_grad(self, new)
        self._grad = new

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        value = bool(value)
        if self.grad_fn is not None and not value:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
            )
        if value and not self.dtype.is_floating_point:
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients (got {self.dtype})"
            )
        self._requires_grad = value

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def shape(self):
        return Size(self._data.shape)

    def dim(self):
        return self._data.ndim

    ndim = property(dim)

    def numel(self):
        return int(self._data.size)

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def dtype(self):
        return from_numpy_dtype(self._data.dtype)

    @property
    def device(self):
        return backend.device_of(self._data)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    is_xpu = is_mps = property(lambda self: False)  # (PyTorch's other accelerators: never here)

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    # ----------------------------------------------------------- conversion
    def numpy(self):
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if self.device.type != "cpu":
            raise TypeError(
                f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to copy the tensor "
                "to host memory first."
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = self.detach().cpu()._data
        return arr if dtype is None else arr.astype(dtype)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.item()

    def tolist(self):
        return backend.to_device(self._data, "cpu").tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self._data.size} values is ambiguous")
        return bool(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        """Copy to a GPU: ``cuda()``, ``cuda(1)`` or ``cuda("cuda:1")``."""
        if device is None or isinstance(device, int):
            device = backend.Device("cuda", device)
        return self.to(device)

    def float(self):
        return self.to(_dt.float32)

    def double(self):
        return self.to(_dt.float64)

    def half(self):
        return self.to(_dt.float16)

    def long(self):
        return self.to(_dt.int64)

    def int(self):
        return self.to(_dt.int32)

    def bool(self):
        return self.to(_dt.bool_)

    def detach(self):
        t = Tensor._from_op(self._data, None)
        t._version = self._version  # shares storage, so shares the version counter
        return t

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    def data_ptr(self):
        if isinstance(self._data, np.ndarray):
            return self._data.__array_interface__["data"][0]
        return self._data.data.ptr

    def _bump(self):
        self._version[0] += 1
        return self

    def __repr__(self):
        return tensor_repr(self)

    __hash__ = object.__hash__

    def __deepcopy__(self, memo):
        """``copy.deepcopy``: a new leaf with copied data (and gradient), as PyTorch does."""
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the "
                "moment. If you were attempting to deepcopy a module, this may be because of a torch.nn.utils."
                "weight_norm usage, see https://github.com/pytorch/pytorch/pull/103001"
            )
        if id(self) not in memo:
            new = type(self)._from_op(self._data.copy(), None)
            new._requires_grad = self._requires_grad
            if self.grad is not None:
                new.grad = self.grad.__deepcopy__(memo)
            memo[id(self)] = new
        return memo[id(self)]

    def __reduce_ex__(self, protocol):
        raise TypeError("minitorch_cnn tensors are not pickled; use mt.save, which writes a safe format")

# PyTorch's C++ names of the dtypes, as its messages about an assigned gradient print them
_CPP_TYPE_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double", "int8": "signed char",
                   "uint8": "unsigned char", "int16": "short int", "int32": "int", "int64": "long int", "bool": "bool"}


def _c_type_name(cls):
    """A type's name as CPython's ``tp_name`` holds it (what PyTorch prints): ``float``, ``Foo`` for a Python
    class, ``numpy.ndarray`` for a type that an extension module defines."""
    if cls.__flags__ & (1 << 9) or cls.__module__ == "builtins":  # (Py_TPFLAGS_HEAPTYPE: a Python class)
        return cls.__name__
    return f"{cls.__module__}.{cls.__name__}"


def _check_assigned_grad(t, g):
    """Refuse ``t.grad = g`` where PyTorch does: ``t`` itself, another dtype, device type or size."""
    if g is t:
        raise RuntimeError("can't assign Variable as its own grad")
    if g._data.dtype != t._data.dtype:
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{_CPP_TYPE_NAMES[g.dtype.name]}' to a tensor with "
            f"grad_dtype '{t.dtype.scalar_name}'. The gradient must match the tensor's grad_dtype (defaults to the "
            "tensor's dtype). You can set the tensor's grad_dtype attribute with a specific dtype, or None to allow "
            "any dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and its gradient may break "
            "downstream systems that assume they match.")
    if type(g._data) is not np.ndarray or type(t._data) is not np.ndarray:  # (two NumPy arrays: both on the CPU)
        gdev, tdev = g.device, t.device
        if gdev.type != tdev.type:
            raise RuntimeError(f"attempting to assign a gradient with device type '{gdev.type}' to a tensor with "
                               f"device type '{tdev.type}'. Please ensure that the gradient and the tensor are on the "
                               "same device")
        if gdev.index != tdev.index:
            raise RuntimeError(f"attempting to assign a gradient located on device with index '{gdev.index}' to a "
                               f"tensor located on device with index '{tdev.index}'. Please ensure that the gradient "
                               "and the tensor are on the same device")
    if g._data.shape != t._data.shape:
        raise RuntimeError(f"attempting to assign a gradient of size '{list(g._data.shape)}' to a tensor of size "
                           f"'{list(t._data.shape)}'. Please ensure that the gradient and the tensor are the same size")


class Size(tuple):
    """``tensor.shape``: a tuple that prints like PyTorch's ``torch.Size``."""

    def __repr__(self):
        return f"minitorch_cnn.Size({list(self)})"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


def _check_same_device_and_dtype(op, tensors):
    """An op's tensors must share a device, and floating dtypes must agree (no silent promotion).

    ``op`` is the op's name, or its Function (named only when there is an error to report).
    """
    first = tensors[0]
    first_data = first._data
    first_type = type(first_data)
    first_dtype = first_data.dtype
    for t in tensors[1:]:
        data = t._data
        if type(data) is not first_type or (first_type is not np.ndarray and t.device != first.device):
            raise RuntimeError(
                f"{_op_name(op)}: Expected all tensors to be on the same device, but found at least two devices, "
                f"{first.device} and {t.device} (shapes {list(first_data.shape)} and {list(data.shape)})"
            )
        if data.dtype != first_dtype and data.dtype.kind == "f" and first_dtype.kind == "f":
            raise RuntimeError(
                f"{_op_name(op)}: expected all floating-point tensors to have the same dtype, but got "
                f"{first_dtype} and {data.dtype} (shapes {list(first_data.shape)} and {list(data.shape)}); "
                "convert one with .to(dtype) / .float() / .double()"
            )


def _op_name(op):
    return op if isinstance(op, str) else type(op).__name__.lower()


def parse_to(*args, device=None, dtype=None, non_blocking=False, memory_format=None):
    """Sort the arguments of ``Tensor.to`` and ``Module.to`` into (device, dtype), as ``torch._C._nn._parse_to``.

    A tensor gives both; a device, a device string ("cpu", "cuda:1") or a GPU index is the
    device; anything else (a dtype, its name, a NumPy dtype) is the dtype.
    """
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, (str, int, backend.Device)) and not (isinstance(a, str) and a in _DTYPE_NAMES):
            device = a  # "cpu", "cuda:1", 1 (a GPU index) or a device
        elif a is not None:
            dtype = a
    return device, as_dtype(dtype)


_DTYPE_NAMES = {"float16", "float32", "float64", "half", "float", "double", "int8", "uint8", "int16",
                "int32", "int64", "long", "int", "bool"}
