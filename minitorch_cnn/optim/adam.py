"""Adam (Kingma & Ba 2015), its AMSGrad variant, and AdamW (decoupled weight decay, Loshchilov & Hutter 2019)."""
import numpy as np

from ..autograd import no_grad
from ..backend import get_array_module
from ..ops import kernel
from ..tensor import Tensor
from .optimizer import Optimizer, check_hyperparameters


class Adam(Optimizer):
    """Adaptive moments: a momentum of the gradient divided by the root of a momentum of its square.

    Per step ``t`` (1, 2, ...), with ``g = p.grad`` (negated when ``maximize``)::

        g = g + weight_decay * p             (Adam)   or   p = p * (1 - lr * weight_decay)   (AdamW)
        m = m + (1 - beta1) * (g - m)                     # first moment (a lerp)
        v = beta2 * v + (1 - beta2) * g * g               # second moment
        v_max = max(v_max, v)                             # amsgrad only; then v_max replaces v below
        denom = sqrt(v) / sqrt(1 - beta2**t) + eps        # eps outside the bias correction, as PyTorch
        p = p - (lr / (1 - beta1**t)) * m / denom

    ``foreach``, ``differentiable`` and ``fused`` are accepted for PyTorch compatibility (one code path
    here); ``capturable=True`` is refused (see below). On CUDA (amsgrad off) one
    fused kernel does the whole update. The step count ``t`` is a CPU scalar, as in PyTorch: inside a
    captured CUDA graph its bias corrections stay at their captured values (PyTorch's
    ``capturable=True``, a step count on the GPU, is not implemented).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        check_hyperparameters(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        if capturable:
            raise NotImplementedError(f"{type(self).__name__}(capturable=True) is not implemented in minitorch_cnn: "
                                      "the step count is a CPU scalar")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            for p in self._params_with_grad(group):
                g = -p.grad._data if group["maximize"] else p.grad._data
                state = self.state[p]
                if not state:
                    self._init_state(state, p, group["amsgrad"])
                state["step"] = state["step"] + 1
                t = float(state["step"])
                fused = kernel("adam_step", get_array_module(p._data))
                if fused is not None and not group["amsgrad"]:  # CUDA: the whole update in one kernel
                    fused(p._data, p.grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data, t, lr, beta1, beta2,
                          eps, wd, group["decoupled_weight_decay"], group["maximize"])
                    p._bump()
                    continue
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        p.mul_(1 - lr * wd)
                    else:
                        g = g + wd * p._data
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                m += (1 - beta1) * (g - m)
                v *= beta2
                v += (1 - beta2) * g * g
                if group["amsgrad"]:
                    v = get_array_module(v).maximum(state["max_exp_avg_sq"]._data, v,
                                                    out=state["max_exp_avg_sq"]._data)
                denom = get_array_module(v).sqrt(v) / (1 - beta2**t) ** 0.5 + eps
                self._add_(p, -(lr / (1 - beta1**t)) * m / denom, alpha=1)
        return loss

    @staticmethod
    def _init_state(state, p, amsgrad):
        """Zero moments shaped like ``p``; the step counter is a float32 CPU scalar tensor, as PyTorch's."""
        xp = get_array_module(p._data)
        state["step"] = Tensor._from_op(np.array(0.0, dtype=np.float32), None)
        state["exp_avg"] = Tensor._from_op(xp.zeros_like(p._data), None)
        state["exp_avg_sq"] = Tensor._from_op(xp.zeros_like(p._data), None)
        if amsgrad:
            state["max_exp_avg_sq"] = Tensor._from_op(xp.zeros_like(p._data), None)


class AdamW(Adam):
    """Adam with decoupled weight decay: ``p *= 1 - lr * weight_decay`` instead of an L2 term in ``g``."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
