"""Loss modules: reductions, the legacy size_average/reduce mapping and warning, values and gradients vs torch."""
import itertools
import warnings

import numpy as np
import pytest
from conftest import requires_torch
from nn_helpers import numpy_of

import minitorch_cnn as mt
from minitorch_cnn import nn

LOSSES = ["MSELoss", "L1Loss", "SmoothL1Loss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss"]
LEGACY = [(s, r) for s, r in itertools.product([None, True, False], repeat=2) if (s, r) != (None, None)]
# the closed form of PyTorch's torch.nn._reduction.legacy_get_string (None counts as True)
EXPECTED = {(True, True): "mean", (True, False): "none", (False, True): "sum", (False, False): "none"}


def _as_bools(size_average, reduce):
    return (True if size_average is None else size_average, True if reduce is None else reduce)


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("size_average, reduce", LEGACY)
def test_legacy_arguments_map_to_reduction_with_a_warning(name, size_average, reduce):
    expected = EXPECTED[_as_bools(size_average, reduce)]
    with pytest.warns(UserWarning) as record:
        loss = getattr(nn, name)(size_average=size_average, reduce=reduce)
    assert loss.reduction == expected
    assert str(record[0].message) == (
        f"size_average and reduce args will be deprecated, please use reduction='{expected}' instead.")


@requires_torch
@pytest.mark.parametrize("size_average, reduce", LEGACY)
def test_legacy_mapping_equals_torch(size_average, reduce):
    import torch

    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        reduction = nn.MSELoss(size_average=size_average, reduce=reduce).reduction
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        assert reduction == torch.nn.MSELoss(size_average=size_average, reduce=reduce).reduction
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]


def test_lecture_mse_loss_size_average_false_sums():
    with pytest.warns(UserWarning, match="reduction='sum'"):
        loss_fn = nn.MSELoss(size_average=False)
    y_pred, y = mt.tensor([[1.0, 2.0], [3.0, 4.0]]), mt.zeros(2, 2)
    assert loss_fn(y_pred, y).item() == 30.0


def test_no_warning_without_legacy_arguments():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert nn.L1Loss().reduction == "mean" and nn.L1Loss(reduction="none").reduction == "none"


def test_weights_are_buffers():
    w = mt.tensor([1.0, 2.0, 3.0])
    loss = nn.CrossEntropyLoss(weight=w)
    assert list(loss.state_dict()) == ["weight"] and loss.weight is w
    assert list(nn.BCEWithLogitsLoss(pos_weight=w).state_dict()) == ["pos_weight"]
    assert list(nn.NLLLoss().state_dict()) == []
    assert loss.double().weight.dtype == mt.float64
    assert repr(loss) == "CrossEntropyLoss()"


def _cases():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((4, 3))
    targets = np.array([0, 2, 1, 2])
    probs = 1 / (1 + np.exp(-rng.standard_normal((4, 3))))
    real = rng.standard_normal((4, 3))
    weight = np.array([0.5, 1.0, 2.0])
    return [
        ("MSELoss", {}, logits, real),
        ("L1Loss", {}, logits, real),
        ("SmoothL1Loss", {"beta": 0.5}, logits, real),
        ("CrossEntropyLoss", {}, logits, targets),
        ("CrossEntropyLoss", {"weight": weight, "ignore_index": 1, "label_smoothing": 0.1}, logits, targets),
        ("CrossEntropyLoss", {}, rng.standard_normal((2, 3, 2, 2)), rng.integers(0, 3, (2, 2, 2))),
        ("NLLLoss", {"weight": weight}, logits, targets),
        ("BCELoss", {"weight": weight}, probs, rng.random((4, 3))),
        ("BCEWithLogitsLoss", {"weight": weight, "pos_weight": weight[::-1].copy()}, logits, rng.random((4, 3))),
    ]


@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", range(len(_cases())))
def test_values_and_gradients_match_torch(case, reduction):
    import torch

    name, kwargs, x, target = _cases()[case]
    ours = getattr(nn, name)(reduction=reduction, **{k: mt.tensor(v) if isinstance(v, np.ndarray) else v
                                                     for k, v in kwargs.items()})
    theirs = getattr(torch.nn, name)(reduction=reduction, **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                                                             for k, v in kwargs.items()})
    x_mt, x_t = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_mt, out_t = ours(x_mt, mt.tensor(target)), theirs(x_t, torch.tensor(target))
    np.testing.assert_allclose(out_mt.data, numpy_of(out_t), rtol=1e-10, atol=1e-12)
    cotangent = np.random.default_rng(1).standard_normal(tuple(out_t.shape))
    out_mt.backward(mt.tensor(cotangent))
    out_t.backward(torch.tensor(cotangent))
    np.testing.assert_allclose(x_mt.grad.data, numpy_of(x_t.grad), rtol=1e-10, atol=1e-12)
