"""Adadelta (Zeiler 2012): per-parameter step sizes from running averages of squared gradients and updates."""
import numpy as np

from ..autograd import no_grad
from ..backend import get_array_module
from ..tensor import Tensor
from .optimizer import Optimizer, check_hyperparameters


class Adadelta(Optimizer):
    """Per step, with ``g = p.grad`` (negated when ``maximize``), in PyTorch's formulation::

        g = g + weight_decay * p
        s = rho * s + (1 - rho) * g * g                        # running mean of g^2
        d = sqrt(u + eps) / sqrt(s + eps) * g                  # the update, in the units of p
        u = rho * u + (1 - rho) * d * d                        # running mean of d^2
        p = p - lr * d

    The default ``lr=1.0`` is Zeiler's (the ratio of the two RMS terms sets the scale);
    pytorch/examples' MNIST script uses it. ``foreach`` is accepted for compatibility (one code path).
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        check_hyperparameters(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_hyperparameters(eps=eps, weight_decay=weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, capturable=capturable,
                        foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, rho, eps, wd = group["lr"], group["rho"], group["eps"], group["weight_decay"]
            for p in self._params_with_grad(group):
                xp = get_array_module(p._data)
                g = -p.grad._data if group["maximize"] else p.grad._data
                state = self.state[p]
                if not state:
                    state["step"] = Tensor._from_op(np.array(0.0, dtype=np.float32), None)
                    state["square_avg"] = Tensor._from_op(xp.zeros_like(p._data), None)
                    state["acc_delta"] = Tensor._from_op(xp.zeros_like(p._data), None)
                state["step"] = state["step"] + 1
                if wd != 0:
                    g = g + wd * p._data
                s, u = state["square_avg"]._data, state["acc_delta"]._data
                s *= rho
                s += (1 - rho) * g * g
                delta = xp.sqrt(u + eps) / xp.sqrt(s + eps) * g
                u *= rho
                u += (1 - rho) * delta * delta
                self._add_(p, delta, alpha=-lr)
        return loss
