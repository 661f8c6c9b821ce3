"""LBFGS: step-by-step equality with PyTorch in float64 (every closure's loss, the parameters after every
step, the state), with and without the strong-Wolfe line search, on a quadratic, a smooth convex function
and a small network; the line search against PyTorch's through all its branches; a state_dict reload
mid-run; PyTorch's argument errors.

The test functions hand the same NumPy values and gradients to both libraries, so that any difference is
the optimizer's. The two still round differently in the last bit (PyTorch's dot products and its fused
``add_(alpha=)``), which ill-conditioned problems such as Rosenbrock's valley amplify over many
iterations: the full runs use well-conditioned problems, and Rosenbrock's function only short searches."""
import numpy as np
import pytest

import minitorch_cnn as mt
from conftest import requires_torch

STEPS = 4
TOL = 1e-10

_A = np.array([[3.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 1.0]])
_B = np.array([1.0, -2.0, 0.5])
_W = np.array([[1.0, -0.5, 0.2, 0.0], [0.3, 0.8, -0.4, 0.5], [-0.6, 0.1, 0.9, -0.2], [0.2, 0.4, 0.3, 1.1],
               [0.7, -0.3, -0.8, 0.4], [-0.1, 0.6, 0.5, -0.9]])
_C = np.array([2.0, -1.0, 0.5, 1.5, -2.0, 0.3])


def _quadratic(x):
    """0.5 x.A x - b.x with A positive definite (L-BFGS reaches the minimum A^-1 b), and its gradient."""
    return 0.5 * x @ _A @ x - _B @ x, _A @ x - _B


def _logcosh(x):
    """sum log cosh(W x - c) + 0.05 |x|^2: a robust regression, convex and not quadratic."""
    r = _W @ x - _C
    return np.sum(np.log(np.cosh(r))) + 0.05 * x @ x, _W.T @ np.tanh(r) + 0.1 * x


def _rosenbrock(x):
    """Rosenbrock's valley, curved and ill-conditioned."""
    u, v = x[1:] - x[:-1] ** 2, 1 - x[:-1]
    g = np.zeros_like(x)
    g[:-1] = -400 * x[:-1] * u - 2 * v
    g[1:] += 200 * u
    return np.sum(100 * u ** 2 + v ** 2), g


def _quartic(x):
    """x^4 - 3 x^2 + x per coordinate: two valleys of different depths."""
    return np.sum(x ** 4 - 3 * x ** 2 + x), 4 * x ** 3 - 6 * x + 1


def _wave(a, b):
    """sin(a x) + b x^2: many local minima, so trial steps land near the ends of the bracket."""
    return lambda x: (np.sum(np.sin(a * x) + b * x * x), a * np.cos(a * x) + 2 * b * x)


FUNCTIONS = {"quadratic": (_quadratic, [0.5, 1.0, -1.0]), "logcosh": (_logcosh, [3.0, -2.0, 1.0, 2.5])}


def _closure(lib, opt, x, fn, losses):
    """A closure that sets ``x.grad`` to ``fn``'s gradient and records every loss."""
    def closure():
        opt.zero_grad()
        f, g = fn(x.detach().numpy().copy())
        x.grad = lib.tensor(g)
        losses.append(f)
        return lib.tensor(f)

    return closure


def _run_function(lib, fn, x0, options, steps=STEPS):
    x = lib.tensor(np.array(x0), requires_grad=True)
    opt = lib.optim.LBFGS([x], **options)
    losses, params = [], []
    closure = _closure(lib, opt, x, fn, losses)
    for _ in range(steps):
        opt.step(closure)
        params.append(x.detach().numpy().copy())
    return losses, params, opt


def _assert_state_equal(opt_mt, opt_torch):
    import torch

    sm, st = opt_mt.state_dict(), opt_torch.state_dict()
    assert sm["param_groups"] == st["param_groups"]
    assert sorted(sm["state"]) == sorted(st["state"]) == [0]
    a, b = sm["state"][0], st["state"][0]
    assert list(a) == list(b)  # the same keys, in the same order
    for key in b:
        va, vb = a[key], b[key]
        assert isinstance(va, (list, mt.Tensor)) == isinstance(vb, (list, torch.Tensor)), key
        if isinstance(vb, list):
            assert len(va) == len(vb)
            for ea, eb in zip(va, vb):
                assert (ea is None) == (eb is None)
                if eb is not None:
                    np.testing.assert_allclose(np.asarray(ea.numpy()), eb.numpy(), rtol=1e-8, atol=TOL)
        elif hasattr(vb, "numpy"):
            np.testing.assert_allclose(np.asarray(va.numpy()), vb.numpy(), rtol=1e-8, atol=TOL)
        else:
            assert va == pytest.approx(float(vb), rel=1e-8, abs=TOL)


