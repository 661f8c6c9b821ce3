"""Recurrent layers: outputs and every gradient equal PyTorch's (float64, weights copied from a torch model),
finite differences, PyTorch's parameter names, initial values, reprs and error messages."""
import math

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import nn

LAYERS = [  # (class, constructor keywords) with input_size 3, hidden_size 4
    ("RNN", {}), ("RNN", dict(nonlinearity="relu", bias=False)),
    ("RNN", dict(num_layers=2, bidirectional=True, batch_first=True)),
    ("LSTM", {}), ("LSTM", dict(num_layers=2, batch_first=True)), ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("LSTM", dict(proj_size=2, bidirectional=True)), ("LSTM", dict(bias=False, batch_first=True)),
    ("GRU", {}), ("GRU", dict(num_layers=2, bidirectional=True, batch_first=True)), ("GRU", dict(bias=False)),
]


def _torch():
    return pytest.importorskip("torch")


def _pair(torch, cls, *args, **kwargs):
    """A float64 torch layer and a minitorch_cnn layer holding the same weights (the torch layer's)."""
    torch.manual_seed(0)
    theirs = getattr(torch.nn, cls)(*args, **kwargs).double()
    ours = getattr(nn, cls)(*args, **kwargs).double()
    ours.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def _leaves(torch, arrays):
    return ([mt.tensor(a, requires_grad=True) for a in arrays], [torch.tensor(a, requires_grad=True) for a in arrays])


def _flat(result):
    """The tensors of (output, h_n) / (output, (h_n, c_n)) / h' / (h', c'), in order."""
    if isinstance(result, (tuple, list)):
        return [t for part in result for t in _flat(part)]
    return [result]


def _assert_same(ours, theirs, ours_leaves, theirs_leaves):
    """Equal outputs, then equal gradients of every leaf and parameter for a loss weighting each output."""
    outs, touts = _flat(ours), _flat(theirs)
    assert len(outs) == len(touts)
    rng = np.random.default_rng(1)
    weights = [rng.standard_normal(tuple(t.shape)) for t in touts]
    for o, t in zip(outs, touts):
        assert tuple(o.shape) == tuple(t.shape)
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)
    sum(o.mul(mt.tensor(w)).sum() for o, w in zip(outs, weights)).backward()
    sum((t * t.new_tensor(w)).sum() for t, w in zip(touts, weights)).backward()
    for a, b in zip(ours_leaves, theirs_leaves):
        if b.grad is None:
            assert a.grad is None
        else:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("with_h0", [False, True], ids=["no_h0", "h0"])
@pytest.mark.parametrize("cls,kwargs", LAYERS, ids=[f"{c}-{'-'.join(f'{k}={v}' for k, v in kw.items())}"
                                                     for c, kw in LAYERS])
def test_layer_outputs_and_gradients_match_torch(cls, kwargs, with_h0):
    torch = _torch()
    ours, theirs = _pair(torch, cls, 3, 4, **kwargs)
    rng = np.random.default_rng(0)
    seq, batch = 5, 2
    d = (2 if kwargs.get("bidirectional") else 1) * kwargs.get("num_layers", 1)
    shape = (batch, seq, 3) if kwargs.get("batch_first") else (seq, batch, 3)
    arrays = [rng.standard_normal(shape)]
    if with_h0:
        arrays.append(rng.standard_normal((d, batch, kwargs.get("proj_size") or 4)))
        if cls == "LSTM":
            arrays.append(rng.standard_normal((d, batch, 4)))
    mine, yours = _leaves(torch, arrays)
    hx = None if not with_h0 else (tuple(mine[1:]) if cls == "LSTM" else mine[1])
    thx = None if not with_h0 else (tuple(yours[1:]) if cls == "LSTM" else yours[1])
    _assert_same(ours(mine[0], hx), theirs(yours[0], thx), mine + list(ours.parameters()),
                 yours + list(theirs.parameters()))


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched_2d_input_matches_torch(cls, batch_first):
    torch = _torch()
    ours, theirs = _pair(torch, cls, 3, 4, num_layers=2, bidirectional=True, batch_first=batch_first)
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((5, 3)), rng.standard_normal((4, 4))] + ([rng.standard_normal((4, 4))]
                                                                           if cls == "LSTM" else [])
    mine, yours = _leaves(torch, arrays)
    hx, thx = (tuple(mine[1:]), tuple(yours[1:])) if cls == "LSTM" else (mine[1], yours[1])
    _assert_same(ours(mine[0], hx), theirs(yours[0], thx), mine + list(ours.parameters()),
                 yours + list(theirs.parameters()))


