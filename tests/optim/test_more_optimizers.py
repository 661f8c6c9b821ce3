"""Adamax, ASGD and Rprop: step-by-step equality with PyTorch (float64) on given gradients (two param
groups, a parameter skipped at one step, a state_dict reload mid-run) and on a small model's gradients,
PyTorch's state_dict layout (state keys and dtypes, param_groups with every flag), loading a torch
checkpoint, PyTorch's defaults and its exact argument errors; ASGD's average and Rprop's sign rule by hand."""
import inspect
import re

import numpy as np
import pytest

import minitorch_cnn as mt
from conftest import requires_torch
from test_optimizers import STEPS, _run_mt, _run_torch

NAMES = ["Adamax", "ASGD", "Rprop"]
CASES = [
    ("Adamax", dict(), dict(lr=0.05)),
    ("Adamax", dict(lr=0.01, betas=(0.3, 0.95), weight_decay=0.1), dict(eps=1e-2)),
    ("Adamax", dict(lr=0.02, maximize=True), dict(weight_decay=0.5)),
    ("ASGD", dict(), dict(lr=0.05)),
    ("ASGD", dict(lr=0.1, lambd=0.05, alpha=0.5, t0=2, weight_decay=0.1), dict(t0=0)),  # averaging on
    ("ASGD", dict(lr=0.05, maximize=True, t0=1), dict(weight_decay=0.3)),
    ("Rprop", dict(), dict(lr=0.1)),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.08)), dict(maximize=True)),  # both clamps
    ("Rprop", dict(lr=0.01, maximize=True), dict(etas=(0.7, 1.1))),
]


def _assert_state_like_torch(opt, topt, rtol=1e-12):
    """Same param_groups (every option and flag, in PyTorch's order) and the same state values."""
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert [list(g) for g in sd["param_groups"]] == [list(g) for g in tsd["param_groups"]]
    assert sd["param_groups"] == tsd["param_groups"]
    assert list(sd["state"]) == list(tsd["state"])
    for idx, tstate in tsd["state"].items():
        assert list(sd["state"][idx]) == list(tstate)
        for key, tvalue in tstate.items():
            ours = sd["state"][idx][key].cpu().numpy()
            assert ours.shape == tuple(tvalue.shape), key
            np.testing.assert_allclose(ours, tvalue.numpy(), rtol=rtol, atol=1e-15, err_msg=key)


@requires_torch
@pytest.mark.parametrize("name, options, group_options", CASES)
def test_matches_torch_step_by_step(name, options, group_options, device, tmp_path):
    import torch

    ours, opt = _run_mt(getattr(mt.optim, name), options, group_options, device, tmp_path)
    theirs, topt = _run_torch(getattr(torch.optim, name), options, group_options)
    assert len(ours) == STEPS
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14, err_msg=f"{name} step {step}, param {i}")
    _assert_state_like_torch(opt, topt)


def _small_model(seed):
    mt.manual_seed(seed)
    return mt.nn.Sequential(mt.nn.Linear(3, 4), mt.nn.Tanh(), mt.nn.Linear(4, 2)).double()


@requires_torch
@pytest.mark.parametrize("name, options", [
    ("Adamax", dict(lr=0.05)), ("Adamax", dict(lr=0.05, weight_decay=0.2, maximize=True)),
    ("ASGD", dict(lr=0.2, t0=3)), ("ASGD", dict(lr=0.2, lambd=0.01, weight_decay=0.2, maximize=True)),
    ("Rprop", dict()), ("Rprop", dict(lr=0.05, maximize=True)),
])
def test_small_model_with_the_same_gradients(name, options):
    """A Linear-Tanh-Linear model trained 8 steps on an MSE loss: our gradients fed to both optimizers."""
    import torch

    model = _small_model(0)
    params = list(model.parameters())
    mirror = [torch.tensor(p.detach().numpy(), requires_grad=True) for p in params]
    opt = getattr(mt.optim, name)(model.parameters(), **options)
    topt = getattr(torch.optim, name)(mirror, **options)
    rng = np.random.default_rng(1)
    for step in range(8):
        x, target = mt.tensor(rng.standard_normal((5, 3))), mt.tensor(rng.standard_normal((5, 2)))
        opt.zero_grad()
        mt.nn.functional.mse_loss(model(x), target).backward()
        for p, q in zip(params, mirror):
            q.grad = torch.tensor(p.grad.numpy())
        opt.step()
        topt.step()
        for i, (p, q) in enumerate(zip(params, mirror)):
            np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-12, atol=1e-15,
                                       err_msg=f"step {step}, param {i}")
    _assert_state_like_torch(opt, topt)


@requires_torch
@pytest.mark.parametrize("name", NAMES)
def test_state_dict_layout_and_dtypes_are_torchs(name):
    """One step on float64 parameters: step (and ASGD's eta, mu) are float32 scalars, the rest float64."""
    import torch

    p, tp = mt.zeros(2, 3, dtype=mt.float64, requires_grad=True), torch.zeros(2, 3, dtype=torch.float64,
                                                                             requires_grad=True)
    opt, topt = getattr(mt.optim, name)([p]), getattr(torch.optim, name)([tp])
    p.grad, tp.grad = mt.ones(2, 3, dtype=mt.float64), torch.ones(2, 3, dtype=torch.float64)
    opt.step()
    topt.step()
    _assert_state_like_torch(opt, topt)
    for key, tvalue in topt.state_dict()["state"][0].items():
        assert str(opt.state_dict()["state"][0][key].dtype).split(".")[-1] == str(tvalue.dtype).split(".")[-1]


