"""Adamax (Kingma & Ba 2015, section 7.1): Adam with the infinity norm in place of the second moment."""
from ..backend import get_array_module
from .optimizer import Optimizer, check_hyperparameters, param_state


class Adamax(Optimizer):
    """Per step ``t`` (1, 2, ...), with ``g = p.grad`` (negated when ``maximize``), as PyTorch::

        g = g + weight_decay * p
        m = m + (1 - beta1) * (g - m)                  # first moment (a lerp)
        u = max(beta2 * u, |g| + eps)                   # exponentially weighted infinity norm
        p = p - (lr / (1 - beta1**t)) * m / u

    ``foreach``, ``differentiable`` and ``capturable`` are accepted for PyTorch compatibility (one code
    path here; the step count is a CPU scalar).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        check_hyperparameters(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update_group(self, group):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        for p, g, state in self._each_gradient(group, exp_avg=param_state(), exp_inf=param_state()):
            xp = get_array_module(p._data)
            m, u = state["exp_avg"]._data, state["exp_inf"]._data
            m += (1 - beta1) * (g - m)
            u *= beta2
            xp.maximum(u, abs(g) + eps, out=u)
            self._add_(p, m / u, alpha=-lr / (1 - beta1 ** float(state["step"])))