@pytest.mark.parametrize("cls,kwargs", [("RNNCell", {}), ("RNNCell", dict(nonlinearity="relu", bias=False)),
                                        ("LSTMCell", {}), ("LSTMCell", dict(bias=False)), ("GRUCell", {}),
                                        ("GRUCell", dict(bias=False))])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_hx", [False, True])
def test_cells_match_torch(cls, kwargs, batched, with_hx):
    torch = _torch()
    ours, theirs = _pair(torch, cls, 3, 4, **kwargs)
    rng = np.random.default_rng(3)
    lead = (2,) if batched else ()
    arrays = [rng.standard_normal(lead + (3,))]
    if with_hx:
        arrays += [rng.standard_normal(lead + (4,)) for _ in range(2 if cls == "LSTMCell" else 1)]
    mine, yours = _leaves(torch, arrays)
    hx = None if not with_hx else (tuple(mine[1:]) if cls == "LSTMCell" else mine[1])
    thx = None if not with_hx else (tuple(yours[1:]) if cls == "LSTMCell" else yours[1])
    _assert_same(ours(mine[0], hx), theirs(yours[0], thx), mine + list(ours.parameters()),
                 yours + list(theirs.parameters()))


def test_double_backward_of_a_gru_matches_torch():
    torch = _torch()
    ours, theirs = _pair(torch, "GRU", 3, 4, bidirectional=True)
    x = np.random.default_rng(4).standard_normal((3, 2, 3))
    (xm,), (xt,) = _leaves(torch, [x])
    gm, = mt.autograd.grad(ours(xm)[0].pow(2).sum(), xm, create_graph=True)
    gt, = torch.autograd.grad(theirs(xt)[0].pow(2).sum(), xt, create_graph=True)
    gm.pow(2).sum().backward()
    gt.pow(2).sum().backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.weight_hh_l0.grad.numpy(), theirs.weight_hh_l0.grad.numpy(), rtol=1e-9,
                               atol=1e-12)


def test_lstm_gradcheck_float64():
    mt.manual_seed(0)
    lstm = nn.LSTM(2, 3, num_layers=2, bidirectional=True).double()
    x = mt.randn(3, 2, 2, dtype=mt.float64, requires_grad=True)
    h0 = mt.randn(4, 2, 3, dtype=mt.float64, requires_grad=True)
    c0 = mt.randn(4, 2, 3, dtype=mt.float64, requires_grad=True)
    w = lstm.weight_hh_l1_reverse

    def run(x, h0, c0, w):
        out, (h, c) = lstm(x, (h0, c0))
        return out, h, c
    assert mt.autograd.gradcheck(run, (x, h0, c0, w))


