"""Higher-order gradients end to end, against PyTorch in float64 to 1e-9.

A WGAN-GP gradient penalty on a small conv net, a Hessian-vector product through
conv + batch norm + cross-entropy, DeZero's Newton iteration, and the create_graph
plumbing (.grad with a graph, retain_graph default, ops without a second derivative).
"""
import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import nn
from minitorch_cnn.nn import functional as F

torch = pytest.importorskip("torch")


def _pair(rng, *shape):
    a = rng.standard_normal(shape)
    return mt.tensor(a, dtype=mt.float64, requires_grad=True), torch.tensor(a, dtype=torch.float64, requires_grad=True)


def _close(ours, theirs, tol=1e-9):
    ours = ours.detach().numpy() if hasattr(ours, "detach") else np.asarray(ours)
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=tol, atol=tol)


def _critic(lib, params, x):
    """conv(3 -> 4, 3x3) - leaky relu - conv(4 -> 2, stride 2) - tanh - linear -> (N, 1)."""
    f = lib.nn.functional
    w1, b1, w2, w3, b3 = params
    h = f.leaky_relu(f.conv2d(x, w1, b1, padding=1), 0.2)
    h = lib.tanh(f.conv2d(h, w2, stride=2))
    return f.linear(h.reshape(h.shape[0], -1), w3, b3)


def test_wgan_gp_gradient_penalty_matches_pytorch():
    rng = np.random.default_rng(0)
    shapes = [(4, 3, 3, 3), (4,), (2, 4, 3, 3), (1, 2 * 2 * 2), (1,)]
    params = [_pair(rng, *s) for s in shapes]
    real, fake = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((2, 3, 6, 6))
    eps = rng.uniform(size=(2, 1, 1, 1))
    losses, grads = [], []
    for lib, k in ((mt, 0), (torch, 1)):
        ps = [p[k] for p in params]
        tensor = (lambda a: mt.tensor(a, dtype=mt.float64)) if lib is mt else (lambda a: torch.tensor(a))
        x_hat = (tensor(eps) * tensor(real) + (1 - tensor(eps)) * tensor(fake)).requires_grad_(True)
        score = _critic(lib, ps, x_hat)
        g, = lib.autograd.grad(score, x_hat, grad_outputs=lib.ones_like(score), create_graph=True)
        penalty = ((g.reshape(2, -1).norm(2, dim=1) - 1) ** 2).mean()
        loss = _critic(lib, ps, tensor(fake)).mean() - _critic(lib, ps, tensor(real)).mean() + 10 * penalty
        loss.backward()
        losses.append(loss)
        grads.append([p.grad for p in ps])
    _close(losses[0], losses[1])
    for ours, theirs in zip(*grads):
        _close(ours, theirs)


def test_hessian_vector_product_through_conv_batchnorm_cross_entropy_matches_pytorch():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 2, 5, 5))
    target = rng.integers(0, 3, 4)
    (w, tw), (gamma, tgamma), (beta, tbeta), (lw, tlw) = (
        _pair(rng, 3, 2, 3, 3), _pair(rng, 3), _pair(rng, 3), _pair(rng, 3, 3 * 3 * 3))
    vs = [rng.standard_normal(p.shape) for p in (w, gamma, beta, lw)]

    def hvp(lib, params, tensor):
        f = lib.nn.functional
        w, gamma, beta, lw = params
        h = f.batch_norm(f.conv2d(tensor(x), w), None, None, gamma, beta, training=True)
        loss = f.cross_entropy(f.linear(f.relu(h).reshape(4, -1), lw), lib.tensor(target))
        gs = lib.autograd.grad(loss, params, create_graph=True)
        dot = sum((g * tensor(v)).sum() for g, v in zip(gs, vs))
        return loss, lib.autograd.grad(dot, params)

    ours = hvp(mt, [w, gamma, beta, lw], lambda a: mt.tensor(a, dtype=mt.float64))
    theirs = hvp(torch, [tw, tgamma, tbeta, tlw], lambda a: torch.tensor(a, dtype=torch.float64))
    _close(ours[0], theirs[0])
    for a, b in zip(ours[1], theirs[1]):
        _close(a, b)


