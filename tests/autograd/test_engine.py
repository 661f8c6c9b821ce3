"""The backward engine: accumulation, graph freeing, retain_graph, deep chains, memory, hooks, autograd.grad."""
import gc
import re
import weakref

import numpy as np
import pytest

import minitorch_cnn as mt
from core_checks import DEVICES


def test_leaves_accumulate_grad_across_backward_calls():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3 + 2, 3 + 4])
    assert x.is_leaf and (x * 3).grad_fn is not None and not (x * 3).is_leaf


def test_shared_subexpression_gradients_add_up():
    x = mt.tensor(2.0, requires_grad=True)
    y = x * x          # used twice below
    z = y * y + y      # z = x^4 + x^2, dz/dx = 4x^3 + 2x = 36
    z.backward()
    assert x.grad.item() == 36.0


def test_a_node_runs_only_after_all_its_consumers():
    # b consumes a, and the sum consumes both: a's gradient must include b's share before a runs
    x = mt.tensor(1.0, requires_grad=True)
    a = x * 2
    b = a * 3
    (a + b).backward()   # 2x + 6x
    assert x.grad.item() == 8.0
    y = mt.tensor(1.0, requires_grad=True)
    p = y * 2
    (p.exp() * p).backward()  # p feeds exp and mul; exp feeds mul: d/dy = 2 e^p p + 2 e^p
    assert y.grad.item() == pytest.approx(2 * np.exp(2) * 2 + 2 * np.exp(2), rel=1e-6)


def test_grad_arrays_are_owned_writable_and_not_shared():
    a = mt.ones(2, requires_grad=True)
    b = mt.ones(2, requires_grad=True)
    (a + b.reshape(2)).sum().backward()  # Sum's gradient is a broadcast view; Add hands it to both
    a.grad.mul_(100.0)                    # in-place on .grad, as gradient clipping does
    b.grad.zero_()
    np.testing.assert_array_equal(a.grad.numpy(), [100, 100])
    np.testing.assert_array_equal(b.grad.numpy(), [0, 0])


def test_backward_twice_raises_and_mentions_retain_graph():
    x = mt.ones(3, requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = mt.ones(3, requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * np.e * np.ones(3), rtol=1e-6)


def test_non_scalar_backward_needs_gradient():
    x = mt.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"grad can be implicitly created only for scalar outputs.*\[2, 3\]"):
        (x * 2).backward()
    (x * 2).backward(mt.full((2, 3), 0.5))
    np.testing.assert_allclose(x.grad.numpy(), np.ones((2, 3)))
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(mt.ones(3))


def test_backward_on_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mt.ones(2).sum().backward()


def test_chain_of_10000_ops_has_no_recursion_error():
    x = mt.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001 ** 10_000, rel=1e-3)


def test_graph_is_freed_after_backward_and_memory_returns():
    x = mt.randn(64, 64, requires_grad=True)
    h = (x @ x).exp()           # a big intermediate, saved by exp and by the next mul
    out = (h * h).sum()
    big_tensor, big_array = weakref.ref(h), weakref.ref(h._data)
    del h
    gc.collect()
    assert big_array() is not None  # the graph still holds it for backward
    out.backward()
    del out
    # no gc.collect(): the graph must not sit in reference cycles
    assert big_tensor() is None and big_array() is None


def test_graph_without_backward_is_freed_when_dropped():
    x = mt.randn(8, 8, requires_grad=True)
    y = (x * 2).tanh()
    ref = weakref.ref(y._data)
    del y
    assert ref() is None


def test_register_hook_sees_and_can_replace_the_gradient():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    y = x * 3
    handle = y.register_hook(lambda g: g * 10)  # on a non-leaf: replaces the gradient flowing on
    y.sum().backward()
    np.testing.assert_allclose(seen[0], [30, 30])
    np.testing.assert_allclose(x.grad.numpy(), [30, 30])
    handle.remove()
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3, 3])
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        mt.ones(2).register_hook(lambda g: g)


def test_autograd_grad_returns_gradients_without_touching_grad():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    w = mt.tensor([3.0, 4.0], requires_grad=True)
    y = (x * w).sum()
    gx, gw = mt.autograd.grad(y, [x, w])
    np.testing.assert_allclose(gx.numpy(), [3, 4])
    np.testing.assert_allclose(gw.numpy(), [1, 2])
    assert x.grad is None and w.grad is None
    h = x * 2
    (gh,) = mt.autograd.grad((h * h).sum(), h)  # gradient w.r.t. an intermediate
    np.testing.assert_allclose(gh.numpy(), [4, 8])


def test_autograd_grad_with_grad_outputs_and_unused_inputs():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    unused = mt.tensor([1.0], requires_grad=True)
    (g,) = mt.autograd.grad(x * 2, x, grad_outputs=mt.tensor([1.0, -1.0]))
    np.testing.assert_allclose(g.numpy(), [2, -2])
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        mt.autograd.grad((x * 2).sum(), [x, unused])
    gx, gu = mt.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gu is None


