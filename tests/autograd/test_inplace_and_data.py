"""In-place ops on graph tensors (PyTorch's version-counter rule), ``.data``, ``detach``, the legacy API."""
import re

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import nn

LEAF_MSG = "a leaf Variable that requires grad is being used in an in-place operation."
SAVED_MSG = "one of the variables needed for gradient computation has been modified by an inplace operation: "


def _x():
    return mt.tensor([1.0, -2.0, 3.0], requires_grad=True)


# ------------------------------------------------------------------ in-place ops in the graph
def test_iadd_on_a_graph_tensor_is_recorded_like_pytorch():
    x = _x()
    y = x * 2
    y += x  # the hand-written ResNet block's `out += identity`
    assert y.grad_fn.name() == "AddBackward0" and y._version[0] == 1
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0, 3.0])


@pytest.mark.parametrize("op, expected", [
    (lambda y, x: y.mul_(x), lambda x: 4 * x),            # needs y's old value: kept, as PyTorch does
    (lambda y, x: y.pow_(2), lambda x: 8 * x),
    (lambda y, x: y.relu_(), lambda x: 2.0 * (x > 0)),
    (lambda y, x: y.clamp_(-3, 3), lambda x: 2.0 * (abs(2 * x) <= 3)),
    (lambda y, x: y.sub_(x, alpha=3), lambda x: -np.ones(3)),
    (lambda y, x: y.div_(4), lambda x: np.full(3, 0.5)),
    (lambda y, x: y.zero_(), lambda x: np.zeros(3)),
    (lambda y, x: y.fill_(7.0), lambda x: np.zeros(3)),
    (lambda y, x: y.copy_(x * x), lambda x: 2 * x),
    (lambda y, x: y.addcmul_(x, x, value=0.5), lambda x: 2 + x),
    (lambda y, x: y.lerp_(x, 0.25), lambda x: np.full(3, 1.75)),
])
def test_inplace_ops_on_graph_tensors_give_pytorchs_gradients(op, expected):
    x = _x()
    y = x * 2
    op(y, x)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected(x.detach().numpy()), rtol=1e-6)


def test_inplace_gradients_match_pytorch_in_a_chain():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (mt, torch):
        x = lib.tensor([0.5, -1.5, 2.0, -0.25], requires_grad=True)
        y = x.exp()
        z = y * 3
        z.sub_(1)
        z[1:3] = z[1:3] * 2  # a recorded slice assignment (CopySlices)
        z.mul_(x).relu_()
        (z * z).sum().backward()
        results.append(x.grad.numpy() if lib is mt else x.grad.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


def test_modifying_a_leaf_that_requires_grad_raises_at_once():
    x = _x()
    for op in (lambda: x.add_(1), lambda: x.mul_(2), lambda: x.zero_(), lambda: x.relu_(), lambda: x.__iadd__(1)):
        with pytest.raises(RuntimeError, match=re.escape(LEAF_MSG)):
            op()
    with mt.no_grad():  # the optimizer's way
        x.add_(1)
    np.testing.assert_allclose(x.detach().numpy(), [2.0, -1.0, 4.0])


def test_modifying_a_view_of_a_leaf_raises():
    x = mt.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=re.escape("a view of a leaf Variable that requires grad is being used")):
        x[0].add_(1)


def test_modifying_a_view_of_a_graph_tensor_raises_clearly():
    y = mt.ones(2, 3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"add_: in-place operation on a view \(the output of SelectBackward0\)"):
        y[0].add_(1)


def test_modifying_a_saved_output_raises_at_backward_with_pytorchs_message():
    x = _x()
    z = x.exp()  # exp saves its output
    z.add_(1)
    with pytest.raises(RuntimeError, match=re.escape(
            SAVED_MSG + "[minitorch_cnn.FloatTensor [3]], which is output 0 of Exp, is at version 1; "
            "expected version 0 instead.")):
        z.sum().backward()


def test_modifying_a_saved_input_raises_but_an_unsaved_one_does_not():
    x = _x()
    y = x * 2
    z = y * x  # mul saves y
    y.add_(1)
    with pytest.raises(RuntimeError, match=re.escape(SAVED_MSG)):
        z.sum().backward()
    x.grad = None
    y = x * 2
    s = y.sigmoid()  # sigmoid saves its output, not y
    y.add_(1)
    s.sum().backward()
    assert x.grad is not None


def test_an_operand_that_requires_grad_brings_a_plain_tensor_into_the_graph():
    x = _x()
    buf = mt.zeros(3)
    buf += x * x
    assert buf.requires_grad and not buf.is_leaf and buf.grad_fn.name() == "AddBackward0"
    buf.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -4.0, 6.0])


