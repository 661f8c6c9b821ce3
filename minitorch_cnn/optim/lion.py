"""Lion, "EvoLved Sign Momentum" (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms").

The paper's Algorithm 2, per step, with gradient ``g``::

    c = beta1 * m + (1 - beta1) * g           # interpolate momentum and gradient
    p = p - lr * (sign(c) + weight_decay * p)  # every coordinate moves by exactly lr (plus decay)
    m = beta2 * m + (1 - beta2) * g           # the momentum tracks g more slowly (beta2 > beta1)

Only the sign of ``c`` is used, so the update has the same size in every coordinate: the paper
advises a learning rate 3-10x smaller than AdamW's and a weight decay 3-10x larger.
"""
from ..autograd import no_grad
from ..backend import get_array_module
from ..tensor import Tensor
from .optimizer import Optimizer, check_hyperparameters


class Lion(Optimizer):
    """Lion with decoupled weight decay (``p *= 1 - lr * weight_decay``), one momentum buffer per parameter."""

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
        check_hyperparameters(lr=lr, betas=betas, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay))

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
            for p in self._params_with_grad(group):
                xp = get_array_module(p._data)
                g = p.grad._data
                state = self.state[p]
                if not state:
                    state["exp_avg"] = Tensor._from_op(xp.zeros_like(p._data), None)
                m = state["exp_avg"]._data
                update = xp.sign(beta1 * m + (1 - beta1) * g)
                if wd != 0:
                    p.mul_(1 - lr * wd)
                self._add_(p, update, alpha=-lr)
                m *= beta2
                m += (1 - beta2) * g
        return loss
