"""RAdam (Liu et al. 2020): Adam whose adaptive step is switched on only once its variance is tractable."""
import numpy as np

from ..autograd import no_grad
from ..backend import get_array_module
from ..tensor import Tensor
from .optimizer import Optimizer, check_hyperparameters


class RAdam(Optimizer):
    """Per step ``t`` (1, 2, ...), with ``g = p.grad`` (negated when ``maximize``), as PyTorch::

        g = g + weight_decay * p     or   p = p * (1 - lr * weight_decay)   (decoupled_weight_decay)
        m = m + (1 - beta1) * (g - m);  v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
        if rho_t > 5:   # the variance of the adaptive rate is finite: rectify it
            r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
            p = p - lr * m_hat * r * sqrt(1 - beta2**t) / (sqrt(v) + eps)
        else:           # early steps: plain momentum SGD
            p = p - lr * m_hat
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        check_hyperparameters(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            for p in self._params_with_grad(group):
                xp = get_array_module(p._data)
                g = -p.grad._data if group["maximize"] else p.grad._data
                state = self.state[p]
                if not state:
                    state["step"] = Tensor._from_op(np.array(0.0, dtype=np.float32), None)
                    state["exp_avg"] = Tensor._from_op(xp.zeros_like(p._data), None)
                    state["exp_avg_sq"] = Tensor._from_op(xp.zeros_like(p._data), None)
                state["step"] = state["step"] + 1
                t = float(state["step"])
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        p.mul_(1 - lr * wd)
                    else:
                        g = g + wd * p._data
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                m += (1 - beta1) * (g - m)
                v *= beta2
                v += (1 - beta2) * g * g
                bias_correction1, bias_correction2 = 1 - beta1 ** t, 1 - beta2 ** t
                m_hat = m / bias_correction1
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * t * beta2 ** t / bias_correction2
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    adaptive = bias_correction2 ** 0.5 / (xp.sqrt(v) + eps)
                    self._add_(p, m_hat * lr * adaptive * rect, alpha=-1.0)
                else:
                    self._add_(p, m_hat * lr, alpha=-1.0)
        return loss