@requires_torch
@pytest.mark.parametrize("name, options", [("Adamax", dict(lr=0.05, weight_decay=0.1)),
                                           ("ASGD", dict(lr=0.1, t0=1)), ("Rprop", dict(lr=0.05))])
def test_loads_a_torch_checkpoint_and_continues_identically(name, options, tmp_path):
    """torch.save(state_dict) -> mt.load -> load_state_dict (ASGD's eta and mu take the parameter's
    dtype then, in both libraries), and the next steps agree."""
    import torch

    rng = np.random.default_rng(3)
    init, grads = rng.standard_normal((2, 3)), rng.standard_normal((6, 2, 3))
    p, tp = mt.tensor(init, requires_grad=True), torch.tensor(init, requires_grad=True)
    topt = getattr(torch.optim, name)([tp], **options)
    for g in grads[:3]:
        tp.grad = torch.tensor(g)
        topt.step()
    torch.save(topt.state_dict(), tmp_path / "opt.pth")
    topt = getattr(torch.optim, name)([tp], **options)
    topt.load_state_dict(torch.load(tmp_path / "opt.pth"))
    opt = getattr(mt.optim, name)([p], **options)
    opt.load_state_dict(mt.load(tmp_path / "opt.pth"))
    p.data[...] = tp.detach().numpy()
    for g in grads[3:]:
        p.grad, tp.grad = mt.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-12, atol=1e-15)
    _assert_state_like_torch(opt, topt)


@requires_torch
@pytest.mark.parametrize("name", NAMES)
def test_signature_is_torchs(name):
    """The same parameters, in order, with the same kinds (positional or keyword-only) and defaults."""
    import torch

    def params(cls):
        return [(p.name, p.kind, p.default) for p in inspect.signature(cls).parameters.values()]

    assert params(getattr(mt.optim, name)) == params(getattr(torch.optim, name))


@requires_torch
@pytest.mark.parametrize("name", NAMES)
def test_defaults_match_torch(name):
    import torch

    ours = getattr(mt.optim, name)([mt.zeros(1, requires_grad=True)])
    theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)])
    assert list(ours.defaults.items()) == list(theirs.defaults.items())
    assert repr(ours) == repr(theirs)


ERRORS = [
    ("Adamax", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("Adamax", dict(eps=-1e-3), "Invalid epsilon value: -0.001"),
    ("Adamax", dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    ("Adamax", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("Adamax", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("ASGD", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("ASGD", dict(weight_decay=-0.5), "Invalid weight_decay value: -0.5"),
    ("Rprop", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("Rprop", dict(etas=(1.0, 1.2)), "Invalid eta values: 1.0, 1.2"),
    ("Rprop", dict(etas=(0.5, 1.0)), "Invalid eta values: 0.5, 1.0"),
    ("Rprop", dict(etas=(0.0, 2)), "Invalid eta values: 0.0, 2"),
]


@pytest.mark.parametrize("name, options, message", ERRORS)
def test_bad_arguments_give_torchs_message(name, options, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        getattr(mt.optim, name)([mt.zeros(2, requires_grad=True)], **options)


@requires_torch
@pytest.mark.parametrize("name, options, message", ERRORS)
def test_the_messages_are_torchs(name, options, message):
    import torch

    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **options)


def test_asgd_averages_the_iterates_after_t0():
    """``ax`` is the running mean of the parameters from step t0 + 2 on (mu = 1 / (t - t0) is a float32)."""
    rng = np.random.default_rng(4)
    p = mt.tensor(rng.standard_normal(5), requires_grad=True)
    opt = mt.optim.ASGD([p], lr=0.1, t0=2)
    history = []
    for _ in range(7):
        p.grad = mt.tensor(rng.standard_normal(5))
        opt.step()
        history.append(p.detach().numpy().copy())
        expected = np.mean(history[3:], axis=0) if len(history) > 3 else history[-1]
        np.testing.assert_allclose(opt.state[p]["ax"].numpy(), expected, rtol=1e-6)
    assert float(opt.state[p]["mu"]) == np.float32(1 / 5)  # after step 7: 1 / (7 - t0)
    assert float(opt.state[p]["eta"]) == np.float32(0.1 / (1 + 1e-4 * 0.1 * 7) ** 0.75)


def test_rprop_sign_rule_by_hand():
    """Growth while the sign holds, shrinking and no move at a flip, no growth right after it, clamping."""
    p = mt.zeros(4, dtype=mt.float64, requires_grad=True)
    opt = mt.optim.Rprop([p], lr=0.1, etas=(0.5, 2.0), step_sizes=(0.03, 0.3))
    steps = [([1.0, 1.0, 0.0, -1.0], [-0.1, -0.1, 0.0, 0.1], [0.1, 0.1, 0.1, 0.1]),
             ([1.0, -1.0, 5.0, -1.0], [-0.3, -0.1, -0.1, 0.3], [0.2, 0.05, 0.1, 0.2]),
             ([1.0, -1.0, 5.0, -1.0], [-0.6, -0.05, -0.3, 0.6], [0.3, 0.05, 0.2, 0.3]),  # 0.4, 0.6 clamped
             ([-2.0, 1.0, -5.0, -1.0], [-0.6, -0.05, -0.3, 0.9], [0.15, 0.03, 0.1, 0.3])]  # 0.025 clamped
    for grad, params, sizes in steps:
        p.grad = mt.tensor(grad, dtype=mt.float64)
        opt.step()
        np.testing.assert_allclose(p.detach().numpy(), params, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(opt.state[p]["step_size"].numpy(), sizes, rtol=1e-14)
    assert opt.state[p]["prev"].tolist() == [0.0, 0.0, 0.0, -1.0]  # zeroed where the sign flipped
    assert float(opt.state[p]["step"]) == 4.0
