"""The losses as PyTorch records them: one graph node each where PyTorch has one (``MseLossBackward0``
whose ``next_functions`` hold the input's and the target's nodes), the compositions elsewhere;
values and gradients (of input and target) equal PyTorch's, second derivatives by gradgradcheck,
``huber_loss`` / ``kl_div``, and the error messages."""
import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from core_checks import requires_torch, torch

RNG = np.random.default_rng(0)
X, T, W = RNG.standard_normal((2, 4)) * 2, RNG.standard_normal((2, 4)), RNG.random((2, 4))
P, Q = RNG.uniform(0.05, 0.95, (2, 4)), RNG.random((2, 4))

# name -> (call(lib, F, x, t, reduction), x values, t values): x is a Linear's output in the graph tests
LOSSES = {
    "mse": (lambda lib, f, x, t, r: f.mse_loss(x, t, reduction=r), X, T),
    "l1": (lambda lib, f, x, t, r: f.l1_loss(x, t, reduction=r), X, T),
    "smooth_l1": (lambda lib, f, x, t, r: f.smooth_l1_loss(x, t, reduction=r, beta=0.7), X, T),
    "smooth_l1 beta 0": (lambda lib, f, x, t, r: f.smooth_l1_loss(x, t, reduction=r, beta=0.0), X, T),
    "huber": (lambda lib, f, x, t, r: f.huber_loss(x, t, reduction=r, delta=1.3), X, T),
    "bce": (lambda lib, f, x, t, r: f.binary_cross_entropy(lib.sigmoid(x), t, reduction=r), X, Q),
    "bce weight": (lambda lib, f, x, t, r: f.binary_cross_entropy(lib.sigmoid(x), t, lib.tensor(W), reduction=r),
                   X, Q),
    "bce logits": (lambda lib, f, x, t, r: f.binary_cross_entropy_with_logits(
        x, t, lib.tensor(W), reduction=r, pos_weight=lib.tensor([1.0, 2.0, 0.5, 3.0])), X, Q),
    "mse weight": (lambda lib, f, x, t, r: f.mse_loss(x, t, reduction=r, weight=lib.tensor(W)), X, T),
    "kl_div": (lambda lib, f, x, t, r: f.kl_div(f.log_softmax(x, 1), t, reduction="batchmean" if r == "mean"
                                                else r), X, Q),
    "cross_entropy": (lambda lib, f, x, t, r: f.cross_entropy(x, lib.tensor([1, 3]), reduction=r), X, T),
    "cross_entropy smoothing": (lambda lib, f, x, t, r: f.cross_entropy(x, lib.tensor([1, 3]), reduction=r,
                                                                        label_smoothing=0.1), X, T),
    "cross_entropy probabilities": (lambda lib, f, x, t, r: f.cross_entropy(x, lib.tensor(Q), reduction=r), X, Q),
}
REDUCTIONS = ["mean", "sum", "none"]


def _graph(node, depth=0):
    """The graph below ``node`` as nested (name, children) tuples, leaves as AccumulateGrad."""
    if node is None or depth > 6:
        return None
    return node.name(), tuple(_graph(n, depth + 1) for n, _ in node.next_functions)


def _loss_graph(lib, name, reduction, target_requires_grad):
    lib.manual_seed(0)
    layer = lib.nn.Linear(3, 4).double()
    call, _, t = LOSSES[name]
    target = lib.tensor(t, requires_grad=target_requires_grad)
    return _graph(call(lib, lib.nn.functional, layer(lib.ones(2, 3, dtype=lib.float64)), target, reduction).grad_fn)


def test_mse_loss_is_one_node_over_the_input_and_target_nodes():
    layer = mt.nn.Linear(3, 4)
    loss = F.mse_loss(layer(mt.randn(2, 3)), mt.randn(2, 4))
    assert loss.grad_fn.name() == "MseLossBackward0"
    (first, _), (second, _) = loss.grad_fn.next_functions
    assert first.name() == "AddmmBackward0" and second is None  # the target needs no gradient
    target = mt.randn(2, 4, requires_grad=True)
    nodes = F.mse_loss(layer(mt.randn(2, 3)), target, reduction="none").grad_fn.next_functions
    assert nodes[1][0].variable is target
    with pytest.warns(UserWarning, match="Using a target size"):
        broadcast = F.mse_loss(layer(mt.randn(2, 3)), mt.randn(4, requires_grad=True))
    assert broadcast.grad_fn.next_functions[1][0].name() == "ExpandBackward0"  # the target, expanded
    assert F.mse_loss(mt.ones(2), mt.tensor([1, 3])).dtype == mt.float32  # an integer target counts as floats
    for fn, node in [(F.smooth_l1_loss, "SmoothL1LossBackward0"), (F.huber_loss, "HuberLossBackward0")]:
        assert fn(layer(mt.randn(2, 3)), mt.randn(2, 4)).grad_fn.name() == node


