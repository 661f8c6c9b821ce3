"""nn.utils: gradient clipping and parameter/vector conversion, against closed forms and torch."""
import numpy as np
import pytest
from conftest import requires_torch

import minitorch_cnn as mt
from minitorch_cnn import nn
from minitorch_cnn.nn.utils import (clip_grad_norm_, clip_grad_value_, get_total_norm, parameters_to_vector,
                                    vector_to_parameters)


def params_with_grads(grads, dtype=mt.float64, device="cpu"):
    params = []
    for g in grads:
        p = nn.Parameter(mt.zeros(*np.shape(g), dtype=dtype, device=device))
        p.grad = mt.tensor(g, dtype=dtype, device=device)
        params.append(p)
    return params


GRADS = [np.array([[3.0, -4.0], [1.0, 2.0]]), np.array([-12.0, 0.5, 0.0])]


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3, float("inf")])
@pytest.mark.parametrize("max_norm", [1.0, 1e3])
def test_clip_grad_norm_closed_form(norm_type, max_norm, device):
    params = params_with_grads(GRADS, device=device)
    flat = np.concatenate([g.ravel() for g in GRADS])
    total = np.abs(flat).max() if norm_type == float("inf") else (np.abs(flat) ** norm_type).sum() ** (1 / norm_type)
    result = clip_grad_norm_(params, max_norm, norm_type)
    np.testing.assert_allclose(result.item(), total, rtol=1e-12)
    scale = min(1.0, max_norm / (total + 1e-6))
    for p, g in zip(params, GRADS):
        np.testing.assert_allclose(p.grad.cpu()._data, g * scale, rtol=1e-12)


@requires_torch
@pytest.mark.parametrize("norm_type", [2.0, float("inf")])
def test_clip_grad_norm_matches_torch_in_float32(norm_type):
    import torch

    ours = params_with_grads(GRADS, dtype=mt.float32)
    theirs = [torch.zeros(g.shape, requires_grad=True) for g in GRADS]
    for p, g in zip(theirs, GRADS):
        p.grad = torch.tensor(g, dtype=torch.float32)
    total = clip_grad_norm_(ours, 0.5, norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, 0.5, norm_type)
    assert total.dtype == mt.float32 and total.item() == total_t.item()
    for p, p_t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad._data, p_t.grad.numpy(), rtol=1e-6)


def test_clip_grad_norm_edge_cases():
    assert clip_grad_norm_([nn.Parameter(mt.ones(2))], 1.0).item() == 0.0  # no gradients at all
    with pytest.warns(UserWarning, match="empty generator"):
        clip_grad_norm_((p for p in []), 1.0)
    p = params_with_grads([np.array([np.inf, 1.0])])
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from `parameters` is non-finite"):
        clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    single = params_with_grads([np.array([6.0, 8.0])])[0]
    assert clip_grad_norm_(single, 5.0).item() == 10.0  # a single tensor is accepted
    np.testing.assert_allclose(single.grad._data, [3.0, 4.0], rtol=1e-6)
    assert get_total_norm([mt.tensor([3.0, 4.0])]).item() == 5.0


def test_clip_grad_value(device):
    params = params_with_grads(GRADS, device=device)
    assert clip_grad_value_(params, 2.5) is None
    for p, g in zip(params, GRADS):
        np.testing.assert_array_equal(p.grad.cpu()._data, np.clip(g, -2.5, 2.5))


def test_parameters_to_vector_and_back():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = parameters_to_vector(model.parameters())
    assert vec.shape == (6 + 2 + 2 + 1,)
    np.testing.assert_array_equal(vec._data[:6], model[0].weight._data.ravel())
    vector_to_parameters(mt.arange(11, dtype=mt.float32), model.parameters())
    np.testing.assert_array_equal(model[0].weight._data, np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(model[1].bias._data, [10.0])
    with pytest.raises(TypeError, match="expected minitorch_cnn Tensor, but got: list"):
        vector_to_parameters([1.0], model.parameters())
