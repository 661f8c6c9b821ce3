"""Learning-rate schedulers: PyTorch's get_last_lr() sequence step by step (exact floats), OneCycleLR's
momentum cycling, state_dict save/load mid-run, and closed-form references without torch."""
import math

import pytest

import minitorch_cnn as mt
from conftest import requires_torch

S = mt.optim.lr_scheduler

# name, scheduler kwargs (the optimizer is added by the test), optimizer ("SGD" or "Adam"), steps
CASES = [
    ("StepLR", dict(step_size=3, gamma=0.5), "SGD", 12),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3), "SGD", 12),
    ("ExponentialLR", dict(gamma=0.9), "SGD", 10),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.001), "SGD", 17),  # past T_max: the cosine rises again
    ("LinearLR", dict(start_factor=0.1, total_iters=4), "SGD", 8),
    ("LambdaLR", dict(lr_lambda=lambda epoch: 0.95 ** epoch), "SGD", 6),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=20), "SGD", 19),
    ("OneCycleLR", dict(max_lr=[0.5, 2.0], total_steps=16, anneal_strategy="linear", three_phase=True,
                        div_factor=10.0, final_div_factor=100.0), "SGD", 15),
    ("OneCycleLR", dict(max_lr=0.1, epochs=3, steps_per_epoch=5, pct_start=0.4, base_momentum=0.7), "Adam", 14),
]


def _optimizer(lib, name):
    params = [lib.zeros(2, requires_grad=True), lib.zeros(1, requires_grad=True)]
    groups = [{"params": params[:1]}, {"params": params[1:], "lr": 0.3}]
    return getattr(lib.optim, name)(groups, lr=0.1, momentum=0.9) if name == "SGD" else lib.optim.Adam(groups, lr=0.1)


def _momenta(opt):
    return [g["momentum"] if "momentum" in g else g["betas"][0] for g in opt.param_groups]


def _trace(lib, name, kwargs, opt_name, steps):
    opt = _optimizer(lib, opt_name)
    sched = getattr(lib.optim.lr_scheduler, name)(opt, **kwargs)
    trace = [(sched.get_last_lr(), _momenta(opt))]
    for _ in range(steps):
        opt.step()
        sched.step()
        trace.append((sched.get_last_lr(), _momenta(opt)))
    return trace


@requires_torch
@pytest.mark.parametrize("name, kwargs, opt_name, steps", CASES)
def test_matches_torch_step_by_step(name, kwargs, opt_name, steps):
    import torch

    assert _trace(mt, name, kwargs, opt_name, steps) == _trace(torch, name, kwargs, opt_name, steps)


def _sequential(lib, opt):
    warmup = lib.optim.lr_scheduler.LinearLR(opt, start_factor=0.01, total_iters=3)
    cosine = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6, eta_min=1e-4)
    return lib.optim.lr_scheduler.SequentialLR(opt, [warmup, cosine], milestones=[3])


@requires_torch
def test_sequential_warmup_then_cosine_matches_torch():
    import torch

    traces = []
    for lib in (mt, torch):
        opt = _optimizer(lib, "SGD")
        sched = _sequential(lib, opt)
        trace = [sched.get_last_lr()]
        for _ in range(10):
            opt.step()
            sched.step()
            trace.append(sched.get_last_lr())
        traces.append(trace)
    assert traces[0] == traces[1]


@pytest.mark.parametrize("name, kwargs, opt_name, steps", CASES)
def test_state_dict_round_trip_mid_run(name, kwargs, opt_name, steps, tmp_path):
    """Save optimizer + scheduler after a few steps, rebuild both from the files: the rest is unchanged."""
    full = _trace(mt, name, kwargs, opt_name, steps)
    opt = _optimizer(mt, opt_name)
    sched = getattr(S, name)(opt, **kwargs)
    for _ in range(3):
        opt.step()
        sched.step()
    mt.save({"opt": opt.state_dict(), "sched": sched.state_dict()}, tmp_path / "ckpt.mt")
    opt = _optimizer(mt, opt_name)
    sched = getattr(S, name)(opt, **kwargs)
    ckpt = mt.load(tmp_path / "ckpt.mt")
    opt.load_state_dict(ckpt["opt"])
    sched.load_state_dict(ckpt["sched"])
    rest = [(sched.get_last_lr(), _momenta(opt))]
    for _ in range(steps - 3):
        opt.step()
        sched.step()
        rest.append((sched.get_last_lr(), _momenta(opt)))
    assert rest == full[3:]


def test_sequential_state_dict_holds_the_children(tmp_path):
    opt = _optimizer(mt, "SGD")
    sched = _sequential(mt, opt)
    for _ in range(4):
        sched.step()
    state = sched.state_dict()
    assert [type(s) for s in state["_schedulers"]] == [dict, dict] and state["last_epoch"] == 4
    mt.save(state, tmp_path / "s.mt")
    other = _sequential(mt, _optimizer(mt, "SGD"))
    other.load_state_dict(mt.load(tmp_path / "s.mt"))
    assert other._schedulers[1].last_epoch == sched._schedulers[1].last_epoch


def test_closed_forms():
    """The recursive schedules agree with their closed forms (no torch needed)."""
    opt = _optimizer(mt, "SGD")
    cos = S.CosineAnnealingLR(opt, T_max=8, eta_min=0.01)
    for t in range(1, 9):
        opt.step()
        cos.step()
        expected = 0.01 + (0.1 - 0.01) * (1 + math.cos(math.pi * t / 8)) / 2
        assert cos.get_last_lr()[0] == pytest.approx(expected, rel=1e-12)
    opt = _optimizer(mt, "SGD")
    warm = S.LinearLR(opt, start_factor=0.25, total_iters=3)
    lrs = [warm.get_last_lr()[0]]
    for _ in range(5):
        warm.step()
        lrs.append(warm.get_last_lr()[0])
    assert lrs == pytest.approx([0.025, 0.05, 0.075, 0.1, 0.1, 0.1], rel=1e-12)
    opt = _optimizer(mt, "SGD")
    one = S.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=0.5, anneal_strategy="linear")
    assert one.get_last_lr()[0] == pytest.approx(1.0 / 25) and opt.param_groups[0]["momentum"] == 0.95
    for _ in range(4):
        one.step()
    assert one.get_last_lr()[0] == pytest.approx(1.0) and opt.param_groups[0]["momentum"] == pytest.approx(0.85)
    for _ in range(5):
        one.step()
    assert one.get_last_lr()[0] == pytest.approx(1.0 / 25 / 1e4)


def test_errors():
    opt = _optimizer(mt, "SGD")
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        S.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="total_steps OR"):
        S.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        S.StepLR(object(), step_size=2)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas"):
        S.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(_optimizer(mt, "SGD"), step_size=2, last_epoch=3)
    one = S.OneCycleLR(opt, max_lr=1.0, total_steps=2)
    one.step()
    one.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        one.step()
