"""Reverse-mode automatic differentiation: ``backward``, ``grad``, ``gradcheck``."""
from ..backend import get_array_module
from .engine import run_backward
from .function import Function
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck


def _root_grad(tensor, gradient, where):
    """The gradient that starts backward at ``tensor``: ones for a scalar, else the given one.

    The given array is not copied: backward functions never write into the gradient they
    receive, and the engine copies it before a tensor's ``.grad`` could hold it.
    """
    if gradient is None:
        if tensor.data.size != 1:
            raise RuntimeError(
                f"{where}: grad can be implicitly created only for scalar outputs (got shape {list(tensor.shape)}); "
                "pass gradient= with the same shape"
            )
        return get_array_module(tensor.data).ones_like(tensor.data)
    data = gradient.data if isinstance(gradient, Tensor) else gradient
    if tuple(data.shape) != tuple(tensor.shape):
        raise RuntimeError(
            f"{where}: Mismatch in shape: grad_output has a shape of {list(data.shape)} and output has a shape "
            f"of {list(tensor.shape)}"
        )
    return data.astype(tensor.data.dtype, copy=False)


def _check_create_graph(create_graph):
    if create_graph:
        raise NotImplementedError(
            "create_graph=True (higher-order gradients) is not supported: minitorch_cnn's backward "
            "works on raw arrays"
        )


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(tensors)/d(leaf) into each leaf's ``.grad``."""
    _check_create_graph(create_graph)
    if isinstance(tensors, Tensor):
        tensors, grad_tensors = [tensors], [grad_tensors]
    elif grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    roots = []
    for t, g in zip(tensors, grad_tensors):
        if not t.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        roots.append((t, _root_grad(t, g, "backward")))
    if inputs is not None:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        grads = run_backward(roots, retain_graph=bool(retain_graph), capture=inputs)
        for t in inputs:
            key = id(t.grad_fn if t.grad_fn is not None else t)
            if key in grads:
                g = grads[key]
                t.grad = Tensor._from_op(g.copy(), None) if t.grad is None else Tensor._from_op(t.grad.data + g, None)
        return
    run_backward(roots, retain_graph=bool(retain_graph))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (``.grad`` untouched)."""
    _check_create_graph(create_graph)
    single_input = isinstance(inputs, Tensor)
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if single_input else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    roots = [(o, _root_grad(o, g, "grad")) for o, g in zip(outputs, grad_outputs)]
    captured = run_backward(roots, retain_graph=bool(retain_graph), capture=inputs)
    result = []
    for t in inputs:
        key = id(t.grad_fn if t.grad_fn is not None else t)
        if key not in captured:
            if not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
            result.append(None)
        else:
            result.append(Tensor._from_op(captured[key], None))
    return tuple(result)


__all__ = ["Function", "backward", "grad", "gradcheck", "GradcheckError", "no_grad", "enable_grad",
           "set_grad_enabled", "is_grad_enabled"]


from ..tensor import Tensor  # noqa: E402  (circular: tensor.py imports autograd)
