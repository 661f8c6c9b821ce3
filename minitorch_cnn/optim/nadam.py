"""NAdam (Dozat 2016): Adam with Nesterov momentum, and its momentum-decay schedule."""
import numpy as np

from ..autograd import no_grad
from ..backend import get_array_module
from ..tensor import Tensor
from .optimizer import Optimizer, check_hyperparameters


class NAdam(Optimizer):
    """Per step ``t`` (1, 2, ...), with ``g = p.grad`` (negated when ``maximize``), as PyTorch::

        g = g + weight_decay * p     or   p = p * (1 - lr * weight_decay)   (decoupled_weight_decay)
        mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))          # the momentum schedule
        P = P * mu_t                                                     # product of mu_1 ... mu_t
        m = m + (1 - beta1) * (g - m);  v = beta2 * v + (1 - beta2) * g * g
        denom = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - P) * g / denom - lr * mu_{t+1} / (1 - P * mu_{t+1}) * m / denom

    The running product ``mu_product`` is a float32 scalar, as PyTorch keeps it.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        check_hyperparameters(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay, momentum_decay=momentum_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            psi = group["momentum_decay"]
            for p in self._params_with_grad(group):
                xp = get_array_module(p._data)
                g = -p.grad._data if group["maximize"] else p.grad._data
                state = self.state[p]
                if not state:
                    state["step"] = Tensor._from_op(np.array(0.0, dtype=np.float32), None)
                    state["mu_product"] = Tensor._from_op(np.array(1.0, dtype=np.float32), None)
                    state["exp_avg"] = Tensor._from_op(xp.zeros_like(p._data), None)
                    state["exp_avg_sq"] = Tensor._from_op(xp.zeros_like(p._data), None)
                state["step"] = state["step"] + 1
                t = float(state["step"])
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        p.mul_(1 - lr * wd)
                    else:
                        g = g + wd * p._data
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
                state["mu_product"] = state["mu_product"] * mu
                mu_product = float(state["mu_product"])
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                m += (1 - beta1) * (g - m)
                v *= beta2
                v += (1 - beta2) * g * g
                denom = xp.sqrt(v / (1 - beta2 ** t)) + eps
                self._add_(p, g / denom, alpha=-lr * (1.0 - mu) / (1.0 - mu_product))
                self._add_(p, m / denom, alpha=-lr * mu_next / (1.0 - mu_product * mu_next))
        return loss