@requires_torch
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("options", [dict(lr=0.5, max_iter=5), dict(max_iter=5, line_search_fn="strong_wolfe"),
                                     dict(lr=0.3, max_iter=4, history_size=2),
                                     dict(lr=0.8, max_iter=6, history_size=3, line_search_fn="strong_wolfe")])
def test_matches_torch_on_functions(name, options):
    import torch

    fn, x0 = FUNCTIONS[name]
    losses_mt, params_mt, opt_mt = _run_function(mt, fn, x0, options)
    losses_torch, params_torch, opt_torch = _run_function(torch, fn, x0, options)
    assert len(losses_mt) == len(losses_torch)  # the same closure calls, in the same order
    np.testing.assert_allclose(losses_mt, losses_torch, rtol=0, atol=TOL)
    np.testing.assert_allclose(params_mt, params_torch, rtol=0, atol=TOL)
    _assert_state_equal(opt_mt, opt_torch)


# (function, x0, first trial step, max_ls, tolerance_change): between them they take every branch of the
# search: acceptance at once, extrapolation, brackets closed by the Armijo test and by a rising slope, the
# zoom (old low end becoming the high end, trials moved off the ends), the budget running out, and a
# bracket shrinking below tolerance_change
LINE_SEARCHES = [
    (_quartic, [0.3, -0.2], 1e-3, 25, 1e-9),
    (_quartic, [0.3, -0.2], 1e-3, 2, 1e-9),
    (_quartic, [0.3, -0.2], 0.3, 2, 1.0),
    (_quartic, [0.3, -0.2], 2.0, 2, 1e-9),
    (_rosenbrock, [-1.2, 1.0], 1e-3, 2, 1e-9),
    (_rosenbrock, [-1.2, 1.0, 0.5], 10.0, 25, 1e-9),
    (_wave(3.0, 0.5), [0.4, 1.1], 10.0, 2, 1e-9),
    (_wave(3.55, 0.13), [0.4468], 2.27e-3, 25, 1e-9),
    (_wave(6.06, 1.065), [-1.2656], 65.2, 25, 1e-9),
]


@requires_torch
@pytest.mark.parametrize("case", range(len(LINE_SEARCHES)))
def test_line_search_matches_torch(case):
    import torch
    from torch.optim.lbfgs import _strong_wolfe as torch_strong_wolfe

    from minitorch_cnn.optim.lbfgs import _strong_wolfe

    fn, x0, t, max_ls, tolerance_change = LINE_SEARCHES[case]
    x0 = np.array(x0)
    f, g = fn(x0)
    results = []
    for search, wrap in ((_strong_wolfe, np.asarray), (torch_strong_wolfe, torch.tensor)):
        def obj_func(x, step, d):
            f_new, g_new = fn(x0 + float(step) * -g)
            return float(f_new), wrap(g_new)

        d, g0 = wrap(-g), wrap(g)
        f_new, g_new, t_new, evals = search(obj_func, None, t, d, float(f), g0, g0.dot(d), max_ls=max_ls,
                                            tolerance_change=tolerance_change)
        results.append((f_new, np.asarray(g_new), float(t_new), evals))
    (f_mt, g_mt, t_mt, evals_mt), (f_torch, g_torch, t_torch, evals_torch) = results
    assert evals_mt == evals_torch
    assert f_mt == pytest.approx(f_torch, rel=1e-12)
    assert t_mt == pytest.approx(t_torch, rel=1e-12)
    np.testing.assert_allclose(g_mt, g_torch, rtol=1e-12, atol=1e-12)


@requires_torch
@pytest.mark.parametrize("points", [(0.0, 1.0, -2.0, 1.0, 0.5, 1.5, None),     # a minimum inside
                                    (1.0, 0.5, 1.5, 0.0, 1.0, -2.0, None),     # the same, points swapped
                                    (0.0, 1.0, -2.0, 0.5, 0.2, -1.0, (0.8, 5.0)),  # clamped to the bounds
                                    (0.0, 0.0, 1.0, 1.0, 0.5, 1.0, None)])     # no minimum: the midpoint
def test_cubic_interpolate_matches_torch(points):
    import torch
    from torch.optim.lbfgs import _cubic_interpolate as torch_cubic_interpolate

    from minitorch_cnn.optim.lbfgs import _cubic_interpolate

    x1, f1, g1, x2, f2, g2, bounds = points
    ours = _cubic_interpolate(x1, f1, np.float64(g1), x2, f2, np.float64(g2), bounds=bounds)
    theirs = torch_cubic_interpolate(x1, f1, torch.tensor(g1, dtype=torch.float64), x2, f2,
                                     torch.tensor(g2, dtype=torch.float64), bounds=bounds)
    assert float(ours) == pytest.approx(float(theirs), rel=1e-15)


def test_converges_to_the_quadratics_minimum():
    options = dict(line_search_fn="strong_wolfe", tolerance_grad=1e-12, tolerance_change=1e-15)
    _, params, opt = _run_function(mt, _quadratic, [0.5, 1.0, -1.0], options, steps=2)
    np.testing.assert_allclose(params[-1], np.linalg.solve(_A, _B), atol=1e-8)
    state = opt.state_dict()["state"][0]
    assert state["n_iter"] <= 20 and state["func_evals"] >= state["n_iter"]


