"""RMSprop (Hinton, Coursera lecture 6e): divide the gradient by a running root-mean-square of it."""
import numpy as np

from ..autograd import no_grad
from ..backend import get_array_module
from ..tensor import Tensor
from .optimizer import Optimizer, check_hyperparameters


class RMSprop(Optimizer):
    """Per step, with ``g = p.grad`` (negated when ``maximize``), in PyTorch's formulation::

        g = g + weight_decay * p
        s = alpha * s + (1 - alpha) * g * g                # running mean of g^2
        a = a + (1 - alpha) * (g - a)                      # centered only: running mean of g
        avg = sqrt(s - a * a) + eps   if centered  else  sqrt(s) + eps
        b = momentum * b + g / avg;  p = p - lr * b        if momentum > 0
        p = p - lr * g / avg                               otherwise

    ``foreach``, ``capturable`` and ``differentiable`` are accepted for PyTorch compatibility (one code path
    here).
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_hyperparameters(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, alpha, eps, momentum = group["lr"], group["alpha"], group["eps"], group["momentum"]
            for p in self._params_with_grad(group):
                xp = get_array_module(p._data)
                g = -p.grad._data if group["maximize"] else p.grad._data
                state = self.state[p]
                if not state:
                    state["step"] = Tensor._from_op(np.array(0.0, dtype=np.float32), None)
                    state["square_avg"] = Tensor._from_op(xp.zeros_like(p._data), None)
                    if momentum > 0:
                        state["momentum_buffer"] = Tensor._from_op(xp.zeros_like(p._data), None)
                    if group["centered"]:
                        state["grad_avg"] = Tensor._from_op(xp.zeros_like(p._data), None)
                state["step"] = state["step"] + 1
                if group["weight_decay"] != 0:
                    g = g + group["weight_decay"] * p._data
                s = state["square_avg"]._data
                s *= alpha
                s += (1 - alpha) * g * g
                if group["centered"]:
                    a = state["grad_avg"]._data
                    a += (1 - alpha) * (g - a)
                    avg = xp.sqrt(s - a * a) + eps
                else:
                    avg = xp.sqrt(s) + eps
                if momentum > 0:
                    buf = state["momentum_buffer"]._data
                    buf *= momentum
                    buf += g / avg
                    self._add_(p, buf, alpha=-lr)
                else:
                    self._add_(p, -lr * g / avg, alpha=1)
        return loss
