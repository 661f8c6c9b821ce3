"""The Tensor: an array (NumPy or CuPy), its gradient, and the op that made it.

Kept thin: the math lives in ``ops/`` (Functions on raw arrays) and the public
functions in ``functions.py``; these methods only delegate to them.
"""

import numpy as np

from . import autograd, backend
from .autograd.grad_mode import _GradMode
from .dtypes import as_dtype, from_numpy_dtype, get_default_dtype

class Tensor:
    __slots__ = ("data", "_requires_grad", "grad", "grad_fn", "_version", "_hooks", "__weakref__")
    __array_priority__ = 1000  # so that ndarray <op> Tensor defers to Tensor

    def __init__(self, data=None, *, requires_grad=False):
        """``mt.Tensor(data)`` makes a float tensor, like ``torch.Tensor``."""
        if data is None:
            data = np.empty((0,), dtype=get_default_dtype().np_dtype)
        elif isinstance(data, Tensor):
            data = data.data
        elif not backend.is_array(data):
            data = np.asarray(data, dtype=get_default_dtype().np_dtype)
        self.data = data
        self.grad = None
        self.grad_fn = None
        self._version = [0]
        self._hooks = None
        self._requires_grad = False
        self.requires_grad = requires_grad

    @classmethod
    def _from_op(cls, data, grad_fn):
        """Fast constructor used by ops: no checks, no copies."""
        t = object.__new__(cls)
        t.data = data
        t.grad = None
        t.grad_fn = grad_fn
        t._version = [0]
        t._hooks = None
        t._requires_grad = grad_fn is not None
        return t

    # ----------------------------------------------------------- attributes
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
        return Size(self.data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self.data.shape)
        from .ops.broadcast import normalize_dim

        return self.data.shape[normalize_dim(dim, self.data.ndim, "size")]

    def dim(self):
        return self.data.ndim

    ndim = property(dim)

    def numel(self):
        return int(self.data.size)

    nelement = numel

    def element_size(self):
        return self.data.itemsize

    @property
    def dtype(self):
        return from_numpy_dtype(self.data.dtype)

    @property
    def device(self):
        return backend.device_of(self.data)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    def is_floating_point(self):
        return self.data.dtype.kind == "f"

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
        return self.data

    def __array__(self, dtype=None, copy=None):
        arr = self.detach().cpu().data
        return arr if dtype is None else arr.astype(dtype)

    def item(self):
        if self.data.size != 1:
            raise RuntimeError(f"a Tensor with {self.data.size} elements cannot be converted to Scalar")
        return self.data.item()

    def tolist(self):
        return backend.to_device(self.data, "cpu").tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self.data.size} values is ambiguous")
        return bool(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iub" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def to(self, *args, **kwargs):
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other_tensor)``."""
        device = kwargs.pop("device", None)
        dtype = kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        copy = kwargs.pop("copy", False)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, (str, int, backend.Device)) and not (isinstance(a, str) and a in _DTYPE_NAMES):
                device = a  # "cpu", "cuda:1", 1 (a GPU index) or a device
            elif a is not None:
                dtype = a
        from . import functions as F

        out = self
        if dtype is not None and as_dtype(dtype) != self.dtype:
            out = F.cast(out, as_dtype(dtype))
        if device is not None and backend.as_device(device) != out.device:
            out = F.to_device(out, backend.as_device(device))
        if copy and out is self:
            out = self.clone()
        return out

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        """Copy to a GPU: ``cuda()``, ``cuda(1)`` or ``cuda("cuda:1")``."""
        if device is None or isinstance(device, int):
            device = backend.Device("cuda", device)
        return self.to(device)

    def type(self, dtype=None):
        if dtype is None:
            return f"minitorch_cnn.{self.dtype.name}"
        return self.to(dtype)

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
        t = Tensor._from_op(self.data, None)
        t._version = self._version  # shares storage, so shares the version counter
        return t

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    def contiguous(self):
        xp = backend.get_array_module(self.data)
        if self.data.flags.c_contiguous:
            return self
        return _F().contiguous(self) if self.requires_grad else Tensor._from_op(xp.ascontiguousarray(self.data), None)

    def is_contiguous(self):
        return bool(self.data.flags.c_contiguous)

    def data_ptr(self):
        if isinstance(self.data, np.ndarray):
            return self.data.__array_interface__["data"][0]
        return self.data.data.ptr

    # ----------------------------------------------------------- autograd
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        autograd.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    def register_hook(self, hook):
        """``hook(grad) -> Tensor or None`` runs when this tensor's gradient is computed."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        owner = self if self.grad_fn is None else self.grad_fn
        if owner._hooks is None:
            owner._hooks = []
        owner._hooks.append(hook)
        return _RemovableHandle(owner._hooks, hook)

    def retain_grad(self):
        import weakref

        if self.grad_fn is not None:
            self.grad_fn._retained = weakref.ref(self)

    # ----------------------------------------------------------- in-place
    def _check_inplace(self, op):
        if _GradMode.enabled and self.requires_grad:
            if self.grad_fn is None:
                raise RuntimeError(
                    f"{op}: a leaf Variable that requires grad is being used in an in-place operation."
                )
            raise RuntimeError(
                f"{op}: in-place operations on tensors that are part of the autograd graph are not supported "
                "by minitorch_cnn; use the out-of-place version."
            )

    def _bump(self):
        self._version[0] += 1
        return self

    def _inplace_operand(self, other, op):
        if isinstance(other, Tensor):
            _check_same_device_and_dtype(op, [self, other])
            return other.data
        return _F().scalar_or_array(other, self)

    def _inplace_arith(self, op, ufunc, other, alpha=1):
        """self.data = ufunc(self.data, alpha * other), written in place, with PyTorch's errors."""
        self._check_inplace(op)
        other = self._inplace_operand(other, op)
        if alpha != 1:
            other = other * alpha
        try:
            getattr(backend.get_array_module(self.data), ufunc)(self.data, other, out=self.data)
        except TypeError:  # NumPy's UFuncTypeError: a float result into an int tensor
            raise RuntimeError(
                f"{op}: result type Float can't be cast to the desired output type {self.dtype.scalar_name}"
            ) from None
        except ValueError:  # other broadcasts to a bigger shape than self
            raise RuntimeError(
                f"{op}: output with shape {list(self.shape)} doesn't match the broadcast shape "
                f"{list(np.broadcast_shapes(self.shape, np.shape(other)))}"
            ) from None
        return self._bump()

    def add_(self, other, alpha=1):
        return self._inplace_arith("add_", "add", other, alpha)

    def sub_(self, other, alpha=1):
        return self._inplace_arith("sub_", "add", other, -alpha)

    def mul_(self, other):
        return self._inplace_arith("mul_", "multiply", other)

    def div_(self, other):
        return self._inplace_arith("div_", "true_divide", other)

    # ``w -= lr * g`` is in place, as in PyTorch (without these, Python would rebind w to a new tensor)
    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def addcmul_(self, t1, t2, value=1):
        self._check_inplace("addcmul_")
        self.data += value * (t1.data * t2.data)
        return self._bump()

    def addcdiv_(self, t1, t2, value=1):
        self._check_inplace("addcdiv_")
        self.data += value * (t1.data / t2.data)
        return self._bump()

    def lerp_(self, end, weight):
        self._check_inplace("lerp_")
        self.data += weight * (self._inplace_operand(end, "lerp_") - self.data)
        return self._bump()

    def zero_(self):
        return self.fill_(0)

    def fill_(self, value):
        self._check_inplace("fill_")
        self.data[...] = value.item() if isinstance(value, Tensor) else value
        return self._bump()

    def copy_(self, src):
        self._check_inplace("copy_")
        src_data = src.data if isinstance(src, Tensor) else np.asarray(src)
        xp = backend.get_array_module(self.data)
        src_data = backend.to_device(src_data, self.device)
        self.data[...] = xp.broadcast_to(src_data.astype(self.data.dtype, copy=False), self.data.shape)
        return self._bump()

    def clamp_(self, min=None, max=None):
        self._check_inplace("clamp_")
        xp = backend.get_array_module(self.data)
        xp.clip(self.data, min, max, out=self.data)
        return self._bump()

    def sqrt_(self):
        self._check_inplace("sqrt_")
        backend.get_array_module(self.data).sqrt(self.data, out=self.data)
        return self._bump()

    def uniform_(self, a=0.0, b=1.0, generator=None):
        from .random import uniform_array

        self._check_inplace("uniform_")
        self.data[...] = uniform_array(self.data.shape, a, b, self.data.dtype, self.device, generator)
        return self._bump()

    def normal_(self, mean=0.0, std=1.0, generator=None):
        from .random import normal_array

        self._check_inplace("normal_")
        self.data[...] = normal_array(self.data.shape, mean, std, self.data.dtype, self.device, generator)
        return self._bump()

    def bernoulli_(self, p=0.5, generator=None):
        from .random import uniform_array

        self._check_inplace("bernoulli_")
        self.data[...] = uniform_array(self.data.shape, 0.0, 1.0, np.float64, self.device, generator) < p
        return self._bump()

    def __setitem__(self, index, value):
        self._check_inplace("__setitem__")
        index = _F().convert_index(index, self.device)
        if isinstance(value, Tensor):
            value = backend.to_device(value.data, self.device)
        self.data[index] = value
        self._bump()

    def __repr__(self):
        from .printing import tensor_repr

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
            new = type(self)._from_op(self.data.copy(), None)
            new._requires_grad = self._requires_grad
            if self.grad is not None:
                new.grad = self.grad.__deepcopy__(memo)
            memo[id(self)] = new
        return memo[id(self)]

    def __reduce_ex__(self, protocol):
        raise TypeError("minitorch_cnn tensors are not pickled; use mt.save, which writes a safe format")

class Size(tuple):
    """``tensor.shape``: a tuple that prints like PyTorch's ``torch.Size``."""

    def __repr__(self):
        return f"minitorch_cnn.Size({list(self)})"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

class _RemovableHandle:
    def __init__(self, hooks, hook):
        self.hooks, self.hook = hooks, hook

    def remove(self):
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)

def _check_same_device_and_dtype(op, tensors):
    """An op's tensors must share a device, and floating dtypes must agree (no silent promotion).

    ``op`` is the op's name, or its Function (named only when there is an error to report).
    """
    first = tensors[0]
    first_data = first.data
    first_type = type(first_data)
    first_dtype = first_data.dtype
    for t in tensors[1:]:
        data = t.data
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


def _F():
    from . import functions

    return functions

_DTYPE_NAMES = {"float16", "float32", "float64", "half", "float", "double", "int8", "uint8", "int16",
                "int32", "int64", "long", "int", "bool"}

from . import dtypes as _dt  # noqa: E402  (used by float()/double()/...)
from . import tensor_methods  # noqa: E402,F401  (attaches the math methods)
