"""``backward`` and ``grad``: the two ways into the engine (``engine.run_backward``), with PyTorch's
arguments (root gradients, ``retain_graph``, ``create_graph``, ``inputs``, ``allow_unused``)."""
import numpy as np

from ..backend import get_array_module
from ..tensor import Tensor
from .engine import run_backward


def _root_grad(tensor, gradient, where):
    """The gradient that starts backward at ``tensor``: ones for a scalar, else the given one.

    The given array is not copied: backward functions never write into the gradient they
    receive, and the engine copies it before a tensor's ``.grad`` could hold it.
    """
    if gradient is None:
        if tensor._data.size != 1:
            raise RuntimeError(
                f"{where}: grad can be implicitly created only for scalar outputs (got shape {list(tensor.shape)}); "
                "pass gradient= with the same shape"
            )
        return get_array_module(tensor._data).ones_like(tensor._data)
    data = gradient._data if isinstance(gradient, Tensor) else gradient
    if tuple(data.shape) != tuple(tensor.shape):
        raise RuntimeError(
            f"{where}: Mismatch in shape: grad_output has a shape of {list(data.shape)} and output has a shape "
            f"of {list(tensor.shape)}"
        )
    return data.astype(tensor._data.dtype, copy=False)


def _roots(tensors, grad_tensors, create_graph, where):
    """[(tensor, gradient)] to start backward from: arrays, or Tensors when recording (create_graph)."""
    roots = []
    for t, g in zip(tensors, grad_tensors):
        array = _root_grad(t, g, where)
        if create_graph:
            given = isinstance(g, Tensor) and g._data is array
            roots.append((t, g if given else Tensor._from_op(array, None)))
        else:
            roots.append((t, array))
    return roots


def _as_list(tensors, grads):
    if isinstance(tensors, Tensor):
        return [tensors], [grads]
    tensors = list(tensors)
    if grads is None or isinstance(grads, Tensor):
        grads = [grads] * len(tensors)
    return tensors, list(grads)


def _key(t):
    return id(t.grad_fn if t.grad_fn is not None else t)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(tensors)/d(leaf) into each leaf's ``.grad``.

    ``create_graph=True`` records the backward pass, so ``.grad`` can be differentiated again
    (it implies ``retain_graph``, as in PyTorch).
    """
    if inputs is None and not create_graph and isinstance(tensors, Tensor) and tensors._requires_grad:
        # the common `loss.backward()`: one root, first order
        run_backward([(tensors, _root_grad(tensors, grad_tensors, "backward"))], retain_graph=bool(retain_graph))
        return
    tensors, grad_tensors = _as_list(tensors, grad_tensors)
    for i, t in enumerate(tensors):
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    if retain_graph is None:
        retain_graph = create_graph
    roots = _roots(tensors, grad_tensors, create_graph, "backward")
    if inputs is not None:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        grads = run_backward(roots, retain_graph=bool(retain_graph), capture=inputs, create_graph=create_graph)
        for t in inputs:
            if _key(t) in grads:
                g = grads[_key(t)]
                if isinstance(g, Tensor):
                    t.grad = g if t.grad is None else t.grad + g
                else:
                    t.grad = Tensor._from_op(g.copy(), None) if t.grad is None else Tensor._from_op(t.grad._data + g, None)
        return
    run_backward(roots, retain_graph=bool(retain_graph), create_graph=create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (``.grad`` untouched).

    With ``create_graph=True`` the returned gradients carry a graph and can be differentiated
    again (gradient penalties, Hessian-vector products, Newton steps).
    """
    if is_grads_batched:
        raise NotImplementedError("autograd.grad: is_grads_batched=True (vmap over cotangents) is not supported")
    if allow_unused is None:
        allow_unused = materialize_grads
    single_input = isinstance(inputs, Tensor)
    outputs, grad_outputs = _as_list(outputs, grad_outputs)
    inputs = [inputs] if single_input else list(inputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    for i, o in enumerate(outputs):
        if not o.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    if retain_graph is None:
        retain_graph = create_graph
    roots = _roots(outputs, grad_outputs, create_graph, "grad")
    captured = run_backward(roots, retain_graph=bool(retain_graph), capture=inputs, create_graph=create_graph)
    result = []
    for t in inputs:
        if _key(t) not in captured:
            if not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
            result.append(Tensor._from_op(get_array_module(t._data).zeros_like(t._data), None)
                          if materialize_grads else None)
        else:
            g = captured[_key(t)]
            result.append(g if isinstance(g, Tensor) else Tensor._from_op(np.asarray(g) if isinstance(g, np.generic) else g, None))
    return tuple(result)
