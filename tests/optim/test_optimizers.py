"""Optimizers: step-by-step equality with PyTorch (float64), param groups, state_dict save/load mid-run,
Lion against a literal transcription of the paper's algorithm, and argument errors."""
import copy

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
from conftest import requires_torch

SHAPES = [(3, 4), (4,), (2, 2)]
STEPS = 6
RELOAD_AT = 2  # after this step the optimizer is rebuilt from a saved state_dict


def _problem(seed=0):
    """Initial values and per-step gradients; parameter 1 gets no gradient at step 3 (it must be skipped)."""
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(STEPS)]
    grads[3][1] = None
    return init, grads


def _groups(params, group_options):
    """Two param groups: the first two parameters with the defaults, the last with ``group_options``."""
    return [{"params": params[:2]}, {"params": params[2:], **group_options}]


def _run_mt(cls, options, group_options, device, tmp_path, dtype=np.float64):
    init, grads = _problem()
    params = [mt.tensor(a.astype(dtype), device=device, requires_grad=True) for a in init]
    opt = cls(_groups(params, group_options), **options)
    history = []
    for k, step_grads in enumerate(grads):
        for p, g in zip(params, step_grads):
            p.grad = None if g is None else mt.tensor(g.astype(dtype), device=device)
        before = [None if p.grad is None else p.grad.cpu().numpy().copy() for p in params]
        opt.step()
        for p, b in zip(params, before):  # the optimizer never writes into a gradient
            assert b is None or np.array_equal(p.grad.cpu().numpy(), b)
        history.append([p.detach().cpu().numpy().copy() for p in params])
        if k == RELOAD_AT:
            mt.save(opt.state_dict(), tmp_path / "opt.mt")
            opt = cls(_groups(params, group_options), **options)
            opt.load_state_dict(mt.load(tmp_path / "opt.mt"))
    return history, opt


def _run_torch(cls, options, group_options, dtype=np.float64):
    import torch

    init, grads = _problem()
    params = [torch.tensor(a.astype(dtype), requires_grad=True) for a in init]
    opt = cls(_groups(params, group_options), **options)
    history = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = None if g is None else torch.tensor(g.astype(dtype))
        opt.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history, opt


CASES = [
    ("SGD", dict(lr=0.1), dict(lr=0.05)),
    ("SGD", dict(lr=0.1, momentum=0.9), dict(momentum=0.5, dampening=0.3)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01), dict(weight_decay=0.2)),
    ("SGD", dict(lr=0.1, momentum=0.8, maximize=True), dict(lr=0.3)),
    ("Adam", dict(lr=0.01), dict(lr=0.1, betas=(0.8, 0.9))),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1), dict(eps=1e-3)),
    ("Adam", dict(lr=0.01, maximize=True), dict(weight_decay=0.5)),
    ("AdamW", dict(lr=0.01), dict(weight_decay=0.3, amsgrad=True)),
    ("AdamW", dict(lr=0.02, betas=(0.5, 0.6), weight_decay=0.1), dict(lr=0.001)),
    ("RMSprop", dict(lr=0.01), dict(alpha=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9), dict(weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, eps=1e-3, maximize=True), dict(centered=True)),
]


@requires_torch
@pytest.mark.parametrize("name, options, group_options", CASES)
def test_matches_torch_step_by_step(name, options, group_options, device, tmp_path):
    import torch

    ours, opt = _run_mt(getattr(mt.optim, name), options, group_options, device, tmp_path)
    theirs, topt = _run_torch(getattr(torch.optim, name), options, group_options)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14, err_msg=f"step {step}, param {i}")
    # same state, same layout: {index: {name: tensor}}
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sorted(sd["state"]) == sorted(tsd["state"])
    for idx, tstate in tsd["state"].items():
        assert set(sd["state"][idx]) == set(tstate)
        for key, value in tstate.items():
            np.testing.assert_allclose(sd["state"][idx][key].cpu().numpy(), value.numpy(), rtol=1e-12, atol=1e-14)
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in tsd["param_groups"]]


