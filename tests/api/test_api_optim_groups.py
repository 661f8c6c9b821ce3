"""An optimizer's param group holds PyTorch's options, in PyTorch's order (``optimizer.state_dict()`` prints
them: the recipe "What is a state_dict"), including the flags accepted for compatibility."""
import pytest

import minitorch_cnn as mt
from core_checks import requires_torch, torch

GROUP_KEYS = {
    "SGD": ["lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize", "foreach", "differentiable",
            "fused", "params"],
    "Adam": ["lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "foreach", "capturable", "differentiable",
             "fused", "decoupled_weight_decay", "params"],
    "AdamW": ["lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "foreach", "capturable",
              "differentiable", "fused", "decoupled_weight_decay", "params"],
    "RMSprop": ["lr", "momentum", "alpha", "eps", "centered", "weight_decay", "capturable", "foreach", "maximize",
                "differentiable", "params"],
}


def _group(lib, name):
    kwargs = {"lr": 0.1} if name == "SGD" else {}
    optimizer = getattr(lib.optim, name)([lib.nn.Parameter(lib.ones(2))], **kwargs)
    return optimizer.state_dict()["param_groups"][0]


@pytest.mark.parametrize("name", GROUP_KEYS)
def test_param_group_keys_in_pytorchs_order(name):
    group = _group(mt, name)
    assert list(group) == GROUP_KEYS[name]
    assert group["foreach"] is None and group["differentiable"] is False


@requires_torch
@pytest.mark.parametrize("name", GROUP_KEYS)
def test_param_groups_equal_pytorchs(name):
    assert _group(mt, name) == _group(torch, name)


def test_flags_accepted_and_capturable_adam_refused():
    p = [mt.nn.Parameter(mt.ones(2))]
    assert mt.optim.SGD(p, lr=0.1, fused=False, differentiable=False).defaults["fused"] is False
    with pytest.raises(NotImplementedError, match=r"AdamW\(capturable=True\) is not implemented"):
        mt.optim.AdamW(p, capturable=True)
