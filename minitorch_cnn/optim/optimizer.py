"""The Optimizer base class: parameter groups, per-parameter state, ``zero_grad`` and state_dicts.

A subclass only writes ``step()``, or just ``_update_group(group)`` (``_each_gradient`` then hands it each
parameter, its gradient and its state): for every parameter with a gradient it reads ``p.grad._data`` (a
raw NumPy/CuPy array), updates its own state and then the parameter, in place, under ``no_grad``.
Gradients are never modified in place: the autograd engine may share their arrays.

The state_dict layout is PyTorch's, so checkpoints and habits carry over::

    {'state': {0: {'momentum_buffer': tensor}, ...},          # keyed by parameter index
     'param_groups': [{'lr': 0.1, ..., 'params': [0, 1]}, ...]}
"""
import copy
from collections import defaultdict
from itertools import chain

import numpy as np

from ..autograd import enable_grad, no_grad
from ..backend import get_array_module
from ..tensor import Tensor


class _RequiredParameter:
    """Marks a hyper-parameter that every param group must set (``lr`` of an optimizer without default)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def scalar_state(value):
    """A maker of one state entry: a float32 CPU scalar tensor, as PyTorch keeps step counts (and ASGD's
    ``eta``, ``mu``)."""
    return lambda p: Tensor._from_op(np.array(value, dtype=np.float32), None)


def param_state(value=0.0):
    """A maker of one state entry: an array like the parameter (its device and dtype) filled with ``value``."""
    return lambda p: Tensor._from_op(get_array_module(p._data).full_like(p._data, value), None)


_HYPERPARAMETER_NAMES = {"lr": "learning rate", "eps": "epsilon value", "momentum": "momentum value",
                         "weight_decay": "weight_decay value", "alpha": "alpha value", "lr_decay": "lr_decay value",
                         "initial_accumulator_value": "initial_accumulator_value value",
                         "momentum_decay": "momentum_decay value"}


def check_hyperparameters(**values):
    """PyTorch's constructor checks, in the order given, with its messages.

    ``betas`` must lie in [0, 1); every other value (lr, eps, momentum, weight_decay, alpha) must be >= 0.
    """
    for name, value in values.items():
        if name == "betas":
            for i, beta in enumerate(value):
                if not 0.0 <= beta < 1.0:
                    raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        elif value < 0.0:
            raise ValueError(f"Invalid {_HYPERPARAMETER_NAMES[name]}: {value}")


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of Tensors, of ``(name, Tensor)`` pairs (``model.named_parameters()``),
            or of dicts (param groups) each with a ``'params'`` entry and per-group options.
        defaults: the options (``lr``, ``momentum`` ...) used by groups that do not set them.
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {type(params).__name__}")
        self.state = defaultdict(dict)  # param Tensor -> its state dict (hashed by identity)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines) + "\n)"

    def add_param_group(self, param_group):
        """Add a group of parameters with its own options (e.g. a new layer to fine-tune)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names and len(names) != len(params):
            raise ValueError("all optimizer params should be with/without names. Some param names are missing")
        param_group["params"] = params
        if names:
            param_group["param_names"] = names
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        for group in self.param_groups:
            if ("param_names" in group) != ("param_names" in param_group):
                kind = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {kind} to the optimizer")
        existing = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in existing for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: ``p.grad = None`` (default) or fresh zero arrays."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    xp = get_array_module(p.grad._data)
                    p.grad = Tensor._from_op(xp.zeros_like(p.grad._data), None)  # new: grad arrays may be shared

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given.

        A subclass writes ``_update_group(group)``, the update of one param group, or ``step`` itself.
        """
        loss = self._evaluate(closure)
        for group in self.param_groups:
            self._update_group(group)
        return loss

    def _update_group(self, group):
        raise NotImplementedError

    @staticmethod
    def _evaluate(closure):
        """Run the optional ``closure`` (re-computes the loss with grad enabled) before a step."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _params_with_grad(self, group):
        """The group's parameters that received a gradient (the others are skipped, as in PyTorch)."""
        return [p for p in group["params"] if p.grad is not None]

    def _each_gradient(self, group, **fresh):
        """Per parameter of ``group`` with a gradient, ``(p, g, state)``, its step counted.

        ``g`` is the raw gradient, negated when the group maximizes, plus ``weight_decay * p`` (the coupled
        L2 term) when the optimizer has that option and the group a nonzero one: a new array whenever it is
        not ``p.grad``'s. A first step creates the state: ``step`` (a float32 scalar), then each entry of
        ``fresh`` in order (a name and its maker, ``scalar_state`` or ``param_state``): PyTorch's layout.
        """
        for p in self._params_with_grad(group):
            state = self.state[p]
            if not state:
                state["step"] = scalar_state(0.0)(p)
                state.update((name, make(p)) for name, make in fresh.items())
            state["step"] = state["step"] + 1
            g = -p.grad._data if group["maximize"] else p.grad._data
            if "weight_decay" in self.defaults and group["weight_decay"] != 0:
                g = g + group["weight_decay"] * p._data
            yield p, g, state

    @staticmethod
    def _add_(param, update, alpha):
        """``param += alpha * update`` in place on its raw array; ``update`` is a raw array."""
        param.add_(Tensor._from_op(update, None), alpha=alpha)

    # ---------------------------------------------------------------- checkpoints
    def state_dict(self):
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}`` (tensors not copied)."""
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: s for p, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore options and state saved by ``state_dict()``; state tensors move to each parameter's device."""
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in self.param_groups)))
        self.state = defaultdict(dict)
        for key, saved in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                self.state[param] = {k: _cast_state(param, k, v) for k, v in saved.items()}
        for group, saved in zip(self.param_groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.param_groups = saved_groups


def _cast_state(param, key, value):
    """A copy of one state entry on ``param``'s device (and float dtype); ``step`` counters stay as saved."""
    if not isinstance(value, Tensor):
        return copy.deepcopy(value)
    if key == "step":
        return value.clone()
    dtype = param.dtype if param.is_floating_point() else value.dtype
    return value.to(device=param.device, dtype=dtype, copy=True)
