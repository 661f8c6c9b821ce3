"""Graph introspection and hooks, as PyTorch's: next_functions, AccumulateGrad, node names and hooks,
post-accumulate-grad hooks and the end-of-backward callback queue."""
import re

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import nn
from minitorch_cnn.nn import functional as F


def _graph_names(lib, fn):
    """fn's output graph as a nested tuple of node names (AccumulateGrad / None at the leaves)."""
    def walk(node):
        if node is None:
            return None
        if type(node).__name__ == "AccumulateGrad":
            return "AccumulateGrad"
        return (node.name(), tuple(walk(n) for n, _ in node.next_functions))

    return walk(fn(lib).grad_fn)


NAMED_GRAPHS = {  # each built the same way on both libraries; the node names must be PyTorch's
    "linear": lambda lib: lib.nn.functional.linear(lib.ones(2, 3, requires_grad=True), lib.ones(4, 3), lib.ones(4)),
    "linear, no bias": lambda lib: lib.nn.functional.linear(lib.ones(2, 3, requires_grad=True), lib.ones(4, 3)),
    "conv2d": lambda lib: lib.nn.functional.conv2d(lib.ones(1, 2, 5, 5, requires_grad=True), lib.ones(3, 2, 3, 3)),
    "max_pool2d": lambda lib: lib.nn.functional.max_pool2d(lib.ones(1, 1, 4, 4, requires_grad=True), 2),
    "avg_pool2d": lambda lib: lib.nn.functional.avg_pool2d(lib.ones(1, 1, 4, 4, requires_grad=True), 2),
    "batch_norm": lambda lib: lib.nn.functional.batch_norm(lib.ones(2, 3, 2, 2, requires_grad=True), None, None,
                                                           training=True),
    "relu, sum": lambda lib: lib.relu(lib.ones(3, requires_grad=True)).sum(),
    "mean over a dim": lambda lib: (lib.ones(2, 3, requires_grad=True) * 2).mean(1),
    "pow, sub, neg": lambda lib: -(lib.ones(3, requires_grad=True) ** 2 - 1),
    "view, permute": lambda lib: lib.ones(2, 3, requires_grad=True).view(3, 2).permute(1, 0),
    "select, slice": lambda lib: lib.ones(2, 3, requires_grad=True)[0][1:],
    "cross_entropy": lambda lib: lib.nn.functional.cross_entropy(lib.ones(2, 3, requires_grad=True),
                                                                 lib.tensor([0, 2])),
    "nll_loss": lambda lib: lib.nn.functional.nll_loss(lib.ones(2, 3, requires_grad=True), lib.tensor([0, 2])),
    "mse_loss": lambda lib: lib.nn.functional.mse_loss(lib.ones(2, 3, requires_grad=True), lib.zeros(2, 3)),
    "in-place add": lambda lib: (lambda y: y.add_(1))(lib.ones(3, requires_grad=True) * 2),
}


@pytest.mark.parametrize("name", NAMED_GRAPHS)
def test_node_names_and_structure_match_pytorch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = _graph_names(mt, NAMED_GRAPHS[name]), _graph_names(torch, NAMED_GRAPHS[name])
    if name == "mse_loss":  # the loss's top node carries PyTorch's name; below it, its composition
        assert ours[0] == theirs[0] == "MseLossBackward0"
        return
    assert ours == theirs


def test_next_functions_reach_accumulate_grad_nodes_of_the_parameters():
    model = nn.Linear(3, 2)
    out = model(mt.randn(4, 3))
    nodes = [n for n, _ in out.grad_fn.next_functions]
    assert out.grad_fn.name() == "AddmmBackward0"
    acc_bias = nodes[0]
    assert type(acc_bias).__name__ == "AccumulateGrad" and acc_bias.variable is model.bias
    assert acc_bias.name() == "torch::autograd::AccumulateGrad" and acc_bias.next_functions == ()
    assert nodes[1] is None  # the input does not require grad
    assert nodes[2].next_functions[0][0].variable is model.weight
    again = model(mt.randn(4, 3)).grad_fn.next_functions[0][0]
    assert again is acc_bias  # one AccumulateGrad per leaf, as PyTorch
    assert re.fullmatch(r"<AddmmBackward0 object at 0x[0-9a-f]+>", repr(out.grad_fn))


def test_node_metadata_and_freed_graph():
    y = (mt.ones(2, requires_grad=True) * 3).sum()
    y.grad_fn.metadata["tag"] = "loss"
    assert y.grad_fn.metadata == {"tag": "loss"}
    y.backward()
    assert y.grad_fn.next_functions == ()


