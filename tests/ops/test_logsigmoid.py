"""F.logsigmoid / nn.LogSigmoid: one ``LogSigmoidBackward0`` node, gradcheck and gradgradcheck (float64),
PyTorch parity of values, first and second derivatives, at large |x| (±100, ±1e4) and at ±inf and NaN."""
import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from cnn_helpers import assert_gradcheck, assert_torch_parity, leaves
from conftest import requires_torch

X = np.random.default_rng(0).uniform(-8, 8, (3, 4))
EXTREME = [-1e4, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 1e4, np.inf, -np.inf, np.nan]


def _reference(x, order=0):
    """log sigmoid(x) (order 0), its derivative sigmoid(-x) (1) or second derivative -sigmoid(x) sigmoid(-x)
    (2), in 400-digit decimals (enough for exp(-700)), rounded to float64."""
    from decimal import Decimal, localcontext

    def one(v):
        s = 1 / (1 + (-v).exp())  # sigmoid(v)
        return [s.ln(), 1 - s, -s * (1 - s)][order]

    with localcontext() as ctx:
        ctx.prec = 400
        return np.array([float(one(Decimal(float(v)))) for v in x.ravel()]).reshape(x.shape)


def test_one_node_named_like_torch_and_the_module():
    x = mt.tensor(X, requires_grad=True)
    y = F.logsigmoid(x)
    assert y.grad_fn.name() == "LogSigmoidBackward0"
    assert y.grad_fn.next_functions[0][0].name() == "torch::autograd::AccumulateGrad"  # one node, then the leaf
    module = mt.nn.LogSigmoid()
    assert repr(module) == "LogSigmoid()" and module(x).grad_fn.name() == "LogSigmoidBackward0"
    assert np.array_equal(module(x).detach().numpy(), y.detach().numpy())


def test_values_exact_and_stable_for_any_x():
    x = np.array([-1e4, -100.0, -30.0, -1.0, -1e-8, 0.0, 1e-8, 1.0, 30.0, 100.0, 700.0, 1e4])
    out = F.logsigmoid(mt.tensor(x)).numpy()
    np.testing.assert_allclose(out, _reference(x), rtol=1e-15, atol=0)
    assert out[0] == -1e4 and out[-1] == 0.0


def test_gradient_is_sigmoid_of_minus_x_and_finite_everywhere():
    values = np.array([-1e4, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 700.0, 1e4])
    x = mt.tensor(values, requires_grad=True)
    F.logsigmoid(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), _reference(values, 1), rtol=1e-15, atol=0)
    x = mt.tensor([np.inf, -np.inf], requires_grad=True)
    F.logsigmoid(x).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0]


def test_gradcheck_and_gradgradcheck():
    assert_gradcheck(F.logsigmoid, [X])
    (x,) = leaves([X])
    assert mt.autograd.gradgradcheck(F.logsigmoid, [x], atol=1e-6, rtol=1e-4)


def test_second_derivative_exact_even_at_large_x():
    """d2/dx2 log sigmoid(x) = -sigmoid(x) sigmoid(-x), recorded with create_graph=True; its tiny values at
    |x| = 30, 100, 700 are kept (not rounded to 0)."""
    values = np.concatenate([X.ravel(), [-700.0, -100.0, -30.0, 30.0, 100.0, 700.0]])
    x = mt.tensor(values, requires_grad=True)
    (g,) = mt.autograd.grad(F.logsigmoid(x).sum(), x, create_graph=True)
    assert g.grad_fn.name() == "LogSigmoidBackwardBackward0"
    (gg,) = mt.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), _reference(values, 2), rtol=1e-14, atol=0)
    assert (gg.numpy() < 0).all()


def test_float32_and_float16_keep_their_dtype():
    x = mt.tensor(X, dtype=mt.float32)
    assert F.logsigmoid(x).dtype == mt.float32
    np.testing.assert_allclose(F.logsigmoid(x).numpy(), _reference(X.astype(np.float32)), rtol=3e-7, atol=1e-7)
    h = F.logsigmoid(mt.tensor(X, dtype=mt.float16))
    assert h.dtype == mt.float16  # computed in float32, then rounded once
    assert np.array_equal(h.numpy(), _reference(X.astype(np.float16)).astype(np.float32).astype(np.float16))


@requires_torch
def test_half_matches_torch_bit_for_bit():
    """Half precision: forward in float32 rounded once; backward from exp(-|x|) rounded to half (PyTorch's
    saved buffer), then float32."""
    import torch

    x = np.concatenate([np.linspace(-12, 12, 97), [-1e4, -100.0, 100.0, 1e4, np.inf, -np.inf]]).astype(np.float16)
    ours, theirs = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = F.logsigmoid(ours), torch.nn.functional.logsigmoid(theirs)
    out.backward(mt.ones_like(out) * 0.75)
    ref.backward(torch.ones_like(ref) * 0.75)
    assert np.array_equal(out.detach().numpy(), ref.detach().numpy())
    assert ours.grad.dtype == mt.float16 and np.array_equal(ours.grad.numpy(), theirs.grad.numpy())


def test_integer_input_is_refused_like_torch():
    with pytest.raises(NotImplementedError, match='"log_sigmoid_cpu" not implemented for \'Long\''):
        F.logsigmoid(mt.tensor([1, 2]))


@requires_torch
def test_matches_torch_values_and_gradients():
    import torch

    assert_torch_parity(F.logsigmoid, torch.nn.functional.logsigmoid, [X], tol=1e-14)


@requires_torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_matches_torch_at_large_x_inf_and_nan(dtype):
    import torch

    x = np.array(EXTREME, dtype=dtype)
    ours, theirs = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = F.logsigmoid(ours), torch.nn.functional.logsigmoid(theirs)
    out.sum().backward()
    ref.sum().backward()
    # float32: PyTorch's vectorised exp differs in the last bits (and in subnormals at |x| = 100)
    tol = dict(rtol=1e-15, atol=0) if dtype == "float64" else dict(rtol=3e-7, atol=1e-43)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **tol)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), **tol)
    assert np.isnan(out.detach().numpy()[-1]) and np.isnan(ours.grad.numpy()[-1])


@requires_torch
def test_second_derivative_matches_torch_and_is_exact_where_torchs_rounds():
    import torch

    x = np.array(EXTREME[:-1] + [0.5, -3.0])
    ours, theirs = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (g,) = mt.autograd.grad(F.logsigmoid(ours).sum(), ours, create_graph=True)
    (tg,) = torch.autograd.grad(torch.nn.functional.logsigmoid(theirs).sum(), theirs, create_graph=True)
    assert tg.grad_fn.name() == g.grad_fn.name() == "LogSigmoidBackwardBackward0"
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-15, atol=0)
    (gg,) = mt.autograd.grad((g * g).sum(), ours)
    (tgg,) = torch.autograd.grad((tg * tg).sum(), theirs)
    gg, tgg = gg.numpy(), tgg.numpy()
    # PyTorch's double backward, (sigmoid(x) - 1) sigmoid(x), loses its digits for large x > 0
    # (1e-3 off at x = 30, 0 at x = 100); ours, sigmoid(x) sigmoid(-x), keeps them
    large = (x == 30.0) | (x == 100.0)
    np.testing.assert_allclose(gg[~large], tgg[~large], rtol=1e-13, atol=0)
    exact = 2 * _reference(x, 1) * _reference(x, 2)
    np.testing.assert_allclose(gg, exact, rtol=1e-14, atol=0)
    assert (np.abs(gg - exact) < np.abs(tgg - exact))[large].all()