def test_newton_iteration_dezero_matches_pytorch():
    """DeZero step 33: minimise y = x^4 - 2 x^2 from x = 2 with x -= y'/y''."""
    path = []
    for lib in (mt, torch):
        x = lib.tensor(2.0, dtype=lib.float64, requires_grad=True)
        xs = []
        for _ in range(10):
            y = x ** 4 - 2 * x ** 2
            gx, = lib.autograd.grad(y, x, create_graph=True)
            gx2, = lib.autograd.grad(gx, x)
            with lib.no_grad():
                x -= gx / gx2
            xs.append(float(x))
        path.append(xs)
    np.testing.assert_allclose(path[0], path[1], rtol=1e-12, atol=1e-12)
    assert abs(path[0][-1] - 1.0) < 1e-12  # converged to the minimum at x = 1


def test_backward_create_graph_leaves_a_differentiable_grad():
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None  # 3 x^2, with its graph
    g = x.grad
    x.grad = None
    g.sum().backward()  # d/dx sum(3 x^2) = 6 x; the first graph was retained (create_graph implies it)
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0])


def test_third_derivative_through_a_linear_map_op():
    # max_pool's backward is a recorded linear map whose own backward is again recorded: any order works
    rng = np.random.default_rng(2)
    x, tx = _pair(rng, 1, 1, 4, 4)
    results = []
    for lib, t in ((mt, x), (torch, tx)):
        y = (lib.nn.functional.max_pool2d(t, 2) ** 3).sum()
        g1, = lib.autograd.grad(y, t, create_graph=True)
        g2, = lib.autograd.grad(g1.sum(), t, create_graph=True)
        g3, = lib.autograd.grad((g2 * g2).sum(), t)
        results.append(g3)
    _close(*results)


def test_an_op_without_a_second_derivative_raises_naming_it():
    x = mt.randn(3, 3, dtype=mt.float64, requires_grad=True)
    y = mt.cumprod(x, 1).sum()
    g, = mt.autograd.grad(y, x, create_graph=True)  # the first derivative is exact...
    with pytest.raises(RuntimeError, match="the derivative of CumProdBackward0 is not implemented for create_graph=True"):
        g.sum().backward()  # ...differentiating it again says which op cannot


def test_gradgradcheck_signature_and_failure():
    x = mt.randn(3, dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradgradcheck(lambda t: (t * t).exp(), (x,))
    v = mt.randn(3, dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradgradcheck(lambda t: t.sin() * t, (x,), grad_outputs=(v,))

    class WrongSecond(mt.autograd.Function):  # d/dx of x^2 right (2x), its backward wrong (no graph)
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t * t

        @staticmethod
        def backward(ctx, g):
            (t,) = ctx.saved_tensors
            return g * 2 * t.detach() + 0 * t.sum()

    assert not mt.autograd.gradgradcheck(WrongSecond.apply, (x,), raise_exception=False)


@pytest.mark.parametrize("add", [False, True])
def test_scatter_has_a_second_derivative_equal_to_pytorchs(add):
    rng = np.random.default_rng(0)
    x, src, index = rng.standard_normal((2, 3)), rng.standard_normal((2, 2)), [[2, 0], [1, 2]]
    xs = mt.tensor(x, requires_grad=True)
    srcs = mt.tensor(rng.standard_normal((2, 3)), requires_grad=True)  # src larger than index: zero-padded dSrc
    big = (lambda a, s: a.scatter_add(1, mt.tensor(index), s)) if add else (lambda a, s: a.scatter(1, mt.tensor(index), s))
    assert mt.autograd.gradgradcheck(lambda a, s: big(a, s) ** 2, (xs, srcs))
    pytest.importorskip("torch")
    import torch

    results = []
    for lib in (mt, torch):
        a, s = lib.tensor(x, requires_grad=True), lib.tensor(src, requires_grad=True)
        out = a.scatter_add(1, lib.tensor(index), s) if add else a.scatter(1, lib.tensor(index), s)
        ga, gs = lib.autograd.grad((out ** 3).sum(), (a, s), create_graph=True)
        results.append(lib.autograd.grad(ga.sum() + 2 * gs.sum(), (a, s)))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)