def test_in_place_in_a_resnet_style_block_trains():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.bn = nn.Conv2d(2, 2, 3, padding=1), nn.BatchNorm2d(2)

        def forward(self, x):
            out = self.bn(self.conv(x))
            out += x  # d2l's Y += X
            return mt.relu(out)

    block = Block()
    x = mt.randn(2, 2, 4, 4, requires_grad=True)
    block(x).sum().backward()
    assert x.grad is not None and block.conv.weight.grad is not None


# ------------------------------------------------------------------ .data and detach
def test_data_is_a_tensor_sharing_storage_without_history():
    x = _x()
    y = x * 2
    d = y.data
    assert isinstance(d, mt.Tensor) and not d.requires_grad and d.grad_fn is None
    d.mul_(10)  # changes y, unseen by autograd: .data has a version counter of its own
    np.testing.assert_allclose(y.detach().numpy(), [20.0, -40.0, 60.0])
    assert y._version[0] == 0


def test_detach_shares_storage_and_the_version_counter():
    x = _x()
    z = x.exp()
    z.detach().zero_()
    assert z._version[0] == 1
    with pytest.raises(RuntimeError, match=re.escape(SAVED_MSG)):
        z.sum().backward()


def test_assigning_data_swaps_the_storage():
    x = _x()
    x.data = mt.zeros(5, dtype=mt.float64)
    assert x.shape == (5,) and x.dtype == mt.float64 and x.requires_grad
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got int"):
        x.data = 3


def test_lecture8_nn_slide_program_matches_pytorch():
    """The CS231n Lecture 8 `nn` slide, unchanged apart from its import (and a short loop)."""
    torch = pytest.importorskip("torch")

    def run(torch, init):
        Variable = torch.autograd.Variable  # the slide's `from torch.autograd import Variable`
        N, D_in, H, D_out = 8, 10, 6, 3
        x = Variable(torch.tensor(init["x"]))
        y = Variable(torch.tensor(init["y"]), requires_grad=False)
        model = torch.nn.Sequential(torch.nn.Linear(D_in, H), torch.nn.ReLU(), torch.nn.Linear(H, D_out))
        with torch.no_grad():
            for p, v in zip(model.parameters(), init["params"]):
                p.copy_(torch.tensor(v))
        loss_fn = torch.nn.MSELoss(reduction="sum")
        learning_rate = 1e-3
        losses = []
        for t in range(5):
            y_pred = model(x)
            loss = loss_fn(y_pred, y)
            losses.append(loss.item())
            model.zero_grad()
            loss.backward()
            for param in model.parameters():
                param.data -= learning_rate * param.grad.data
        _, predicted = torch.max(y_pred.data, 1)
        return losses, predicted.tolist()

    rng = np.random.default_rng(0)
    init = {"x": rng.standard_normal((8, 10)).astype(np.float32), "y": rng.standard_normal((8, 3)).astype(np.float32),
            "params": [rng.standard_normal(s).astype(np.float32) * 0.3 for s in ((6, 10), (6,), (3, 6), (3,))]}
    ours, theirs = run(mt, init), run(torch, init)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5)
    assert ours[0][-1] < ours[0][0]
    assert ours[1] == theirs[1]


# ------------------------------------------------------------------ legacy API
def test_variable_returns_a_tensor():
    x = mt.randn(2, 3)
    v = mt.autograd.Variable(x, requires_grad=True)
    assert type(v) is mt.Tensor and v.requires_grad and v.is_leaf
    assert v.data_ptr() == x.data_ptr()  # shares storage, as PyTorch's does
    assert isinstance(x, mt.autograd.Variable)
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        mt.autograd.Variable([1.0])


def test_legacy_tensor_types():
    torch = pytest.importorskip("torch")
    for name in ("FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ByteTensor", "BoolTensor"):
        ours, theirs = getattr(mt, name), getattr(torch, name)
        a, b = ours(2, 3), theirs(2, 3)
        assert tuple(a.shape) == tuple(b.shape) and a.dtype.name == str(b.dtype).split(".")[1]
        assert isinstance(a, ours) and isinstance(a, mt.Tensor)
        assert ours([1, 0, 2]).tolist() == theirs([1, 0, 2]).tolist()
        assert a.type() == b.type().replace("torch.", "minitorch_cnn.")
    assert not isinstance(mt.zeros(2), mt.LongTensor)
    assert mt.ones(2).type(mt.LongTensor).dtype == mt.int64
    assert mt.ones(2).type("torch.DoubleTensor").dtype == mt.float64