@requires_torch
@pytest.mark.parametrize("name, options, group_options", [CASES[2], CASES[5], CASES[8], CASES[10]])
def test_float32_close_to_torch(name, options, group_options, tmp_path):
    import torch

    ours, _ = _run_mt(getattr(mt.optim, name), options, group_options, "cpu", tmp_path, np.float32)
    theirs, _ = _run_torch(getattr(torch.optim, name), options, group_options, np.float32)
    assert ours[-1][0].dtype == np.float32
    for a, b in zip(ours[-1], theirs[-1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@requires_torch
def test_loads_a_torch_optimizer_checkpoint(tmp_path):
    """torch.save(optimizer.state_dict()) -> mt.load -> load_state_dict, and the run continues identically."""
    import torch

    init, grads = _problem()
    tparams = [torch.tensor(a, requires_grad=True) for a in init]
    params = [mt.tensor(a, requires_grad=True) for a in init]
    topt = torch.optim.Adam(tparams, lr=0.01, amsgrad=True)
    for g, p in zip(grads[0], tparams):
        p.grad = torch.tensor(g)
    topt.step()
    torch.save(topt.state_dict(), tmp_path / "adam.pth")
    opt = mt.optim.Adam(params, lr=0.01, amsgrad=True)
    opt.load_state_dict(mt.load(tmp_path / "adam.pth"))
    for p, tp in zip(params, tparams):
        p.data[...] = tp.detach().numpy()
    for p, tp, g in zip(params, tparams, grads[1]):
        p.grad, tp.grad = mt.tensor(g), torch.tensor(g)
    opt.step()
    topt.step()
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-12)


def _lion_paper(theta, grads, lr, beta1, beta2, wd):
    """Algorithm 2 of Chen et al. (2023), line by line, for one parameter."""
    m = np.zeros_like(theta)
    out = []
    for g in grads:
        if g is None:
            out.append(theta.copy())
            continue
        c = beta1 * m + (1 - beta1) * g  # update model parameters
        theta = theta - lr * (np.sign(c) + wd * theta)
        m = beta2 * m + (1 - beta2) * g  # update EMA of g
        out.append(theta.copy())
    return out


@pytest.mark.parametrize("options, group_options", [
    (dict(), dict()),
    (dict(lr=0.01, betas=(0.8, 0.95), weight_decay=0.1), dict(lr=0.003, weight_decay=1.0)),
])
def test_lion_is_the_papers_algorithm(options, group_options, device, tmp_path):
    ours, _ = _run_mt(mt.optim.Lion, options, group_options, device, tmp_path)
    init, grads = _problem()
    for i, theta in enumerate(init):
        hyper = {"lr": 1e-4, "betas": (0.9, 0.99), "weight_decay": 0.0, **options, **(group_options if i == 2 else {})}
        expected = _lion_paper(theta, [g[i] for g in grads], hyper["lr"], *hyper["betas"], hyper["weight_decay"])
        for step in range(STEPS):
            np.testing.assert_allclose(ours[step][i], expected[step], rtol=1e-12, atol=1e-15)


def test_lion_defaults_and_sign_update():
    opt = mt.optim.Lion([mt.zeros(3, requires_grad=True)])
    assert opt.defaults == {"lr": 1e-4, "betas": (0.9, 0.99), "weight_decay": 0.0}
    p = mt.tensor([1.0, 1.0, 1.0], requires_grad=True)
    opt = mt.optim.Lion([p], lr=0.5)
    p.grad = mt.tensor([3.0, -0.001, 0.0])
    opt.step()
    assert p.tolist() == [0.5, 1.5, 1.0]  # every coordinate moves by exactly lr, or not at all


def test_zero_grad_never_writes_into_the_old_gradient():
    p = mt.tensor([1.0, 2.0], requires_grad=True)
    opt = mt.optim.SGD([p], lr=0.1)
    old = mt.tensor([5.0, 6.0])
    p.grad = old
    opt.zero_grad(set_to_none=False)
    assert p.grad.tolist() == [0.0, 0.0] and old.tolist() == [5.0, 6.0]
    opt.zero_grad()
    assert p.grad is None


def test_step_returns_closure_loss_and_skips_params_without_grad():
    p, q = mt.tensor([1.0], requires_grad=True), mt.tensor([1.0], requires_grad=True)
    opt = mt.optim.SGD([p, q], lr=0.5)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 1.0
    assert p.tolist() == [0.0] and q.tolist() == [1.0]


def test_param_groups_named_parameters_and_repr():
    a, b = mt.zeros(2, requires_grad=True), mt.zeros(3, requires_grad=True)
    opt = mt.optim.SGD([("a", a), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["a", "b"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["a", "b"]
    c = mt.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match="with/without names"):
        opt.add_param_group({"params": [c]})
    opt = mt.optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": c, "lr": 0.5})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5] and opt.param_groups[1]["betas"] == (0.9, 0.999)
    assert repr(opt).startswith("Adam (\nParameter Group 0\n    amsgrad: False")


def test_state_dict_loading_is_a_copy():
    p = mt.tensor([1.0, 2.0], requires_grad=True)
    opt = mt.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = mt.tensor([1.0, 1.0])
    opt.step()
    sd = opt.state_dict()
    other = mt.optim.SGD([p], lr=0.1, momentum=0.9)
    other.load_state_dict(sd)
    other.step()
    assert sd["state"][0]["momentum_buffer"].tolist() == [1.0, 1.0]  # the source was not updated
    assert other.state[p]["momentum_buffer"].tolist() == pytest.approx([1.9, 1.9])


@pytest.mark.parametrize("make, error, match", [
    (lambda p: mt.optim.SGD(p, lr=-1), ValueError, "Invalid learning rate"),
    (lambda p: mt.optim.SGD(p, lr=0.1, nesterov=True), ValueError, "Nesterov momentum requires"),
    (lambda p: mt.optim.SGD(p[0], lr=0.1), TypeError, "iterable of Tensors or dicts"),
    (lambda p: mt.optim.SGD([], lr=0.1), ValueError, "empty parameter list"),
    (lambda p: mt.optim.SGD([p[0] * 2], lr=0.1), ValueError, "non-leaf"),
    (lambda p: mt.optim.SGD([{"params": p}, {"params": p[:1]}]), ValueError, "more than one parameter group"),
    (lambda p: mt.optim.SGD([1.0]), TypeError, "can only optimize Tensors"),
    (lambda p: mt.optim.Adam(p, betas=(1.0, 0.9)), ValueError, "Invalid beta parameter at index 0"),
    (lambda p: mt.optim.RMSprop(p, alpha=-0.1), ValueError, "Invalid alpha value"),
    (lambda p: mt.optim.Lion(p, weight_decay=-1), ValueError, "Invalid weight_decay"),
])
def test_bad_arguments(make, error, match):
    params = [mt.zeros(2, requires_grad=True), mt.zeros(3, requires_grad=True)]
    with pytest.raises(error, match=match):
        make(params)


def test_load_state_dict_checks_groups():
    params = [mt.zeros(2, requires_grad=True), mt.zeros(3, requires_grad=True)]
    sd = mt.optim.SGD(params, lr=0.1).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        mt.optim.SGD([{"params": params[:1]}, {"params": params[1:]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size"):
        mt.optim.SGD(params[:1], lr=0.1).load_state_dict(copy.deepcopy(sd))


@requires_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_defaults_match_torch(name):
    import torch

    ours = getattr(mt.optim, name)([mt.zeros(1, requires_grad=True)]).defaults
    theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)]).defaults
    assert {k: v for k, v in theirs.items() if k in ours} == ours


@requires_torch
@given(data=st.data(), name=st.sampled_from(["SGD", "Adam", "AdamW", "RMSprop"]))
def test_random_hyperparameters_match_torch(data, name, tmp_path_factory):
    """Any valid combination of options gives PyTorch's trajectory."""
    import torch

    unit = st.floats(0.0, 0.95)
    if name == "SGD":
        options = data.draw(st.fixed_dictionaries({"lr": st.floats(1e-3, 1.0), "momentum": unit,
                                                   "weight_decay": unit, "maximize": st.booleans()}))
        nesterov = options["momentum"] > 0 and data.draw(st.booleans())
        options.update(nesterov=nesterov, dampening=0.0 if nesterov else data.draw(unit))
    elif name == "RMSprop":
        options = data.draw(st.fixed_dictionaries({"lr": st.floats(1e-3, 0.1), "alpha": unit, "momentum": unit,
                                                   "centered": st.booleans(), "weight_decay": unit,
                                                   "eps": st.floats(1e-8, 1e-2)}))
    else:
        options = data.draw(st.fixed_dictionaries({"lr": st.floats(1e-3, 0.1), "betas": st.tuples(unit, unit),
                                                   "weight_decay": unit, "amsgrad": st.booleans(),
                                                   "eps": st.floats(1e-8, 1e-2), "maximize": st.booleans()}))
    ours, _ = _run_mt(getattr(mt.optim, name), options, {}, "cpu", tmp_path_factory.mktemp("opt"))
    theirs, _ = _run_torch(getattr(torch.optim, name), options, {})
    for a, b in zip(ours[-1], theirs[-1]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
