"""Reverse-mode automatic differentiation: ``backward``, ``grad``, ``gradcheck``."""
from ..tensor import Tensor
from .api import backward, grad
from .engine import queue_callback
from .function import Function
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph import AccumulateGrad, RemovableHandle


class _ExecutionEngine:
    """``Variable._execution_engine``: PyTorch's handle on the backward engine."""

    @staticmethod
    def queue_callback(callback):
        """Run ``callback()`` once, after the backward pass now running has finished (raises outside one)."""
        queue_callback(callback)


class _VariableMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """The 2017 API: ``Variable(x, requires_grad=True)`` returns a Tensor (Variables and Tensors merged
    in PyTorch 0.4); ``isinstance(t, Variable)`` holds for every Tensor, as in PyTorch."""

    _execution_engine = _ExecutionEngine()

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        if data is None:
            return Tensor()
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        t = data.detach()
        t.requires_grad = requires_grad
        return t


__all__ = ["Function", "backward", "grad", "gradcheck", "GradcheckError", "no_grad", "enable_grad",
           "set_grad_enabled", "is_grad_enabled", "gradgradcheck", "Variable", "queue_callback", "AccumulateGrad"]
