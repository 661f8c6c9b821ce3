"""Pointwise math (mt.sin ... mt.lerp): forward vs NumPy, gradcheck with a random cotangent (float64),
forward and gradients vs PyTorch, in-place forms, integer inputs, out= and errors."""
import math

import numpy as np
import pytest

import minitorch_cnn as mt
from core_checks import check_op, requires_torch, torch

UNARY = {  # name: (numpy reference or None, value range)
    "sin": (np.sin, (-3, 3)), "cos": (np.cos, (-3, 3)), "tan": (np.tan, (-1.2, 1.2)),
    "asin": (np.arcsin, (-0.9, 0.9)), "acos": (np.arccos, (-0.9, 0.9)), "atan": (np.arctan, (-3, 3)),
    "sinh": (np.sinh, (-2, 2)), "cosh": (np.cosh, (-2, 2)), "asinh": (np.arcsinh, (-3, 3)),
    "acosh": (np.arccosh, (1.2, 4)), "atanh": (np.arctanh, (-0.9, 0.9)), "erf": (None, (-3, 3)),
    "erfc": (None, (-3, 3)), "erfinv": (None, (-0.95, 0.95)), "expm1": (np.expm1, (-2, 2)),
    "log1p": (np.log1p, (-0.5, 3)), "log2": (np.log2, (0.2, 4)), "log10": (np.log10, (0.2, 4)),
    "exp2": (np.exp2, (-2, 2)), "reciprocal": (np.reciprocal, (0.3, 3)), "rsqrt": (lambda x: 1 / np.sqrt(x), (0.3, 3)),
    "square": (np.square, (-2, 2)), "frac": (lambda x: x - np.trunc(x), (-3, 3)),
}


@pytest.mark.parametrize("shape", [(), (2, 3)])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_math(name, shape):
    np_fn, (low, high) = UNARY[name]
    x = np.random.default_rng(abs(hash(name)) % 2**32).uniform(low, high, size=shape)
    if name == "frac":  # keep off the integers, where trunc jumps
        x = np.where(np.abs(x - np.round(x)) < 0.1, x + 0.2, x)
    check_op(getattr(mt, name), [x], np_fn, (lambda t: getattr(torch, name)(t)) if torch else None)
    # the method and the in-place method give the same numbers
    t = mt.tensor(x)
    np.testing.assert_allclose(getattr(t, name)().numpy(), getattr(mt, name)(t).numpy(), rtol=0, atol=0)
    u = t.clone()
    assert getattr(u, name + "_")() is u
    np.testing.assert_allclose(u.numpy(), getattr(mt, name)(t).numpy(), rtol=0, atol=0)


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round", "sign", "sgn"])
def test_piecewise_constant_ops_have_zero_gradient(name):
    x = mt.tensor([-1.7, -0.5, 0.2, 1.5, 2.5], dtype=mt.float64, requires_grad=True)
    y = getattr(mt, name)(x)
    y.backward(mt.ones(5, dtype=mt.float64))
    assert np.array_equal(x.grad.numpy(), np.zeros(5))
    np.testing.assert_array_equal(y.detach().numpy(), getattr(np, "sign" if name == "sgn" else name)(x.detach().numpy()))
    if torch:
        tx = torch.tensor(x.detach().numpy(), requires_grad=True)
        ty = getattr(torch, name)(tx)
        assert y.grad_fn.name() == ty.grad_fn.name()
        np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())


@requires_torch
def test_round_decimals_and_half_to_even_match_torch():
    x = np.array([0.5, 1.5, 2.5, -0.5, 1.2345, -2.71828, 123.456])
    for d in (0, 1, 2, -1):
        np.testing.assert_allclose(mt.round(mt.tensor(x), decimals=d).numpy(),
                                   torch.round(torch.tensor(x), decimals=d).numpy(), rtol=0, atol=1e-12)


def test_integer_inputs_follow_pytorch_dtypes():
    i = mt.tensor([1, 2, 3])
    assert mt.sin(i).dtype == mt.float32  # transcendental: the default float
    assert mt.floor(i).dtype == mt.int64 and mt.round(i).dtype == mt.int64 and mt.sign(i).dtype == mt.int64
    assert mt.square(i).dtype == mt.int64 and mt.remainder(i, 2).dtype == mt.int64
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        i.sin_()


BINARY = {  # name: (numpy reference, b's range)
    "atan2": (np.arctan2, (-2, 2)), "hypot": (np.hypot, (-2, 2)), "remainder": (np.remainder, (0.7, 2)),
    "fmod": (np.fmod, (0.7, 2)), "fmax": (np.fmax, (-2, 2)), "fmin": (np.fmin, (-2, 2)),
}