def test_detach_and_requires_grad_rules():
    x = mt.ones(2, requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None
    assert not (d * 3).requires_grad
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        mt.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf variables"):
        (x * 2).requires_grad = False


def test_retain_grad_keeps_an_intermediate_gradient():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [4, 8])


# ------------------------------------------------------------------ in-place ops and the version counter
def test_modifying_a_saved_tensor_raises_a_clear_error():
    w = mt.ones(3, requires_grad=True)
    x = mt.tensor([1.0, 2.0, 3.0])
    y = (w * x).sum()       # Mul saves x (for dW) and w (for dX)
    x.mul_(2)               # x changes after it was saved
    with pytest.raises(RuntimeError, match=re.escape(
            "one of the variables needed for gradient computation has been modified by an inplace operation: "
            "[minitorch_cnn.FloatTensor [3]] is at version 1; expected version 0 instead.")):
        y.backward()


def test_optimizer_style_update_of_a_saved_weight_is_detected():
    w = mt.ones(3, requires_grad=True)
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (w * x).sum()       # dX = dY * w: w is saved
    with mt.no_grad():
        w.add_(1.0)         # an optimizer step before backward
    with pytest.raises(RuntimeError, match="inplace operation"):
        y.backward()


def test_modifying_an_input_that_is_not_saved_is_fine():
    w = mt.ones(3, requires_grad=True)
    x = mt.tensor([1.0, 2.0, 3.0])
    y = (w + x).sum()       # Add saves nothing
    x.add_(1.0)
    y.backward()
    np.testing.assert_allclose(w.grad.numpy(), [1, 1, 1])


def test_inplace_ops_update_data_and_bump_the_version():
    t = mt.zeros(3)
    v0 = t._version[0]
    t.add_(mt.ones(3)).mul_(3).sub_(1, alpha=0.5)
    np.testing.assert_allclose(t.numpy(), [2.5, 2.5, 2.5])
    t.fill_(7).copy_(mt.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(t.numpy(), [1, 2, 3])
    t.zero_()
    assert t.numpy().sum() == 0 and t._version[0] == v0 + 6


def test_inplace_on_a_leaf_that_requires_grad_is_an_error_outside_no_grad():
    w = mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad.*in-place"):
        w.add_(1)
    with mt.no_grad():
        w.add_(1)
    np.testing.assert_allclose(w.detach().numpy(), [2, 2])


def test_inplace_with_a_wider_float_keeps_the_tensors_dtype():
    # as PyTorch: computed in float64, written into the float32 tensor
    x = mt.zeros(2).add_(mt.ones(2, dtype=mt.float64) / 3)
    assert x.dtype == mt.float32 and x.tolist() == [np.float32(1 / 3)] * 2
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        mt.zeros(2, dtype=mt.int64).add_(mt.ones(2))


# ------------------------------------------------------------------ devices
@pytest.mark.parametrize("device", DEVICES)
def test_backward_on_each_device(device):
    x = mt.tensor([[1.0, -2.0], [3.0, 4.0]], device=device, requires_grad=True)
    ((x @ x).relu().sum() + x.abs().mean()).backward()
    assert x.grad.device == x.device
    xn = np.array([[1.0, -2.0], [3.0, 4.0]])
    mask = (xn @ xn) > 0
    expected = mask @ xn.T + xn.T @ mask + np.sign(xn) / 4
    np.testing.assert_allclose(x.grad.cpu().numpy(), expected, rtol=1e-6)


@pytest.mark.cuda
@pytest.mark.parametrize("device", DEVICES[1:])
def test_cpu_and_cuda_mixing_is_an_error_naming_both(device):
    with pytest.raises(RuntimeError, match=r"same device.*cpu.*cuda:0"):
        mt.ones(2) + mt.ones(2, device=device)
    with pytest.raises(RuntimeError, match=r"same device"):
        mt.cat([mt.ones(2), mt.ones(2, device=device)])


def test_backward_with_inputs_only_fills_those_leaves():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    w = mt.tensor([3.0, 4.0], requires_grad=True)
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None
    np.testing.assert_allclose(w.grad.numpy(), [1, 2])


def test_backward_of_several_outputs_at_once():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y1, y2 = (x * 2).sum(), (x * x).sum()
    mt.autograd.backward([y1, y2])
    np.testing.assert_allclose(x.grad.numpy(), [2 + 2, 2 + 4])


def test_gradient_passed_to_backward_is_never_aliased_by_a_grad():
    """backward(v) does not copy v up front, so every .grad that would hold v's array holds a copy."""
    v = mt.ones(3)
    leaf = mt.randn(3, requires_grad=True)
    leaf.backward(v)  # v flows straight into the leaf
    mid_leaf = mt.randn(3, requires_grad=True)
    y = mid_leaf + 0
    y.retain_grad()
    y.backward(v)  # Add hands v on unchanged: to y.grad (retained) and to the leaf
    v._data[:] = 5.0
    y.grad._data[:] = 9.0
    np.testing.assert_array_equal(leaf.grad.numpy(), np.ones(3))
    np.testing.assert_array_equal(mid_leaf.grad.numpy(), np.ones(3))
