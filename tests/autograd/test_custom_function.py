"""PyTorch-style custom autograd Functions: Lecture 8's MyReLU runs unchanged."""
import numpy as np
import pytest

import minitorch_cnn as torch  # the lecture's code, with only the import changed


class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_y):
        (x,) = ctx.saved_tensors
        grad_input = grad_y.clone()
        grad_input[x < 0] = 0
        return grad_input


def my_relu(x):
    return MyReLU.apply(x)


def test_lecture_my_relu_gives_relu_gradients():
    x = torch.tensor([[-1.5, 2.0], [0.5, -0.25]], dtype=torch.float64, requires_grad=True)
    y = my_relu(x)
    assert y.grad_fn is not None and y.grad_fn.name() == "MyReLUBackward"
    np.testing.assert_array_equal(y.detach().numpy(), [[0.0, 2.0], [0.5, 0.0]])
    (y * torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 2.0], [3.0, 0.0]])


def test_custom_function_passes_gradcheck_and_sees_needs_input_grad():
    seen = {}

    class ScaledMul(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, scale):
            ctx.save_for_backward(a, b)
            ctx.scale = scale
            seen["needs"] = ctx.needs_input_grad
            return a * b * scale

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b * ctx.scale, g * a * ctx.scale, None

    a = torch.randn(3, 2, dtype=torch.float64, requires_grad=True)
    b = torch.randn(3, 2, dtype=torch.float64)
    ScaledMul.apply(a, b, 1.5)
    assert tuple(seen["needs"]) == (True, False, False)
    assert torch.autograd.gradcheck(lambda a: ScaledMul.apply(a, b, 1.5), (a,))


def test_custom_forward_must_return_a_tensor():
    class Bad(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return 3

    with pytest.raises(TypeError, match="Bad.forward must return a Tensor"):
        Bad.apply(torch.ones(2, requires_grad=True))
