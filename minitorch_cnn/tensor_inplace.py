"""The Tensor's in-place ops, autograd hooks and ``type()``, attached by ``tensor_methods.py``.

They sit above ``tensor.py`` because they reach the layers built on it: the grad mode and the
graph's hook handles (autograd), the Functions an in-place op records when autograd needs it
(ops), and the operand and index rules of the public functions. They are written as methods
of ``InPlaceMethods``, a namespace that is never instantiated: ``install_tensor_methods`` copies
each of them onto Tensor, so ``x.add_(y)`` runs ``InPlaceMethods.add_(x, y)``.
"""
import weakref

import numpy as np

from . import backend, functions, legacy_tensors, pointwise_functions
from .autograd.function import _type_name
from .autograd.grad_mode import _GradMode, no_grad
from .autograd.graph import RemovableHandle as _RemovableHandle
from .autograd.graph import accumulate_grad_node
from .dtypes import from_numpy_dtype
from .ops.elementwise import Fill
from .ops.shape import Copy, SetItem
from .random import normal_array, uniform_array
from .tensor import Tensor, _check_same_device_and_dtype

_RECORDED_ARITH = {"add": "add", "multiply": "mul", "true_divide": "div"}


class InPlaceMethods:
    """Tensor methods that write into the tensor (or hook into autograd); see the module docstring."""

    def type(self, dtype=None):
        """``x.type()`` names the legacy type (``minitorch_cnn.FloatTensor``); ``x.type(mt.LongTensor)``,
        ``x.type(mt.int64)`` or ``x.type("torch.LongTensor")`` converts."""
        if dtype is None:
            return _type_name(self._data.dtype)
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            dtype = getattr(legacy_tensors, dtype.rsplit(".", 1)[-1])
        return self.to(getattr(dtype, "dtype", dtype) if isinstance(dtype, type) else dtype)

    # ----------------------------------------------------------- autograd
    def register_hook(self, hook):
        """``hook(grad) -> Tensor or None`` runs when this tensor's gradient is computed."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        owner = self if self.grad_fn is None else self.grad_fn
        if owner._hooks is None:
            owner._hooks = []
        owner._hooks.append(hook)
        return _RemovableHandle(owner._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor) -> None`` runs after a backward pass has accumulated this leaf's ``.grad``
        (data-parallel training starts all-reducing a gradient from here)."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        hooks = accumulate_grad_node(self)._post_acc_hooks
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def retain_grad(self):
        if self.grad_fn is not None:
            self.grad_fn._retained = weakref.ref(self)

    # ----------------------------------------------------------- in-place
    # PyTorch's rule: an in-place op outside autograd (grad mode off, or nothing requires grad)
    # writes the array directly; on a tensor in the graph (or with an operand that requires grad)
    # it is recorded: the op runs out of place on the old value, the result is written into the
    # array, and the tensor becomes the op's output. The version counter catches a backward that
    # needs a value changed since (``Function._check_versions``).
    def _check_inplace(self, op, *operands):
        """True when the in-place op must be recorded in the graph; raises PyTorch's errors for a leaf
        that requires grad (or a view of one) and for views of graph tensors, which are not tracked."""
        if not _GradMode.enabled:
            return False
        if self._requires_grad:
            node = self.grad_fn
            if node is None:
                raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
            if node.is_view and self._data.base is not None:
                base = node.parents[0] if node.parents else None
                if isinstance(base, Tensor) and base.grad_fn is None:
                    raise RuntimeError(
                        "a view of a leaf Variable that requires grad is being used in an in-place operation.")
                raise RuntimeError(
                    f"{op}: in-place operation on a view (the output of {node.name()}) of a tensor that is part of "
                    "the autograd graph is not supported by minitorch_cnn: apply it to the tensor the view was "
                    "taken from, or .clone() the view first"
                )
            return True
        for t in operands:
            if isinstance(t, Tensor) and t._requires_grad:
                return True
        return False

    def _write(self, result, op):
        """``result``'s array written into self's (same shape; the dtype may only narrow within its kind)."""
        kinds = {"b": 0, "u": 1, "i": 1, "f": 2}
        if kinds.get(result.dtype.kind, 2) > kinds.get(self._data.dtype.kind, 2):
            raise RuntimeError(f"{op}: result type {from_numpy_dtype(result.dtype).scalar_name} can't be cast to "
                               f"the desired output type {self.dtype.scalar_name}")
        if tuple(result.shape) != tuple(self._data.shape):
            raise RuntimeError(f"{op}: output with shape {list(self.shape)} doesn't match the broadcast shape "
                               f"{list(result.shape)}")
        backend.get_array_module(self._data).copyto(self._data, result, casting="unsafe")
        return self._bump()

    def _become(self, out, op):
        """A recorded in-place op: ``out`` (computed out of place from self) is written into self's
        array, and self takes out's place in the graph."""
        if out._data.dtype != self._data.dtype and out._data.dtype.kind == "f" == self._data.dtype.kind:
            out = functions.cast(out, self.dtype)  # (computed in the wider dtype, kept in self's, as PyTorch)
        node, old = out.grad_fn, self._data
        if node is not None and node.saved_tensors:
            # the op's backward reads self's value from before the write (kept as a copy, as PyTorch
            # clones it) and the op's output, which is self's array from now on
            node.saved_tensors = tuple(a.copy() if a is old else (old if a is out._data else a)
                                       for a in node.saved_tensors)
        self._write(out._data, op)
        if node is not None and node._saved_versions:
            node._saved_versions = [
                (self._version, self._version[0], *entry[2:]) if entry[3] == -1 else entry
                for entry in node._saved_versions if entry[3] == -1 or entry[0] is not self._version
            ]
        self.grad_fn, self._requires_grad = node, out._requires_grad
        return self

    def _apply_inplace(self, op, fn, *args, **kwargs):
        """``self = fn(self, *args)`` in place, by PyTorch's rule (recorded when autograd needs it)."""
        if self._check_inplace(op, *args, *kwargs.values()):
            return self._become(fn(self, *args, **kwargs), op)
        with no_grad():
            result = fn(self, *args, **kwargs)
        return self._write(result._data, op)

    def _inplace_operand(self, other, op):
        if isinstance(other, Tensor):
            # another floating dtype is computed with as PyTorch does (the ufunc writes into self's dtype)
            both_float = other._data.dtype.kind == "f" == self._data.dtype.kind
            _check_same_device_and_dtype(op, [self, functions.cast(other, self.dtype) if both_float else other])
            return other._data
        return functions.scalar_or_array(other, self)

    def _inplace_arith(self, op, ufunc, other, alpha=1):
        """self = ufunc(self, alpha * other), written in place, with PyTorch's errors."""
        if self._check_inplace(op, other):
            other = other * alpha if alpha != 1 else other
            return self._become(getattr(functions, _RECORDED_ARITH[ufunc])(self, other), op)
        other = self._inplace_operand(other, op)
        if alpha != 1:
            other = other * alpha
        try:
            getattr(backend.get_array_module(self._data), ufunc)(self._data, other, out=self._data)
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
        if self._check_inplace("addcmul_", t1, t2):
            return self._become(self + value * t1 * t2, "addcmul_")
        self._data += value * (t1._data * t2._data)
        return self._bump()

    def addcdiv_(self, t1, t2, value=1):
        if self._check_inplace("addcdiv_", t1, t2):
            return self._become(self + value * t1 / t2, "addcdiv_")
        self._data += value * (t1._data / t2._data)
        return self._bump()

    def lerp_(self, end, weight):
        pointwise_functions._check_lerp_dtypes(self, end, weight)
        if self._check_inplace("lerp_", end, weight):
            return self._become(self + weight * (end - self), "lerp_")
        self._data += weight * (self._inplace_operand(end, "lerp_") - self._data)
        return self._bump()

    def zero_(self):
        return self.fill_(0)

    def fill_(self, value):
        value = value.item() if isinstance(value, Tensor) else value
        if self._check_inplace("fill_"):
            return self._become(Fill(value)(self), "fill_")
        self._data[...] = value
        return self._bump()

    def copy_(self, src, non_blocking=False):
        src_data = src._data if isinstance(src, Tensor) else np.asarray(src)
        src_data = backend.to_device(src_data, self.device)
        if self._check_inplace("copy_", src):
            source = src if isinstance(src, Tensor) and src.device == self.device else src_data
            return self._become(Copy()(self, source), "copy_")
        xp = backend.get_array_module(self._data)
        self._data[...] = xp.broadcast_to(src_data.astype(self._data.dtype, copy=False), self._data.shape)
        return self._bump()

    def clamp_(self, min=None, max=None):
        if self._check_inplace("clamp_", min, max):
            return self._become(functions.clamp(self, min, max), "clamp_")
        xp = backend.get_array_module(self._data)
        xp.clip(self._data, min, max, out=self._data)
        return self._bump()

    clip_ = clamp_

    def relu_(self):
        if self._check_inplace("relu_"):
            return self._become(functions.relu(self), "relu_")
        xp = backend.get_array_module(self._data)
        xp.maximum(self._data, 0, out=self._data)
        return self._bump()

    def sqrt_(self):
        if self._check_inplace("sqrt_"):
            return self._become(functions.sqrt(self), "sqrt_")
        backend.get_array_module(self._data).sqrt(self._data, out=self._data)
        return self._bump()

    def _fill_random(self, op, values):
        if self._check_inplace(op):
            return self.copy_(Tensor._from_op(values, None))
        self._data[...] = values
        return self._bump()

    def uniform_(self, a=0.0, b=1.0, generator=None):
        values = uniform_array(self._data.shape, a, b, self._data.dtype, self.device, generator)
        return self._fill_random("uniform_", values)

    def normal_(self, mean=0.0, std=1.0, generator=None):
        values = normal_array(self._data.shape, mean, std, self._data.dtype, self.device, generator)
        return self._fill_random("normal_", values)

    def bernoulli_(self, p=0.5, generator=None):
        values = uniform_array(self._data.shape, 0.0, 1.0, np.float64, self.device, generator) < p
        return self._fill_random("bernoulli_", values)

    def __setitem__(self, index, value):
        recorded = self._check_inplace("__setitem__", value)
        index = functions.convert_index(index, self.device)
        if recorded:
            if not isinstance(value, Tensor):
                value = Tensor._from_op(backend.to_device(np.asarray(value, dtype=self._data.dtype), self.device), None)
            self._become(SetItem(index)(self, value), "__setitem__")
            return
        if isinstance(value, Tensor):
            value = backend.to_device(value._data, self.device)
        self._data[index] = value
        self._bump()


# name -> function, for the installer (the class's own attributes, not ``__doc__`` and the like)
INPLACE_METHODS = {name: fn for name, fn in vars(InPlaceMethods).items() if callable(fn)}
