"""gradcheck itself: passes correct gradients, fails loudly (input, index, both values) on wrong ones."""
import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn.autograd import Function, GradcheckError, gradcheck


class WrongSquare(Function):
    """y = x^2 with a deliberately wrong backward (3x instead of 2x)."""

    def forward(self, x):
        self.save_for_backward(x)
        return x * x

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * 3 * x


class ScaledMul(Function):
    """y = a * b with a wrong gradient for the second input only."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b

    def backward(self, g):
        a, b = self.saved_tensors
        return g * b, g * a * 1.5


def _x(*shape):
    return mt.tensor(np.random.default_rng(0).uniform(0.5, 2.0, shape), dtype=mt.float64, requires_grad=True)


def test_gradcheck_passes_a_correct_function():
    assert gradcheck(lambda x, y: (x * y).exp(), [_x(2, 3), _x(3)])
    assert gradcheck(lambda x: x.softmax(-1), [_x(2, 4)])


def test_gradcheck_reports_input_index_and_both_values():
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: ScaledMul()(a, b), [_x(2), _x(2)])
    msg = str(info.value)
    assert "input 1" in msg and "index (0,)" in msg and "numerical" in msg and "analytical" in msg
    numerical, analytical = (float(v) for v in
                             msg.replace(",", " ").split("numerical ")[1].split(" vs analytical "))
    assert analytical == pytest.approx(1.5 * numerical, rel=1e-4)


def test_gradcheck_can_return_false_instead_of_raising():
    assert gradcheck(lambda x: WrongSquare()(x), [_x(3)], raise_exception=False) is False


def test_fast_mode_passes_correct_and_catches_wrong_gradients():
    assert gradcheck(lambda x: (x @ x.T).tanh(), [_x(5, 4)], fast_mode=True)
    with pytest.raises(GradcheckError, match="fast mode.*input 0.*numerical.*analytical"):
        gradcheck(lambda x: WrongSquare()(x), [_x(5, 4)], fast_mode=True)


def test_gradcheck_uses_a_random_cotangent_not_a_sum():
    # softmax's gradient against sum() is exactly zero, so a sum-based check would pass a zero gradient
    class ZeroGradSoftmax(Function):
        def forward(self, x):
            e = np.exp(x - x.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)

        def backward(self, g):
            return np.zeros_like(g)

    with pytest.raises(GradcheckError):
        gradcheck(lambda x: ZeroGradSoftmax()(x), [_x(2, 3)])


def test_gradcheck_demands_float64_and_a_grad_input():
    with pytest.raises(GradcheckError, match="float64"):
        gradcheck(lambda x: x * 2, [mt.ones(2, requires_grad=True)])
    with pytest.raises(ValueError, match="requires grad"):
        gradcheck(lambda x: x * 2, [mt.ones(2, dtype=mt.float64)])


def test_gradcheck_leaves_inputs_unchanged():
    x = _x(2, 2)
    before = x.detach().numpy().copy()
    gradcheck(lambda t: t.exp(), [x])
    np.testing.assert_array_equal(x.detach().numpy(), before)