@requires_torch
@pytest.mark.parametrize("name", LOSSES)
def test_loss_graphs_match_pytorch(name):
    for reduction in REDUCTIONS:
        for target_grad in ([False, True] if LOSSES[name][2] is not Q or "bce" in name else [False]):
            if "cross_entropy" in name and target_grad:
                continue
            ours = _loss_graph(mt, name, reduction, target_grad)
            theirs = _loss_graph(torch, name, reduction, target_grad)
            assert ours == theirs, (name, reduction, target_grad)


@requires_torch
@pytest.mark.parametrize("name", LOSSES)
def test_loss_values_and_gradients_match_pytorch(name):
    call, x, t = LOSSES[name]
    for reduction in REDUCTIONS:
        outs = []
        for lib in (mt, torch):
            xs, ts = lib.tensor(x, requires_grad=True), lib.tensor(t, requires_grad="cross_entropy" not in name)
            out = call(lib, lib.nn.functional, xs, ts, reduction)
            out.backward(lib.ones_like(out) * 0.7)
            outs.append([out.detach().numpy(), xs.grad.numpy(), None if ts.grad is None else ts.grad.numpy()])
        for ours, theirs in zip(*outs):
            if theirs is not None:
                np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12, err_msg=f"{name} {reduction}")


@pytest.mark.parametrize("name", [n for n in LOSSES if "weight" not in n and n != "l1"])
def test_loss_second_derivatives_gradgradcheck(name):
    call, x, t = LOSSES[name]
    x = x + 0.05  # (away from the kinks of |d| at the finite differences' steps)
    for reduction in ("mean", "none"):
        inputs = [mt.tensor(x, requires_grad=True), mt.tensor(t, requires_grad="cross_entropy" not in name)]
        fn = lambda a, b: call(mt, F, a, b, reduction)  # noqa: E731
        assert mt.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-6, rtol=1e-4)
        assert mt.autograd.gradgradcheck(fn, inputs, eps=1e-6, atol=1e-6, rtol=1e-4)


def test_float32_losses_keep_the_dtype_and_match_the_definition():
    x, t = mt.tensor(X, dtype=mt.float32, requires_grad=True), mt.tensor(T, dtype=mt.float32)
    d = X - T
    huber = F.huber_loss(x, t, delta=1.3, reduction="none")
    np.testing.assert_allclose(huber.detach().numpy(),
                               np.where(abs(d) < 1.3, 0.5 * d * d, 1.3 * (abs(d) - 0.65)), rtol=1e-6)
    loss = F.mse_loss(x, t)
    assert loss.dtype == mt.float32 and loss.shape == ()
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * d / d.size, rtol=1e-6)
    np.testing.assert_allclose(mt.nn.HuberLoss(delta=1.3)(x, t).item(), huber.mean().item(), rtol=1e-6)
    assert mt.nn.HuberLoss().delta == 1.0 and mt.nn.HuberLoss().reduction == "mean"
    logp, q = F.log_softmax(x, 1), mt.tensor(Q / Q.sum(1, keepdims=True), dtype=mt.float32)
    kl = mt.nn.KLDivLoss(reduction="batchmean", log_target=True)(logp, q.log())
    np.testing.assert_allclose(kl.item(), F.kl_div(logp, q, reduction="sum").item() / 2, rtol=1e-5)


def test_loss_errors_are_pytorchs():
    x = mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^huber_loss does not support non-positive values for delta\.$"):
        F.huber_loss(x, x, delta=0.0)
    with pytest.raises(RuntimeError, match=r"^smooth_l1_loss does not support negative values for beta\.$"):
        F.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.raises(ValueError, match=r"^Weights and input must have the same size\.$"):
        F.mse_loss(x, x, weight=mt.ones(3))
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(2\) must match the size of tensor b \(3\) at "
                                           r"non-singleton dimension 0"), pytest.warns(UserWarning):
        F.mse_loss(x, mt.ones(3))
    with pytest.warns(UserWarning, match="Using a target size") as caught:
        F.mse_loss(mt.ones(2, 3), mt.ones(3))
    assert caught[0].filename == __file__  # the warning points at the caller's line
    probability = mt.full((2,), 0.5)
    with pytest.raises(RuntimeError, match=r"^The function 'binary_cross_entropy' is not differentiable with respect "
                                           r"to argument 'weight'\. This input cannot have requires_grad True\.$"):
        F.binary_cross_entropy(probability, probability, weight=mt.ones(2, requires_grad=True))
    with pytest.raises(RuntimeError, match="'binary_cross_entropy_with_logits' is not differentiable with respect to "
                                           "argument 'pos_weight'"):
        F.binary_cross_entropy_with_logits(x, probability, pos_weight=mt.ones(2, requires_grad=True))
    with pytest.raises(ValueError, match=r"foo is not a valid value for reduction"):
        F.kl_div(x, x, reduction="foo")
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(x, x)


def test_broadcast_tensors_returns_a_tensor_already_of_the_shape_itself():
    a, b = mt.ones(2, 3, requires_grad=True) * 1, mt.ones(3, requires_grad=True)
    x, y = mt.broadcast_tensors(a, b)
    assert x is a and y.grad_fn.name() == "ExpandBackward0" and tuple(y.shape) == (2, 3)
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(2\) must match the size of tensor b \(3\)"):
        mt.broadcast_tensors(mt.ones(2), mt.ones(3))
