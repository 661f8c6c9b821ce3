"""Rprop, resilient backpropagation (Riedmiller & Braun 1993): per-weight step sizes from gradient signs."""
from ..backend import get_array_module
from .optimizer import Optimizer, check_hyperparameters, param_state


class Rprop(Optimizer):
    """Only the sign of the gradient is used; each weight's step size grows while it keeps its sign.

    Per step, with ``g = p.grad`` (negated when ``maximize``) and ``prev`` the previous step's ``g``::

        f = etaplus  where g * prev > 0,  etaminus  where < 0,  1  where == 0
        step_size = clamp(step_size * f, step_size_min, step_size_max)     # starts at lr
        g = 0  where the sign flipped (g * prev < 0): no move, and no flip counted next step
        p = p - sign(g) * step_size;  prev = g

    As in PyTorch the gradient is not used for its size at all, so Rprop suits full-batch training.
    ``foreach``, ``differentiable`` and ``capturable`` are accepted for PyTorch compatibility (one code
    path here).
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False,
                 foreach=None, maximize=False, differentiable=False):
        check_hyperparameters(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update_group(self, group):
        (etaminus, etaplus), (size_min, size_max) = group["etas"], group["step_sizes"]
        for p, g, state in self._each_gradient(group, prev=param_state(), step_size=param_state(group["lr"])):
            xp = get_array_module(p._data)
            prev, step_size = state["prev"]._data, state["step_size"]._data
            sign = xp.sign(g * prev)
            flipped = sign < 0
            # (a NaN product keeps a NaN factor, as in PyTorch)
            factor = xp.where(sign > 0, etaplus, xp.where(flipped, etaminus, xp.where(sign == 0, 1.0, sign)))
            step_size *= factor
            xp.clip(step_size, size_min, size_max, out=step_size)
            g = xp.where(flipped, 0, g)
            self._add_(p, xp.sign(g) * step_size, alpha=-1)
            prev[...] = g