@pytest.mark.parametrize("shapes", [((2, 3), (2, 3)), ((2, 3), (3,)), ((1, 3), (2, 1))])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_math(name, shapes):
    np_fn, (low, high) = BINARY[name]
    rng = np.random.default_rng(7)
    a = rng.uniform(-3, 3, size=shapes[0])
    b = rng.uniform(low, high, size=shapes[1])
    if name in ("fmax", "fmin"):  # keep a and b apart (the tie is a kink)
        b = np.where(np.abs(a - b) < 0.1, b + 0.3, b)
    if name in ("remainder", "fmod"):  # keep a / b off the integers, where floor/trunc jump
        q = a / b
        a = np.where(np.abs(q - np.round(q)) < 0.05, a + 0.1 * b, a)
    check_op(getattr(mt, name), [a, b], np_fn, (lambda x, y: getattr(torch, name)(x, y)) if torch else None)


def test_remainder_and_fmod_signs_and_operators():
    a, b = mt.tensor([-7.0, 7.0, -7.0, 7.0]), mt.tensor([3.0, -3.0, -3.0, 3.0])
    assert mt.remainder(a, b).tolist() == [2.0, -2.0, -1.0, 1.0]  # takes the divisor's sign
    assert mt.fmod(a, b).tolist() == [-1.0, 1.0, -1.0, 1.0]  # takes the dividend's sign
    assert (a % 3).tolist() == [2.0, 1.0, 2.0, 1.0] and (a // 2).tolist() == [-4.0, 3.0, -4.0, 3.0]


@requires_torch
def test_fmax_fmin_nan_and_ties_match_torch():
    a = np.array([1.0, np.nan, 2.0, 3.0, np.nan])
    b = np.array([np.nan, 1.0, 2.0, 1.0, np.nan])
    for name in ("fmax", "fmin"):
        x, y = mt.tensor(a, requires_grad=True), mt.tensor(b, requires_grad=True)
        tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        out, tout = getattr(mt, name)(x, y), getattr(torch, name)(tx, ty)
        np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
        out.sum().backward()
        tout.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
        np.testing.assert_array_equal(y.grad.numpy(), ty.grad.numpy())


@pytest.mark.parametrize("weight", ["scalar", "tensor"])
def test_lerp(weight):
    rng = np.random.default_rng(3)
    a, b, w = rng.standard_normal((2, 3)), rng.standard_normal((2, 3)), rng.uniform(0, 1, (3,))
    if weight == "scalar":
        check_op(lambda x, y: mt.lerp(x, y, 0.3), [a, b], lambda x, y: x + 0.3 * (y - x),
                 (lambda x, y: torch.lerp(x, y, 0.3)) if torch else None)
    else:
        check_op(lambda x, y, z: mt.lerp(x, y, z), [a, b, w], lambda x, y, z: x + z * (y - x),
                 (lambda x, y, z: torch.lerp(x, y, z)) if torch else None)
    assert mt.tensor(a).lerp(mt.tensor(b), 0.5).shape == (2, 3)


def test_erf_family_against_torch_over_a_wide_range():
    if torch is None:
        pytest.skip("PyTorch is not installed")
    x = np.linspace(-6, 6, 1201)
    for name in ("erf", "erfc"):
        np.testing.assert_allclose(getattr(mt, name)(mt.tensor(x)).numpy(), getattr(torch, name)(torch.tensor(x)).numpy(),
                                   rtol=1e-13, atol=1e-16)
    y = np.concatenate([np.linspace(-0.999999, 0.999999, 2001), [1 - 1e-12, -1 + 1e-12]])
    np.testing.assert_allclose(mt.erfinv(mt.tensor(y)).numpy(), torch.erfinv(torch.tensor(y)).numpy(), rtol=1e-12, atol=0)
    edges = mt.erfinv(mt.tensor([1.0, -1.0, 1.5, 0.0])).tolist()
    assert edges[0] == math.inf and edges[1] == -math.inf and math.isnan(edges[2]) and edges[3] == 0.0


def test_nan_to_num_and_predicates():
    x = mt.tensor([float("nan"), float("inf"), -float("inf"), 1.5], requires_grad=True)
    y = mt.nan_to_num(x, nan=0.0, posinf=9.0)
    assert y.tolist()[:2] == [0.0, 9.0] and y.tolist()[2] == np.finfo(np.float32).min and y.tolist()[3] == 1.5
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 1.0]  # the gradient passes only where x was finite
    d = x.detach()
    assert mt.isinf(d).tolist() == [False, True, True, False]
    assert mt.isposinf(d).tolist() == [False, True, False, False] and mt.isneginf(d).tolist() == [False, False, True, False]
    assert d.isnan().tolist() == [True, False, False, False] and d.isfinite().tolist() == [False, False, False, True]