def test_node_prehook_and_hook_see_and_replace_gradients():
    torch = pytest.importorskip("torch")
    seen = {}
    for lib in (mt, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        z = (y * 3).sum()
        log = []
        y.grad_fn.register_prehook(lambda go: (log.append(("pre", go[0].tolist())), (go[0] * 2,))[1])
        h = y.grad_fn.register_hook(lambda gi, go: (log.append(("post", gi[0].tolist(), go[0].tolist())), None)[1])
        z.backward()
        seen[lib.__name__] = (log, x.grad.tolist())
        h.remove()
    assert seen["minitorch_cnn"] == seen["torch"]


def test_post_accumulate_grad_hook_runs_after_accumulation():
    w = nn.Parameter(mt.ones(3))
    events = []
    handle = w.register_post_accumulate_grad_hook(lambda p: events.append(p.grad.tolist()))
    (w * 2).sum().backward()
    (w * 3).sum().backward()
    assert events == [[2.0, 2.0, 2.0], [5.0, 5.0, 5.0]]  # each time after the pass accumulated
    mt.autograd.grad((w * 4).sum(), w)  # no accumulation, no hook (as PyTorch)
    handle.remove()
    (w * 1).sum().backward()
    assert len(events) == 2
    with pytest.raises(RuntimeError, match="post accumulate grad hooks cannot be registered on non-leaf tensors"):
        (w * 2).register_post_accumulate_grad_hook(lambda p: None)


def test_post_accumulate_grad_hook_matches_pytorch_order():
    torch = pytest.importorskip("torch")
    orders = []
    for lib in (mt, torch):
        a, b = lib.ones(2, requires_grad=True), lib.ones(2, requires_grad=True)
        order = []
        a.register_post_accumulate_grad_hook(lambda p: order.append("a"))
        b.register_post_accumulate_grad_hook(lambda p: order.append("b"))
        ((a * 2) * b).sum().backward()
        orders.append(sorted(order))
    assert orders[0] == orders[1] == ["a", "b"]


def test_queue_callback_runs_once_at_the_end_of_backward():
    w1, w2 = nn.Parameter(mt.ones(2)), nn.Parameter(mt.ones(2))
    events = []

    def hook(p):
        events.append("hook")
        if len(events) == 1:
            mt.autograd.Variable._execution_engine.queue_callback(
                lambda: events.append(("callback", w1.grad is not None and w2.grad is not None)))

    w1.register_post_accumulate_grad_hook(hook)
    w2.register_post_accumulate_grad_hook(hook)
    ((w1 * 2) + (w2 * 3)).sum().backward()
    assert events == ["hook", "hook", ("callback", True)]  # after every gradient was accumulated
    with pytest.raises(RuntimeError, match="Final callbacks can only be installed during backward pass."):
        mt.autograd.queue_callback(lambda: None)


def test_queue_callback_in_pytorch_has_the_same_shape():
    torch = pytest.importorskip("torch")
    from torch.autograd import Variable

    events = []
    x = torch.ones(2, requires_grad=True)
    x.register_hook(lambda g: Variable._execution_engine.queue_callback(lambda: events.append("cb")))
    (x * 2).sum().backward()
    ours = []
    y = mt.ones(2, requires_grad=True)
    y.register_hook(lambda g: mt.autograd.Variable._execution_engine.queue_callback(lambda: ours.append("cb")))
    (y * 2).sum().backward()
    assert events == ours == ["cb"]


def test_accumulate_grad_node_hooks():
    w = nn.Parameter(mt.ones(2))
    acc = (w * 1).grad_fn.next_functions[0][0]
    calls = []
    acc.register_hook(lambda grad_inputs, grad_outputs: calls.append((grad_inputs, grad_outputs[0].tolist())))
    acc.register_prehook(lambda grad_outputs: (grad_outputs[0] * 10,))
    (w * 3).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [30.0, 30.0])
    assert calls == [((), [30.0, 30.0])]


def test_loss_nodes_carry_pytorchs_names():
    torch = pytest.importorskip("torch")
    x, t = np.random.default_rng(0).uniform(0.1, 0.9, (2, 3)), np.random.default_rng(1).uniform(0.1, 0.9, (2, 3))
    for fn in ("mse_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
               "binary_cross_entropy_with_logits"):
        if not hasattr(F, fn):
            continue
        ours = getattr(F, fn)(mt.tensor(x, requires_grad=True), mt.tensor(t)).grad_fn.name()
        theirs = getattr(torch.nn.functional, fn)(torch.tensor(x, requires_grad=True), torch.tensor(t)).grad_fn.name()
        assert ours == theirs, fn
