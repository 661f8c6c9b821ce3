"""``t.grad = g`` checks ``g`` as PyTorch does (a Tensor or None, of ``t``'s dtype, device and size), with
PyTorch's messages; backward, optimizers and ``zero_grad`` still set gradients through it."""
import numpy as np
import pytest

import minitorch_cnn as mt
from core_checks import requires_torch, torch

# PyTorch's messages for a float32 tensor of size [2, 3], with the assigned value's part left open
NOT_A_TENSOR = "assigned grad expected to be a Tensor or None but got grad of type {}"
WRONG_SIZE = ("attempting to assign a gradient of size '{}' to a tensor of size '[2, 3]'. Please ensure that the "
              "gradient and the tensor are the same size")
WRONG_DTYPE = ("attempting to assign a gradient with dtype '{}' to a tensor with grad_dtype 'Float'. The gradient "
               "must match the tensor's grad_dtype (defaults to the tensor's dtype). You can set the tensor's "
               "grad_dtype attribute with a specific dtype, or None to allow any dtype. Set grad_dtype with caution. "
               "Diverging the dtypes of a tensor and its gradient may break downstream systems that assume they match.")

WRONG = [  # (make the value from a library, the exception, the message)
    (lambda lib: 0.0, TypeError, NOT_A_TENSOR.format("float")),
    (lambda lib: 1, TypeError, NOT_A_TENSOR.format("int")),
    (lambda lib: [1.0], TypeError, NOT_A_TENSOR.format("list")),
    (lambda lib: np.zeros((2, 3), np.float32), TypeError, NOT_A_TENSOR.format("numpy.ndarray")),
    (lambda lib: type("Foo", (), {})(), TypeError, NOT_A_TENSOR.format("Foo")),
    (lambda lib: lib.zeros(3), RuntimeError, WRONG_SIZE.format("[3]")),
    (lambda lib: lib.zeros(()), RuntimeError, WRONG_SIZE.format("[]")),
    (lambda lib: lib.zeros(2, 3, dtype=lib.float64), RuntimeError, WRONG_DTYPE.format("double")),
    (lambda lib: lib.zeros(2, 3, dtype=lib.int64), RuntimeError, WRONG_DTYPE.format("long int")),
    (lambda lib: lib.zeros(2, 3, dtype=lib.float16), RuntimeError, WRONG_DTYPE.format("c10::Half")),
    (lambda lib: lib.zeros(3, dtype=lib.bool), RuntimeError, WRONG_DTYPE.format("bool")),  # dtype before size
]


@pytest.mark.parametrize("make, error, message", WRONG)
def test_a_wrong_grad_is_refused_with_pytorchs_message(make, error, message):
    t = mt.ones(2, 3, requires_grad=True)
    with pytest.raises(error) as caught:
        t.grad = make(mt)
    assert str(caught.value) == message
    assert t.grad is None  # nothing was assigned


@requires_torch
@pytest.mark.parametrize("make, error, message", WRONG)
def test_pytorch_refuses_the_same_grads_with_the_same_messages(make, error, message):
    t = torch.ones(2, 3, requires_grad=True)
    with pytest.raises(error) as caught:
        t.grad = make(torch)
    assert str(caught.value) == message


def test_a_right_grad_none_and_del_are_accepted():
    t = mt.ones(2, 3, requires_grad=True)
    g = mt.full((2, 3), 2.0)
    t.grad = g
    assert t.grad is g
    t.grad = mt.zeros(3, 2).t()  # a view of the right size
    assert tuple(t.grad.shape) == (2, 3)
    t.grad = None
    assert t.grad is None
    t.grad = g
    del t.grad
    assert t.grad is None
    plain = mt.ones(2)  # a tensor that needs no gradient, and a non-leaf, may be given one too
    plain.grad = mt.zeros(2)
    (mt.ones(2, requires_grad=True) * 2).grad = mt.zeros(2)
    with pytest.raises(RuntimeError, match="^can't assign Variable as its own grad$"):
        t.grad = t
    with pytest.raises(TypeError, match="but got grad of type float"):  # the tutorial's `a.grad = 0.`
        mt.randn((), requires_grad=True).grad = 0.0


def test_backward_optimizers_and_zero_grad_go_through_the_checked_attribute():
    model = mt.nn.Linear(3, 2)
    opt = mt.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        model(mt.randn(4, 3)).pow(2).sum().backward()
        opt.step()
    assert model.weight.grad.shape == model.weight.shape and model.weight.grad.dtype == mt.float32
    opt.zero_grad(set_to_none=False)
    assert not model.weight.grad.numpy().any()
    model.zero_grad()
    assert model.weight.grad is None
    w = mt.ones(3, dtype=mt.float64, requires_grad=True)
    (w * w).sum().backward()
    (w * w).sum().backward()  # accumulated
    np.testing.assert_array_equal(w.grad.numpy(), [4.0, 4.0, 4.0])
    assert w.grad.dtype == mt.float64