def test_logical_and_bitwise():
    a, b = mt.tensor([True, False, True]), mt.tensor([True, True, False])
    assert mt.logical_xor(a, b).tolist() == [False, True, True] and (a ^ b).tolist() == [False, True, True]
    assert a.logical_and(b).tolist() == [True, False, False] and a.logical_or(b).tolist() == [True, True, True]
    i, j = mt.tensor([12, 10]), mt.tensor([10, 6])
    assert mt.bitwise_and(i, j).tolist() == [8, 2] and mt.bitwise_or(i, j).tolist() == [14, 14]
    assert mt.bitwise_xor(i, j).tolist() == [6, 12] and mt.bitwise_not(i).tolist() == [-13, -11]
    with pytest.raises(RuntimeError, match="not implemented for 'Float'"):
        mt.bitwise_and(mt.ones(2), mt.ones(2))


def test_isclose_allclose_equal():
    a = mt.tensor([1.0, 2.0, float("nan")])
    b = mt.tensor([1.0 + 1e-9, 2.1, float("nan")])
    assert mt.isclose(a, b).tolist() == [True, False, False]
    assert mt.isclose(a, b, equal_nan=True).tolist() == [True, False, True]
    assert a[:1].allclose(b[:1]) and not mt.allclose(a, b) and mt.allclose(a, b, atol=0.2, equal_nan=True)
    assert mt.equal(a[:2], a[:2].clone()) and not mt.equal(a[:2], b[:2]) and a.numel() == mt.numel(a) == 3
    with pytest.raises(RuntimeError, match="Float did not match Double"):
        mt.isclose(a, b.double())


def test_where_overloads():
    c = mt.tensor([[True, False], [False, True]])
    x, y = mt.tensor([[1.0, 2.0], [3.0, 4.0]]), mt.zeros(2, 2)
    assert mt.where(c, x, y).tolist() == [[1.0, 0.0], [0.0, 4.0]]
    assert mt.where(c, x, 0.0).tolist() == [[1.0, 0.0], [0.0, 4.0]]
    assert mt.where(c, 1.0, 0.0).dtype == mt.float32 and mt.where(c, 1, 0).dtype == mt.int64
    rows, cols = mt.where(c)
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 1]
    assert x.where(c, -1.0).tolist() == [[1.0, -1.0], [-1.0, 4.0]]


def test_clamp_variants():
    x = mt.tensor([-2.0, 0.5, 3.0])
    assert mt.clamp_min(x, 0).tolist() == [0.0, 0.5, 3.0] and x.clamp_max(1).tolist() == [-2.0, 0.5, 1.0]
    assert mt.clip(x, -1, 1).tolist() == [-1.0, 0.5, 1.0] and x.clip(min=0).tolist() == [0.0, 0.5, 3.0]
    y = x.clone()
    y.clamp_min_(0.0)
    assert y.tolist() == [0.0, 0.5, 3.0]
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        mt.clamp(x)


def test_in_place_checks():
    w = mt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.sin_()
    x = mt.ones(3)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        x.atan2_(mt.ones(2, 3))
    assert x.exp_().tolist() == pytest.approx([math.e] * 3) and x.abs_() is x and x.neg_().tolist()[0] < 0


SECOND_ORDER = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "erf",
                "erfc", "erfinv", "expm1", "log1p", "log2", "log10", "exp2", "reciprocal", "rsqrt"]


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_derivatives(name):
    """create_graph=True: each backward is differentiable again (gradgradcheck, float64), and the
    second derivative equals PyTorch's."""
    _, (low, high) = UNARY[name]
    x = np.random.default_rng(5).uniform(low, high, size=(4,))
    t = mt.tensor(x, requires_grad=True)
    assert mt.autograd.gradgradcheck(getattr(mt, name), [t])
    if torch is not None:
        (g,) = mt.autograd.grad(getattr(mt, name)(t).sum(), t, create_graph=True)
        (gg,) = mt.autograd.grad(g.sum(), t)
        tt = torch.tensor(x, requires_grad=True)
        (tg,) = torch.autograd.grad(getattr(torch, name)(tt).sum(), tt, create_graph=True)
        tgg = torch.autograd.grad(tg.sum(), tt, allow_unused=True)[0]
        expected = np.zeros_like(x) if tgg is None else tgg.numpy()
        np.testing.assert_allclose(gg.numpy(), expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", ["atan2", "hypot", "remainder", "fmax"])
def test_second_derivatives_binary(name):
    rng = np.random.default_rng(6)
    a, b = mt.tensor(rng.uniform(-2, 2, 3) + 3, requires_grad=True), mt.tensor(rng.uniform(0.7, 2, 3), requires_grad=True)
    assert mt.autograd.gradgradcheck(getattr(mt, name), [a, b])


def test_in_place_math_on_a_graph_tensor_is_recorded():
    w = mt.tensor([0.3, -1.2, 2.0], dtype=mt.float64, requires_grad=True)
    y = w * 2
    assert y.sin_() is y and y.grad_fn is not None
    y.exp_()
    y.sum().backward()
    expected = np.exp(np.sin(2 * w.detach().numpy())) * np.cos(2 * w.detach().numpy()) * 2
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-13)