def _net(lib, seed=0):
    """Linear(3, 4) -> Tanh -> Linear(4, 1) in float64, with the same weights in both libraries."""
    rng = np.random.default_rng(seed)
    net = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 1)).double()
    with lib.no_grad():
        for p in net.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)) * 0.5))
    data = rng.standard_normal((8, 3))
    return net, lib.tensor(data), lib.tensor(np.sin(data.sum(1, keepdims=True)))


def _run_net(lib, options):
    net, inputs, targets = _net(lib)
    opt = lib.optim.LBFGS(net.parameters(), **options)
    losses, params = [], []

    def closure():
        opt.zero_grad()
        loss = lib.nn.functional.mse_loss(net(inputs), targets)
        loss.backward()
        losses.append(loss.item())
        return loss

    for _ in range(STEPS):
        opt.step(closure)
        params.append(np.concatenate([p.detach().numpy().ravel() for p in net.parameters()]))
    return losses, params, opt


@requires_torch
@pytest.mark.parametrize("options", [dict(lr=0.8, max_iter=5), dict(max_iter=5, line_search_fn="strong_wolfe")])
def test_matches_torch_on_a_network(options):
    import torch

    losses_mt, params_mt, opt_mt = _run_net(mt, options)
    losses_torch, params_torch, opt_torch = _run_net(torch, options)
    assert len(losses_mt) == len(losses_torch)
    np.testing.assert_allclose(losses_mt, losses_torch, rtol=0, atol=TOL)
    np.testing.assert_allclose(params_mt, params_torch, rtol=0, atol=TOL)
    _assert_state_equal(opt_mt, opt_torch)


def test_step_returns_the_first_closure_loss():
    x = mt.tensor(np.array([0.5, 1.0, -1.0]), requires_grad=True)
    opt = mt.optim.LBFGS([x], max_iter=3)
    losses = []

    def closure():  # an ordinary closure: the loss through autograd, under the step's no_grad
        assert mt.is_grad_enabled()
        opt.zero_grad()
        loss = ((x - 1) ** 2 * mt.tensor(np.array([1.0, 2.0, 3.0]))).sum()
        loss.backward()
        losses.append(loss)
        return loss

    assert opt.step(closure) is losses[0]
    assert len(losses) == 3  # max_iter - 1 re-evaluations: the last iteration's loss is not computed
    assert losses[-1].item() < losses[0].item()


def test_state_dict_reload_continues_the_same_run(tmp_path):
    options = dict(max_iter=3, history_size=4, line_search_fn="strong_wolfe")
    _, straight, _ = _run_function(mt, _rosenbrock, [-1.2, 1.0, 0.5], options)

    x = mt.tensor(np.array([-1.2, 1.0, 0.5]), requires_grad=True)
    opt = mt.optim.LBFGS([x], **options)
    for _ in range(2):
        opt.step(_closure(mt, opt, x, _rosenbrock, []))
    mt.save(opt.state_dict(), tmp_path / "lbfgs.mt")
    opt = mt.optim.LBFGS([x], **options)
    opt.load_state_dict(mt.load(tmp_path / "lbfgs.mt"))
    resumed = []
    for _ in range(STEPS - 2):
        opt.step(_closure(mt, opt, x, _rosenbrock, []))
        resumed.append(x.detach().numpy().copy())
    np.testing.assert_array_equal(resumed, straight[2:])


def test_stops_at_once_when_the_gradient_is_zero():
    x = mt.tensor(np.array([1.0, 1.0]), requires_grad=True)
    opt = mt.optim.LBFGS([x])
    opt.step(_closure(mt, opt, x, _rosenbrock, []))
    assert opt.state_dict()["state"][0] == {"func_evals": 1, "n_iter": 0}
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 1.0])


def test_errors():
    a = mt.tensor(np.zeros(2), requires_grad=True)
    b = mt.tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match=r"^LBFGS doesn't support per-parameter options \(parameter groups\)$"):
        mt.optim.LBFGS([{"params": [a]}, {"params": [b], "lr": 0.1}])
    with pytest.raises(ValueError, match="^Invalid learning rate: -1$"):
        mt.optim.LBFGS([a], lr=-1)
    with pytest.raises(ValueError, match="^Tensor lr must be 1-element$"):
        mt.optim.LBFGS([a], lr=mt.tensor([0.1, 0.2]))
    opt = mt.optim.LBFGS([a], line_search_fn="armijo")

    def closure():
        opt.zero_grad()
        loss = ((a - 1) ** 2).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="^only 'strong_wolfe' is supported$"):
        opt.step(closure)
    with pytest.raises(TypeError):
        opt.step()  # a closure is required
    assert opt.defaults["max_eval"] == 25  # max_iter * 5 // 4