def test_state_dict_keys_and_shapes_match_torch():
    torch = _torch()
    for cls, kwargs in LAYERS + [("RNNCell", {}), ("LSTMCell", dict(bias=False)), ("GRUCell", {})]:
        ours, theirs = getattr(nn, cls)(3, 4, **kwargs), getattr(torch.nn, cls)(3, 4, **kwargs)
        assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
               [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
        assert repr(ours) == repr(theirs)


def test_parameter_names_and_all_weights():
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2)
    names = [n for n, _ in lstm.named_parameters()]
    assert names[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0"]
    assert names[5:10] == [n + "_reverse" for n in names[:5]]
    assert names[10] == "weight_ih_l1" and tuple(lstm.weight_ih_l1.shape) == (16, 4)  # 2 directions * proj_size
    assert [[tuple(w.shape) for w in ws] for ws in lstm.all_weights][0] == [(16, 3), (16, 2), (16,), (16,), (2, 4)]
    assert lstm.all_weights[3][0] is lstm.weight_ih_l1_reverse
    assert lstm.flatten_parameters() is None
    gru = nn.GRUCell(3, 5, bias=False)
    assert [n for n, _ in gru.named_parameters()] == ["weight_ih", "weight_hh"] and gru.bias_ih is None


@pytest.mark.parametrize("expr", ["nn.LSTM(6, 25, 2, bidirectional=True)", "nn.GRU(6, 25)", "nn.RNN(6, 25)",
                                  "nn.LSTMCell(6, 25)", "nn.GRUCell(6, 25)", "nn.RNNCell(6, 25)"])
def test_parameters_start_uniform_in_one_over_sqrt_hidden(expr):
    mt.manual_seed(0)
    layer = eval(expr, {"nn": nn})
    values = np.concatenate([p.detach().numpy().ravel() for p in layer.parameters()])
    bound = 1 / math.sqrt(25)
    assert values.min() >= -bound and values.max() <= bound
    assert values.min() < -0.9 * bound and values.max() > 0.9 * bound  # spread over the whole interval
    assert abs(values.mean()) < 0.1 * bound


def test_dropout_one_zeroes_the_upper_layers_input_in_training_only():
    mt.manual_seed(0)
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=1.0).double()
    x = mt.randn(4, 2, 3, dtype=mt.float64)
    train_out, (h, _) = lstm(x)
    with mt.no_grad():
        lstm.weight_ih_l1.zero_()  # a zero input to layer 1 and zero weights on it act alike
    lstm.eval()
    eval_out, (h_eval, _) = lstm(x)
    np.testing.assert_allclose(train_out.detach().numpy(), eval_out.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(h.detach().numpy(), h_eval.detach().numpy(), rtol=1e-12)


def test_model_dtype_change_is_seen_by_forward():
    rnn = nn.GRU(3, 4).double()
    out, h = rnn(mt.randn(2, 1, 3, dtype=mt.float64))
    assert out.dtype == mt.float64 and tuple(h.shape) == (1, 1, 4)


def _message(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value).__name__, str(info.value)


def _x(*shape):
    return mt.randn(*shape)


BAD_CALLS = [  # (call, exception type, PyTorch's message)
    (lambda: nn.LSTM(3, 4, 2)(_x(5, 2, 6)), "RuntimeError",
     "input.size(-1) must be equal to input_size. Expected 3, got 6"),
    (lambda: nn.LSTM(3, 4)(_x(5, 2, 3, 1)), "ValueError", "LSTM: Expected input to be 2D or 3D, got 4D instead"),
    (lambda: nn.GRU(3, 4)(_x(5, 2, 3, 1)), "ValueError", "GRU: Expected input to be 2D or 3D, got 4D instead"),
    (lambda: nn.RNN(3, 4)(_x(5, 2, 3, 1)), "ValueError",
     "RNN: Expected input to be 2D or 3D, got 4D tensor instead"),
    (lambda: nn.LSTM(3, 4, 2)(_x(5, 2, 3), (_x(2, 3, 4), _x(2, 2, 4))), "RuntimeError",
     "Expected hidden[0] size (2, 2, 4), got [2, 3, 4]"),
    (lambda: nn.LSTM(3, 4, 2)(_x(5, 2, 3), (_x(2, 2, 4), _x(1, 2, 4))), "RuntimeError",
     "Expected hidden[1] size (2, 2, 4), got [1, 2, 4]"),
    (lambda: nn.LSTM(3, 4, 2)(_x(5, 2, 3), (_x(2, 4), _x(2, 2, 4))), "RuntimeError",
     "For batched 3-D input, hx and cx should also be 3-D but got (2-D, 3-D) tensors"),
    (lambda: nn.LSTM(3, 4, 2)(_x(5, 3), (_x(2, 2, 4), _x(2, 2, 4))), "RuntimeError",
     "For unbatched 2-D input, hx and cx should also be 2-D but got (3-D, 3-D) tensors"),
    (lambda: nn.RNN(3, 4)(_x(5, 2, 3), _x(2, 2, 4)), "RuntimeError", "Expected hidden size (1, 2, 4), got [2, 2, 4]"),
    (lambda: nn.RNN(3, 4)(_x(5, 2, 3), _x(2, 4)), "RuntimeError",
     "For batched 3-D input, hx should also be 3-D but got 2-D tensor"),
    (lambda: nn.GRU(3, 4)(_x(5, 3), _x(1, 1, 4)), "RuntimeError",
     "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"),
    (lambda: nn.GRU(3, 4, batch_first=True)(_x(2, 0, 3)), "RuntimeError",
     "Expected sequence length to be larger than 0 in RNN"),
    (lambda: nn.LSTM(3, 4)(_x(5, 2, 3).double()), "ValueError",
     "RNN input dtype (minitorch_cnn.float64) does not match weight dtype (minitorch_cnn.float32). Convert input: "
     "input.to(minitorch_cnn.float32), or convert model: model.to(minitorch_cnn.float64)"),
    (lambda: nn.LSTMCell(3, 4)(_x(2, 5)), "RuntimeError", "input has inconsistent input_size: got 5 expected 3"),
    (lambda: nn.LSTMCell(3, 4)(_x(2, 3), (_x(3, 4), _x(3, 4))), "RuntimeError",
     "Input batch size 2 doesn't match hidden0 batch size 3"),
    (lambda: nn.LSTMCell(3, 4)(_x(2, 3), (_x(2, 4), _x(2, 5))), "RuntimeError",
     "hidden1 has inconsistent hidden_size: got 5, expected 4"),
    (lambda: nn.LSTMCell(3, 4)(_x(2, 3), (_x(2, 4),)), "RuntimeError", "lstm_cell expects two hidden states"),
    (lambda: nn.LSTMCell(3, 4)(_x(2, 3), (_x(2, 4, 1), _x(2, 4))), "ValueError",
     "LSTMCell: Expected hx[0] to be 1D or 2D, got 3D instead"),
    (lambda: nn.GRUCell(3, 4)(_x(2, 3), _x(2, 5)), "RuntimeError",
     "hidden0 has inconsistent hidden_size: got 5, expected 4"),
    (lambda: nn.GRUCell(3, 4)(_x(2, 3), _x(2, 4, 1)), "ValueError",
     "GRUCell: Expected hidden to be 1D or 2D, got 3D instead"),
    (lambda: nn.RNNCell(3, 4)(_x(2, 3, 3)), "ValueError", "RNNCell: Expected input to be 1D or 2D, got 3D instead"),
    (lambda: nn.RNNCell(3, 4)(_x(3), _x(2, 4)), "RuntimeError",
     "hidden0 has inconsistent hidden_size: got 2, expected 4"),
    (lambda: nn.RNNCell(3, 4, nonlinearity="foo")(_x(2, 3)), "RuntimeError", "Unknown nonlinearity: foo"),
    (lambda: nn.RNN(3, 4, nonlinearity="foo"), "ValueError", "Unknown nonlinearity 'foo'. Select from 'tanh' or 'relu'."),
    (lambda: nn.GRU(3, 4, proj_size=2), "ValueError", "proj_size argument is only supported for LSTM, not RNN or GRU"),
    (lambda: nn.LSTM(3, 4, proj_size=4), "ValueError", "proj_size has to be smaller than hidden_size"),
    (lambda: nn.LSTM(3, 4, dropout=2), "ValueError",
     "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"),
    (lambda: nn.LSTM(3, 4, num_layers=0), "ValueError", "num_layers must be greater than zero"),
    (lambda: nn.LSTM(3.0, 4), "TypeError", "input_size should be of type int, got: float"),
    (lambda: nn.LSTM(3, 4, bias=1), "TypeError", "bias should be of type bool, got: int"),
]


@pytest.mark.parametrize("call,kind,message", BAD_CALLS, ids=[m[:40] for _, _, m in BAD_CALLS])
def test_bad_input_raises_torchs_error(call, kind, message):
    assert _message(call) == (kind, message)


def test_dropout_with_one_layer_warns_as_torch():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1, but got "
                                         "dropout=0.5 and num_layers=1"):
        nn.LSTM(3, 4, dropout=0.5)
