"""Shared checks for the CNN op tests: float64 gradcheck and PyTorch parity in one call each."""
import numpy as np

import minitorch_cnn as mt
from conftest import HAS_TORCH


def leaves(arrays, device="cpu"):
    """float64 leaf tensors that require grad, one per NumPy array."""
    return [mt.tensor(a, dtype=mt.float64, device=device, requires_grad=True) for a in arrays]


def assert_gradcheck(fn, arrays, device="cpu", **kwargs):
    """Finite differences (random cotangent) agree with backward for every input of ``fn``."""
    assert mt.autograd.gradcheck(fn, leaves(arrays, device), eps=1e-6, atol=1e-6, rtol=1e-4, **kwargs)


def assert_torch_parity(fn, torch_fn, arrays, tol=1e-10, grad=True):
    """Outputs (every returned tensor) and the input gradients of a random cotangent equal PyTorch's to ``tol``."""
    if not HAS_TORCH:
        return
    import torch

    ours = leaves(arrays)
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out, ref = fn(*ours), torch_fn(*theirs)
    outs = out if isinstance(out, tuple) else (out,)
    refs = ref if isinstance(ref, tuple) else (ref,)
    for o, r in zip(outs, refs):
        assert tuple(o.shape) == tuple(r.shape)
        np.testing.assert_allclose(o.detach().numpy(), r.detach().numpy(), rtol=0, atol=tol)
    if not grad:
        return
    v = np.random.default_rng(1).standard_normal(refs[0].shape)
    outs[0].backward(mt.tensor(v, dtype=mt.float64))
    refs[0].backward(torch.tensor(v))
    for a, b in zip(ours, theirs):
        expected = np.zeros(a.shape) if b.grad is None else b.grad.numpy()
        got = np.zeros(a.shape) if a.grad is None else a.grad.numpy()
        np.testing.assert_allclose(got, expected, rtol=0, atol=tol)
