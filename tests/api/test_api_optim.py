"""Adadelta, Adagrad, NAdam, RAdam, SGD(nesterov=True) and ReduceLROnPlateau: step-by-step equality
with PyTorch (float64, two param groups, a parameter skipped at one step, a state_dict reload mid-run),
float32 closeness, PyTorch's defaults and argument errors (exact messages); lazy modules with an
optimizer built before the first forward."""
import numpy as np
import pytest

import minitorch_cnn as mt
from conftest import requires_torch

SHAPES = [(3, 4), (4,), (2, 2)]
STEPS = 8
RELOAD_AT = 2


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(STEPS)]
    grads[3][1] = None  # parameter 1 gets no gradient at step 3: it must be skipped
    return init, grads


def _groups(params, group_options):
    return [{"params": params[:2]}, {"params": params[2:], **group_options}]


def _run(lib, cls, options, group_options, dtype=np.float64, reload=None):
    init, grads = _problem()
    params = [lib.tensor(a.astype(dtype), requires_grad=True) for a in init]
    opt = cls(_groups(params, group_options), **options)
    history = []
    for k, step_grads in enumerate(grads):
        for p, g in zip(params, step_grads):
            p.grad = None if g is None else lib.tensor(g.astype(dtype))
        opt.step()
        history.append([p.detach().numpy().copy() for p in params])
        if reload is not None and k == RELOAD_AT:  # rebuild from a saved state_dict (both libraries alike)
            state = reload(opt.state_dict())
            opt = cls(_groups(params, group_options), **options)
            opt.load_state_dict(state)
    return history, opt


CASES = [
    ("Adadelta", dict(), dict(lr=0.5)),
    ("Adadelta", dict(rho=0.8, eps=1e-4, weight_decay=0.1), dict(maximize=True)),
    ("Adagrad", dict(), dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.3), dict(eps=1e-3)),
    ("Adagrad", dict(lr=0.05, maximize=True), dict()),
    ("NAdam", dict(), dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1, momentum_decay=0.01), dict(eps=1e-3)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True), dict(maximize=True)),
    ("RAdam", dict(), dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, betas=(0.5, 0.6), weight_decay=0.1), dict(eps=1e-3)),  # rho_t > 5 from step 2
    ("RAdam", dict(lr=0.02, weight_decay=0.1, decoupled_weight_decay=True), dict(maximize=True)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True), dict(lr=0.01, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, nesterov=True, maximize=True), dict(momentum=0.99)),
]


@requires_torch
@pytest.mark.parametrize("name, options, group_options", CASES)
def test_matches_torch_step_by_step(name, options, group_options, tmp_path):
    import torch

    def through_file(state, save, load, path):
        save(state, path)
        return load(path)

    ours, opt = _run(mt, getattr(mt.optim, name), options, group_options,
                     reload=lambda sd: through_file(sd, mt.save, mt.load, tmp_path / "opt.mt"))
    theirs, topt = _run(torch, getattr(torch.optim, name), options, group_options,
                        reload=lambda sd: through_file(sd, torch.save, torch.load, tmp_path / "opt.pth"))
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14, err_msg=f"step {step}, param {i}")
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sorted(sd["state"]) == sorted(tsd["state"])
    for idx, tstate in tsd["state"].items():
        assert set(sd["state"][idx]) == set(tstate)
        for key, value in tstate.items():
            np.testing.assert_allclose(sd["state"][idx][key].numpy(), value.numpy(), rtol=1e-7, atol=1e-14)
    assert sd["param_groups"][1].keys() - {"initial_lr"} >= tsd["param_groups"][1].keys() - {
        "capturable", "differentiable", "fused", "foreach", "decoupled_weight_decay"}


