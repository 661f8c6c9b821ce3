"""Tensor attributes, conversions and repr."""
import numpy as np
import pytest

import minitorch_cnn as mt
from core_checks import DEVICES, requires_torch


def test_attributes():
    x = mt.ones(2, 3, 4)
    assert x.shape == (2, 3, 4) and isinstance(x.shape, mt.Size) and x.size() == (2, 3, 4)
    assert x.size(1) == 3 and x.size(-1) == 4 and x.dim() == 3 and x.ndim == 3 and x.numel() == 24
    assert x.dtype == mt.float32 and x.device == mt.device("cpu") and x.device == "cpu"
    assert x.T.shape == (4, 3, 2) and mt.ones(2, 3).T.shape == (3, 2)
    assert x.grad is None and not x.requires_grad and x.is_leaf
    assert repr(x.shape) == "minitorch_cnn.Size([2, 3, 4])" and x.shape.numel() == 24
    with pytest.raises(IndexError, match=r"Dimension out of range.*\[-3, 2\].*3"):
        x.size(3)


def test_numpy_errors_follow_pytorch():
    x = mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad. "
                                           r"Use tensor.detach\(\).numpy\(\) instead."):
        x.numpy()
    assert isinstance(x.detach().numpy(), np.ndarray)


@pytest.mark.cuda
@pytest.mark.parametrize("device", DEVICES[1:])
def test_numpy_on_cuda_says_to_call_cpu(device):
    x = mt.ones(2, device=device)
    with pytest.raises(TypeError, match=r"cuda.*Use Tensor.cpu\(\)"):
        x.numpy()
    np.testing.assert_array_equal(x.cpu().numpy(), [1, 1])
    assert x.cuda() is x and x.to("cuda").device == x.device and x.is_cuda


def test_cuda_without_cupy_says_how_to_install():
    if mt.backend.cupy_available():
        pytest.skip("a GPU is present")
    with pytest.raises(RuntimeError, match="CuPy"):
        mt.ones(2).cuda()
    with pytest.raises(RuntimeError, match="cupy-cuda"):
        mt.zeros(2, device="cuda")


def test_item_tolist_and_python_conversions():
    assert mt.tensor(2.5).item() == 2.5 and isinstance(mt.tensor(2.5).item(), float)
    assert isinstance(mt.tensor(3).item(), int) and mt.tensor([[4.0]]).item() == 4.0
    assert mt.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert float(mt.tensor([1.5])) == 1.5 and int(mt.tensor(3.7)) == 3
    with pytest.raises(RuntimeError, match="2 elements cannot be converted to Scalar"):
        mt.tensor([1.0, 2.0]).item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(mt.tensor([1, 2]))
    assert len(mt.ones(3, 2)) == 3 and [t.shape for t in mt.ones(2, 3)] == [(3,), (3,)]
    assert np.asarray(mt.ones(2, requires_grad=True)).shape == (2,)


@pytest.mark.parametrize("device", DEVICES)
def test_to_and_dtype_shortcuts(device):
    x = mt.tensor([1.5, -2.0], device=device)
    assert x.to(mt.float64).dtype == mt.float64 and x.double().dtype == mt.float64
    assert x.long().dtype == mt.int64 and x.long().tolist() == [1, -2]
    assert x.float() is x and x.to(device) is x and x.to(mt.float32) is x
    assert x.bool().dtype == mt.bool and x.int().dtype == mt.int32
    assert x.to(device, mt.float64).dtype == mt.float64
    assert x.to(mt.ones(1, dtype=mt.float64)).dtype == mt.float64
    assert x.to(dtype=mt.float64, device="cpu").device == mt.device("cpu")
    assert x.cpu().device == mt.device("cpu")


def test_casts_are_differentiable():
    x = mt.ones(2, requires_grad=True)
    y = x.double()
    assert y.grad_fn is not None
    (y * 3).sum().backward()
    assert x.grad.dtype == mt.float32 and x.grad.tolist() == [3.0, 3.0]


def test_clone_detach_contiguous():
    x = mt.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    c = x.clone()
    assert c.requires_grad and c.grad_fn is not None and c._data is not x._data
    d = x.detach()
    assert not d.requires_grad and d._data is x._data
    t = x.detach().t()
    assert not t.is_contiguous() and t.contiguous().is_contiguous()
    assert x.contiguous() is x
    (x.t().contiguous() * mt.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 3], [2, 4]])


REPR_CASES = [
    lambda m: m.tensor([1.0, 2.0]),
    lambda m: m.tensor([1.5, -2.25]),
    lambda m: m.tensor([[1.5, 2.0], [3.0, 4.0]], requires_grad=True),
    lambda m: m.tensor([1.0, 2.0], dtype=m.float64),
    lambda m: m.tensor([1, -20]),
    lambda m: m.tensor([1, 2], dtype=m.int32),
    lambda m: m.tensor([True, False]),
    lambda m: m.tensor(3.0),
    lambda m: m.tensor(3.25),
    lambda m: m.tensor([1e-5, 1.0]),
    lambda m: m.tensor([1.0, 1e5]),
    lambda m: m.tensor([1.5, float("nan"), float("inf")]),
    lambda m: m.zeros(0),
    lambda m: m.zeros(0, 3),
    lambda m: m.zeros(0, dtype=m.int64),
    lambda m: m.arange(2000.0),
    lambda m: m.arange(1200).reshape(40, 30),
    lambda m: m.tensor(np.random.default_rng(0).standard_normal((3, 30)).astype(np.float32)),
    lambda m: m.tensor(np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)),
    lambda m: (m.tensor([1.0, 2.0], requires_grad=True) * 2).sum(),
]


@requires_torch
@pytest.mark.parametrize("case", range(len(REPR_CASES)))
def test_repr_matches_pytorch(case):
    import torch

    ours = repr(REPR_CASES[case](mt)).replace("minitorch_cnn.", "torch.")
    assert ours == repr(REPR_CASES[case](torch))


def test_repr_without_torch():
    assert repr(mt.tensor([1.5, 2.0])) == "tensor([1.5000, 2.0000])"
    assert repr(mt.ones(2, dtype=mt.float64, requires_grad=True)) == \
        "tensor([1., 1.], dtype=minitorch_cnn.float64, requires_grad=True)"
    assert repr((mt.ones(2, requires_grad=True) * 2).sum()) == "tensor(4., grad_fn=<SumBackward0>)"


def test_tensors_hash_by_identity_and_compare_elementwise():
    a, b = mt.ones(2), mt.ones(2)
    assert len({a, b}) == 2
    assert (a == b).tolist() == [True, True]


def test_setitem_writes_and_bumps_version():
    x = mt.zeros(3, 2)
    x[1] = 5.0
    x[mt.tensor([0, 2]), 1] = mt.tensor([7.0, 8.0])
    assert x.tolist() == [[0, 7], [5, 5], [0, 8]] and x._version[0] == 2
