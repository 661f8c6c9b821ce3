"""Gradient clipping: rescale (by the total norm) or clamp (elementwise) the gradients in place."""
import types
import warnings

from ... import backend
from ...autograd.grad_mode import no_grad
from ...creation import tensor
from ...functions import clamp
from ...tensor import Tensor


def _vector_norm(array, p):
    """The p-norm of an array seen as one vector (p = inf: max |x|; p = 0: count of non-zeros)."""
    xp = backend.get_array_module(array)
    a = xp.abs(array)
    if p == float("inf"):
        return a.max()
    if p == float("-inf"):
        return a.min()
    if p == 0:
        return (a != 0).sum().astype(array.dtype)
    return (a**p).sum() ** (1.0 / p)


@no_grad()
def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of all ``tensors`` together, as if concatenated into one vector (``foreach`` is ignored)."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return tensor(0.0)
    device = tensors[0].device
    norms = [backend.to_device(_vector_norm(t._data, norm_type), device) for t in tensors]
    xp = backend.get_array_module(norms[0])
    total_norm = Tensor._from_op(xp.asarray(_vector_norm(xp.stack(norms), norm_type)), None)
    if error_if_nonfinite and not bool(xp.isfinite(total_norm._data)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    return total_norm


@no_grad()
def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients by ``min(1, max_norm / (total_norm + 1e-6))``; returns the total norm before clipping."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=3)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite)
    if grads:
        clip_coef = clamp(float(max_norm) / (total_norm + 1e-6), max=1.0)
        for g in grads:
            g.mul_(clip_coef.to(g.device))
    return total_norm


@no_grad()
def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into ``[-clip_value, clip_value]``."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(min=-clip_value, max=clip_value)
