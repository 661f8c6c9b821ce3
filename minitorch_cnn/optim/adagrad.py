"""Adagrad (Duchi, Hazan & Singer 2011): divide by the root of the sum of all past squared gradients."""
import numpy as np

from ..autograd import no_grad
from ..backend import get_array_module
from ..tensor import Tensor
from .optimizer import Optimizer, check_hyperparameters


class Adagrad(Optimizer):
    """Per step ``t`` (1, 2, ...), with ``g = p.grad`` (negated when ``maximize``)::

        g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        G = G + g * g                                   # starts at initial_accumulator_value
        p = p - clr * g / (sqrt(G) + eps)

    As in PyTorch the state (``step``, ``sum``) exists from construction. ``foreach``/``fused`` are
    accepted for compatibility (one code path here).
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_hyperparameters(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                              initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = Tensor._from_op(np.array(0.0, dtype=np.float32), None)
                state["sum"] = Tensor._from_op(
                    get_array_module(p._data).full_like(p._data, group["initial_accumulator_value"]), None)

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
            for p in self._params_with_grad(group):
                xp = get_array_module(p._data)
                g = -p.grad._data if group["maximize"] else p.grad._data
                state = self.state[p]
                state["step"] = state["step"] + 1
                t = float(state["step"])
                if wd != 0:
                    g = g + wd * p._data
                clr = lr / (1 + (t - 1) * group["lr_decay"])
                total = state["sum"]._data
                total += g * g
                self._add_(p, g / (xp.sqrt(total) + eps), alpha=-clr)
        return loss
