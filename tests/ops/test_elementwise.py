"""Elementwise ops: forward vs NumPy, gradcheck, PyTorch parity, scalars, dtypes, kinks and errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
from minitorch_cnn.ops import elementwise
from core_checks import DEVICES, arrays, broadcast_pairs, check_op, requires_torch, shapes, torch

BINARY = {  # name: (minitorch, numpy, torch); the second operand is kept away from 0 for div
    "add": (lambda a, b: a + b, np.add, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, np.subtract, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, np.multiply, lambda a, b: a * b),
    "div": (lambda a, b: a / b, np.divide, lambda a, b: a / b),
    "maximum": (mt.maximum, np.maximum, lambda a, b: a.maximum(b)),
    "minimum": (mt.minimum, np.minimum, lambda a, b: a.minimum(b)),
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", sorted(BINARY))
@given(pair=broadcast_pairs(), data=st.data())
def test_binary_broadcast(name, device, pair, data):
    fn, np_fn, torch_fn = BINARY[name]
    a = data.draw(arrays(pair[0]))
    b = data.draw(arrays(pair[1], avoid=(0.0,), margin=0.5))
    if name in ("maximum", "minimum"):  # keep a and b apart: the kink is a == b
        b = np.where(np.abs(a - b) < 0.1, b + 0.3, b)
    check_op(fn, [a, b], np_fn, torch_fn, device=device)


UNARY = {  # name: (minitorch, numpy, torch, value range, kinks to avoid)
    "neg": (lambda x: -x, np.negative, lambda x: -x, (-2, 2), ()),
    "abs": (mt.abs, np.abs, lambda x: x.abs(), (-2, 2), (0.0,)),
    "exp": (mt.exp, np.exp, lambda x: x.exp(), (-2, 2), ()),
    "log": (mt.log, np.log, lambda x: x.log(), (0.2, 3), ()),
    "sqrt": (mt.sqrt, np.sqrt, lambda x: x.sqrt(), (0.2, 3), ()),
    "tanh": (mt.tanh, np.tanh, lambda x: x.tanh(), (-2, 2), ()),
    "sigmoid": (mt.sigmoid, lambda x: 1 / (1 + np.exp(-x)), lambda x: x.sigmoid(), (-4, 4), ()),
    "relu": (mt.relu, lambda x: np.maximum(x, 0), lambda x: x.relu(), (-2, 2), (0.0,)),
    "clamp": (lambda x: x.clamp(-0.5, 1.0), lambda x: np.clip(x, -0.5, 1.0), lambda x: x.clamp(-0.5, 1.0),
              (-2, 2), (-0.5, 1.0)),
    "clamp_min": (lambda x: x.clamp(min=0.3), lambda x: np.maximum(x, 0.3), lambda x: x.clamp(min=0.3), (-2, 2), (0.3,)),
    "pow_scalar": (lambda x: x ** 3, lambda x: x ** 3, lambda x: x ** 3, (-2, 2), ()),
    "pow_half": (lambda x: x ** 0.5, np.sqrt, lambda x: x ** 0.5, (0.2, 3), ()),
    "rpow": (lambda x: 2.0 ** x, lambda x: 2.0 ** x, lambda x: 2.0 ** x, (-2, 2), ()),
    "rsub": (lambda x: 1 - x, lambda x: 1 - x, lambda x: 1 - x, (-2, 2), ()),
    "rdiv": (lambda x: 3 / x, lambda x: 3 / x, lambda x: 3 / x, (0.3, 2), ()),
    "radd_mul": (lambda x: 2 * x + 1, lambda x: 2 * x + 1, lambda x: 2 * x + 1, (-2, 2), ()),
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", sorted(UNARY))
@given(shape=shapes, data=st.data())
def test_unary(name, device, shape, data):
    fn, np_fn, torch_fn, (low, high), avoid = UNARY[name]
    x = data.draw(arrays(shape, low, high, avoid=avoid))
    check_op(fn, [x], np_fn, torch_fn, device=device)


@given(pair=broadcast_pairs(), data=st.data())
def test_pow_tensor_tensor(pair, data):
    base = data.draw(arrays(pair[0], 0.3, 2.0))
    exponent = data.draw(arrays(pair[1], -2.0, 2.0))
    check_op(lambda a, b: a ** b, [base, exponent], np.power, lambda a, b: a ** b)


@given(pair=broadcast_pairs(), data=st.data())
def test_where(pair, data):
    cond = data.draw(arrays(pair[0])) > 0
    a = data.draw(arrays(pair[0]))
    b = data.draw(arrays(pair[1]))
    c = mt.tensor(cond)
    check_op(lambda x, y: mt.where(c, x, y), [a, b], lambda x, y: np.where(cond, x, y),
             lambda x, y: torch.where(torch.tensor(cond), x, y))


# ------------------------------------------------------------------ values at the kinks: PyTorch's choices
def _grad(fn, values):
    x = mt.tensor(values, dtype=mt.float64, requires_grad=True)
    fn(x).sum().backward()
    return x.grad.numpy()


def test_gradients_at_kinks_follow_pytorch():
    np.testing.assert_array_equal(_grad(mt.abs, [-1.0, 0.0, 2.0]), [-1, 0, 1])
    np.testing.assert_array_equal(_grad(mt.relu, [-1.0, 0.0, 2.0]), [0, 0, 1])
    # clamp passes the gradient at the boundary itself (lo <= x <= hi)
    np.testing.assert_array_equal(_grad(lambda x: x.clamp(0, 1), [-1.0, 0.0, 1.0, 2.0]), [0, 1, 1, 0])
    # x ** 0 has gradient 0 everywhere, also at x = 0 (not nan)
    np.testing.assert_array_equal(_grad(lambda x: x ** 0, [0.0, 2.0]), [0, 0])
    np.testing.assert_array_equal(_grad(lambda x: x ** 2, [0.0, 2.0]), [0, 4])
    # 0 ** x has gradient 0 (torch masks log(0) where the exponent is >= 0)
    np.testing.assert_array_equal(_grad(lambda x: 0.0 ** x, [0.0, 1.0]), [0, 0])


def test_maximum_ties_split_the_gradient():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([1.0, 3.0], requires_grad=True)
    mt.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.5, 0.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 1.0])


@requires_torch
def test_kink_and_special_value_gradients_match_torch():
    cases = [
        (lambda x: x ** 0.5, [0.0, 1.0, 4.0]),
        (lambda x: x ** 0, [0.0, -1.0, 2.0]),
        (lambda x: 0.0 ** x, [0.0, 1.0, 2.0]),
        (lambda x: (-2.0) ** x, [1.0, 2.0]),
        (lambda x: x.clamp(min=0.0), [-1.0, 0.0, 1.0]),
        (lambda x: x.clamp(max=0.0), [-1.0, 0.0, 1.0]),
        (lambda x: x.sigmoid(), [-800.0, 0.0, 800.0]),
        (lambda x: x.maximum(x.new_tensor([0.0, 0.0, 0.0]) if isinstance(x, mt.Tensor) else torch.zeros(3, dtype=x.dtype)),
         [-1.0, 0.0, 1.0]),
    ]
    for fn, values in cases:
        x = mt.tensor(values, dtype=mt.float64, requires_grad=True)
        xt = torch.tensor(values, dtype=torch.float64, requires_grad=True)
        with np.errstate(all="ignore"):
            y, yt = fn(x), fn(xt)
            y.sum().backward()
        yt.sum().backward()
        np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-12, equal_nan=True)
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, equal_nan=True)


# ------------------------------------------------------------------ scalars, dtypes, comparisons
def test_python_scalars_on_either_side_keep_the_tensor_dtype():
    x = mt.tensor([1.0, 2.0])
    for y in (x + 1, 1 + x, x - 1.5, 2 - x, x * 2, 2.0 * x, x / 2, 2 / x, x ** 2, 2 ** x):
        assert y.dtype == mt.float32


def test_numpy_scalars_do_not_promote():
    x = mt.tensor([1.0, 2.0])
    assert (x * np.float64(2.0)).dtype == mt.float32
    assert (np.float64(2.0) * x).dtype == mt.float32
    assert (x + np.float32(1.0)).dtype == mt.float32
    assert (mt.tensor([1.0], dtype=mt.float64) + np.float32(1.0)).dtype == mt.float64


def test_int_and_float_promotion_follow_pytorch():
    i = mt.tensor([1, 2])
    assert (i * 2).dtype == mt.int64
    assert (i * 2.5).dtype == mt.float32
    assert (i / 2).dtype == mt.float32
    assert (i + mt.tensor([0.5, 0.5])).dtype == mt.float32
    assert (mt.tensor([True]) + mt.tensor([1])).dtype == mt.int64
    np.testing.assert_array_equal((i / 2).numpy(), [0.5, 1.0])


def test_float32_with_float64_promotes_and_a_bare_function_refuses_naming_both():
    # the public ops compute in the wider dtype, as PyTorch; a Function given the pair refuses it
    assert (mt.ones(2) + mt.ones(2, dtype=mt.float64)).dtype == mt.float64
    assert (mt.ones(2, dtype=mt.float16) * mt.ones(2)).dtype == mt.float32
    with pytest.raises(RuntimeError, match=r"(?s)add.*float32.*float64"):
        elementwise.Add()(mt.ones(2), mt.ones(2, dtype=mt.float64))
    with pytest.raises(RuntimeError, match=r"(?s)mul.*float64.*float32"):
        elementwise.Mul()(mt.ones(2, dtype=mt.float64), mt.ones(2))


def test_broadcast_error_names_op_and_shapes():
    with pytest.raises(RuntimeError, match=r"add.*size of tensor a \(3\) must match the size of tensor b \(4\).*\[2, 3\]"):
        mt.ones(2, 3) + mt.ones(4)


def test_comparisons_return_bool_tensors_without_grad():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for y in (x > 2, x >= 2, x < 2, x <= 2, x == 2, x != 2, 2 < x):
        assert y.dtype == mt.bool and not y.requires_grad and y.grad_fn is None
    np.testing.assert_array_equal((x > 1.5).numpy(), [False, True, True])
    np.testing.assert_array_equal((x == mt.tensor([1.0, 0.0, 3.0])).numpy(), [True, False, True])


def test_where_with_python_scalars_uses_the_default_dtype():
    cond = mt.tensor([True, False])
    assert mt.where(cond, 1.0, 0.0).dtype == mt.float32
    assert mt.where(cond, mt.tensor([1, 2]), 0.5).dtype == mt.float32
    with pytest.raises(RuntimeError, match="where.*bool"):
        mt.where(mt.tensor([1, 0]), 1.0, 0.0)


def test_clamp_requires_a_bound():
    with pytest.raises(RuntimeError, match="clamp"):
        mt.ones(2).clamp()


NO_GRAD_OPS = {  # same spelling in both libraries; values and dtype must match torch
    "sign": lambda m, a: a.sign(), "floor": lambda m, a: a.floor(), "ceil": lambda m, a: a.ceil(),
    "round": lambda m, a: (a * 3).round(), "div_floor": lambda m, a: m.div(a, 0.3, rounding_mode="floor"),
    "div_trunc": lambda m, a: m.div(a, 0.3, rounding_mode="trunc"), "isfinite": lambda m, a: (a / 0).isfinite(),
    "and": lambda m, a: (a > 0) & (a < 1), "or": lambda m, a: (a > 1) | (a < -1), "not": lambda m, a: ~(a > 0),
    "int_pow": lambda m, a: (a * 3).long() ** 2, "int_div": lambda m, a: (a * 10).long() / 3,
    "bool_plus_int": lambda m, a: (a > 0) + 1, "float_times_int": lambda m, a: a * (a * 3).long(),
    "float_times_bool": lambda m, a: a * (a > 0), "add_alpha_scalar": lambda m, a: m.add(a, 1.0, alpha=2),
    "sub_alpha": lambda m, a: m.sub(a, a, alpha=2), "clamp_int_float_bounds": lambda m, a: (a * 3).long().clamp(-0.5, 1.5),
}


@requires_torch
@pytest.mark.parametrize("name", sorted(NO_GRAD_OPS))
def test_values_and_dtypes_match_torch(name):
    a = np.random.default_rng(0).standard_normal((3, 4))
    fn = NO_GRAD_OPS[name]
    with np.errstate(all="ignore"):
        ours = fn(mt, mt.tensor(a))
    theirs = fn(torch, torch.tensor(a))
    assert ours.dtype.name == str(theirs.dtype).split(".")[1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