@requires_torch
@pytest.mark.parametrize("name, options, group_options", [CASES[1], CASES[3], CASES[6], CASES[9], CASES[11]])
def test_float32_close_to_torch(name, options, group_options):
    import torch

    ours, _ = _run(mt, getattr(mt.optim, name), options, group_options, np.float32)
    theirs, _ = _run(torch, getattr(torch.optim, name), options, group_options, np.float32)
    assert ours[-1][0].dtype == np.float32
    for a, b in zip(ours[-1], theirs[-1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@requires_torch
@pytest.mark.parametrize("name", ["Adadelta", "Adagrad", "NAdam", "RAdam", "SGD"])
def test_defaults_match_torch(name):
    import torch

    ours = getattr(mt.optim, name)([mt.zeros(2, requires_grad=True)]).defaults
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)]).defaults
    for key, value in theirs.items():
        if key not in ("differentiable", "fused", "capturable"):  # implementation switches, not hyper-parameters
            assert ours[key] == value, (name, key)


@pytest.mark.parametrize("name, kwargs, message", [
    ("Adadelta", dict(lr=-1), "Invalid learning rate: -1"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
    ("Adadelta", dict(eps=-1), "Invalid epsilon value: -1"),
    ("Adadelta", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("Adagrad", dict(lr_decay=-1), "Invalid lr_decay value: -1"),
    ("Adagrad", dict(initial_accumulator_value=-1), "Invalid initial_accumulator_value value: -1"),
    ("Adagrad", dict(eps=-1), "Invalid epsilon value: -1"),
    ("NAdam", dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    ("NAdam", dict(momentum_decay=-1), "Invalid momentum_decay value: -1"),
    ("RAdam", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("RAdam", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("SGD", dict(lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
     "Nesterov momentum requires a momentum and zero dampening"),
])
def test_argument_errors(name, kwargs, message):
    with pytest.raises(ValueError, match=f"^{message.replace('(', '[(]').replace(')', '[)]')}$"):
        getattr(mt.optim, name)([mt.zeros(2, requires_grad=True)], **kwargs)


def _plateau_run(lib, kwargs, metrics, groups=2):
    params = [lib.zeros(1, requires_grad=True) for _ in range(groups)]
    opt = lib.optim.SGD([{"params": [p], "lr": 1.0 / (i + 1)} for i, p in enumerate(params)])
    sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    lrs = []
    for m in metrics:
        opt.step()
        sched.step(m)
        lrs.append(sched.get_last_lr())
    return lrs, sched


PLATEAU = [
    dict(),
    dict(patience=2, factor=0.5),
    dict(mode="max", patience=1, factor=0.3, threshold=0.1),
    dict(patience=1, threshold_mode="abs", threshold=0.05, cooldown=2, min_lr=[0.2, 0.05]),
    dict(patience=0, factor=0.5, min_lr=0.3, eps=0.01),
]


@requires_torch
@pytest.mark.parametrize("kwargs", PLATEAU)
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    import torch

    metrics = [1.0, 0.9, 0.95, 0.95, 0.96, 0.8, 0.8, 0.81, 0.79, 0.82, 0.83, 0.9, 0.91, 0.92, 0.93, 0.94,
               0.95, 0.96, 0.97, 0.98, 0.99, 1.0, 1.1, 1.2, 1.3, 0.5, 0.5, 0.5]
    ours, sched = _plateau_run(mt, kwargs, [mt.tensor(m) for m in metrics])
    theirs, tsched = _plateau_run(torch, kwargs, [torch.tensor(m) for m in metrics])
    assert ours == theirs
    assert (sched.best, sched.num_bad_epochs, sched.cooldown_counter, sched.last_epoch) == (
        tsched.best, tsched.num_bad_epochs, tsched.cooldown_counter, tsched.last_epoch)


def test_reduce_lr_on_plateau_errors_and_state_dict():
    opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match=r"^Factor should be < 1.0.$"):
        mt.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="^mode avg is unknown!$"):
        mt.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="avg")
    with pytest.raises(ValueError, match="^threshold mode x is unknown!$"):
        mt.optim.lr_scheduler.ReduceLROnPlateau(opt, threshold_mode="x")
    with pytest.raises(ValueError, match="^expected 1 min_lrs, got 2$"):
        mt.optim.lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0, 0])
    sched = mt.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    sched.step(1.0)
    sched.step(2.0)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.01)
    again = mt.optim.lr_scheduler.ReduceLROnPlateau(opt)
    again.load_state_dict(sched.state_dict())
    assert (again.best, again.patience, again.mode_worse) == (1.0, 0, float("inf"))
