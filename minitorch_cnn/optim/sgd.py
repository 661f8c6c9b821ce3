"""Stochastic gradient descent, with momentum and Nesterov momentum (PyTorch's formulation)."""
from ..autograd import no_grad
from ..backend import get_array_module
from ..ops import kernel
from ..tensor import Tensor
from .optimizer import Optimizer, check_hyperparameters


class SGD(Optimizer):
    """``p -= lr * d`` where ``d`` is the gradient, optionally decayed and smoothed by momentum.

    Per step, with ``g = p.grad`` (negated when ``maximize``)::

        g = g + weight_decay * p                       # L2 penalty (coupled)
        b = g                      on the first step   # momentum buffer
        b = momentum * b + (1 - dampening) * g          later
        d = g + momentum * b  if nesterov  else  b
        p = p - lr * d

    Note the buffer accumulates ``g`` rather than ``lr * g`` (Sutskever et al. put lr inside): the two
    agree for a constant lr. ``foreach``, ``differentiable`` and ``fused`` are accepted for PyTorch compatibility
    (one code path here).
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        check_hyperparameters(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            momentum, dampening = group["momentum"], group["dampening"]
            for p in self._params_with_grad(group):
                fused = kernel("sgd_step", get_array_module(p._data))
                if fused is not None:  # CUDA: the whole update in one kernel
                    self._fused_step(fused, p, group)
                    continue
                g = -p.grad._data if group["maximize"] else p.grad._data
                if group["weight_decay"] != 0:
                    g = g + group["weight_decay"] * p._data
                if momentum != 0:
                    state = self.state[p]
                    if state.get("momentum_buffer") is None:
                        state["momentum_buffer"] = Tensor._from_op(g.copy(), None)
                    else:
                        buf = state["momentum_buffer"]._data
                        buf *= momentum
                        buf += (1 - dampening) * g
                    buf = state["momentum_buffer"]._data
                    g = g + momentum * buf if group["nesterov"] else buf
                self._add_(p, g, alpha=-group["lr"])
        return loss

    def _fused_step(self, fused, p, group):
        """The same update by one CUDA kernel, in place on p and its momentum buffer."""
        momentum, buf, first = group["momentum"], None, False
        if momentum != 0:  # like PyTorch, plain SGD keeps no state at all
            state = self.state[p]
            first = state.get("momentum_buffer") is None
            if first:  # the kernel fills the new buffer with the gradient
                state["momentum_buffer"] = Tensor._from_op(get_array_module(p._data).empty_like(p._data), None)
            buf = state["momentum_buffer"]._data
        fused(p._data, p.grad._data, buf, group["lr"], group["weight_decay"], momentum,
              group["dampening"], group["nesterov"], group["maximize"], first)
        p._bump()
