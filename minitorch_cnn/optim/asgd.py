"""ASGD, averaged stochastic gradient descent (Polyak & Juditsky 1992), in PyTorch's formulation."""
import numpy as np

from .optimizer import Optimizer, check_hyperparameters, param_state, scalar_state


class ASGD(Optimizer):
    """SGD with a decaying step size ``eta`` and a running average ``ax`` of the iterates.

    Per step ``t`` (1, 2, ...), with ``g = p.grad`` (negated when ``maximize``)::

        g = g + weight_decay * p
        p = p * (1 - lambd * eta) - eta * g            # eta starts at lr
        ax = p                          while mu == 1   # mu starts at 1
        ax = ax + mu * (p - ax)         afterwards
        eta = lr / (1 + lambd * lr * t) ** alpha
        mu = 1 / max(1, t - t0)                         # averaging starts after t0 steps

    ``eta`` and ``mu`` are float32 scalar tensors (rounded to float32 on every write), as PyTorch keeps
    them. ``foreach``, ``differentiable`` and ``capturable`` are accepted for PyTorch compatibility (one
    code path here).
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        check_hyperparameters(lr=lr, weight_decay=weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update_group(self, group):
        lr, lambd = group["lr"], group["lambd"]
        fresh = dict(eta=scalar_state(lr), mu=scalar_state(1.0), ax=param_state())
        for p, g, state in self._each_gradient(group, **fresh):
            eta, mu, ax = float(state["eta"]), float(state["mu"]), state["ax"]._data
            p.mul_(1 - lambd * eta)
            self._add_(p, g, alpha=-eta)
            if mu != 1:
                ax += (p._data - ax) * mu
            else:
                ax[...] = p._data
            t = float(state["step"])
            # written in place, through float32 (PyTorch's scalar tensors), whatever dtype a loaded
            # checkpoint gave them
            state["eta"]._data[...] = np.float32(lr / (1 + lambd * lr * t) ** group["alpha"])
            state["mu"]._data[...] = np.float32(1 / max(1, t - group["t0"]))
