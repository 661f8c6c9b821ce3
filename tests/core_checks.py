"""Shared test tools for the core ops: hypothesis strategies and ``check_op``.

``check_op`` is the spec of a differentiable op in one call: its forward equals
a NumPy reference, its gradient passes ``mt.autograd.gradcheck`` (random
cotangent, float64), and, where torch is importable, forward and gradients
equal PyTorch's to 1e-10.
"""
import numpy as np
from hypothesis import strategies as st

import minitorch_cnn as mt
from conftest import DEVICES, HAS_TORCH, requires_torch  # noqa: F401  (re-exported for the test files)

if HAS_TORCH:  # the reference: torch_fn lambdas in the tests only run when it is importable
    import torch
else:
    torch = None

# ------------------------------------------------------------------ shapes
#: 0-d to 3-d shapes with size-1 dims; small, so finite differences stay cheap.
shapes = st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple)
#: at least one dim (for ops that need an axis).
nonscalar_shapes = st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple)


@st.composite
def broadcast_pairs(draw):
    """Two shapes that broadcast: the second drops leading dims and/or sets some dims to 1."""
    full = draw(shapes)
    n_keep = draw(st.integers(0, len(full)))
    other = tuple(1 if draw(st.booleans()) else s for s in full[len(full) - n_keep:])
    return (full, other) if draw(st.booleans()) else (other, full)


@st.composite
def arrays(draw, shape, low=-2.0, high=2.0, avoid=(), margin=0.1):
    """float64 array of ``shape`` in [low, high] with no value within ``margin`` of a point in ``avoid``.

    Values come from a seeded generator (hypothesis picks the seed): almost surely
    no ties, and ``avoid`` keeps them off kinks (0 for abs/relu, bounds for clamp).
    """
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.uniform(low, high, size=shape)
    for point in avoid:
        near = np.abs(x - point) < margin
        x = np.where(near, point + np.where(x >= point, margin, -margin), x)
    return x


# ------------------------------------------------------------------ the op check
def _torch_parity(torch_fn, arrays_in, out, grads, cotangent, atol):
    tin = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays_in]
    tout = torch_fn(*tin)
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=0, atol=atol, err_msg="forward differs from torch")
    tgrads = torch.autograd.grad(tout, tin, torch.tensor(cotangent), allow_unused=True)
    for i, (g, tg) in enumerate(zip(grads, tgrads)):
        expected = np.zeros_like(arrays_in[i]) if tg is None else tg.numpy()
        np.testing.assert_allclose(g, expected, rtol=0, atol=atol, err_msg=f"gradient of input {i} differs from torch")


def check_op(fn, arrays_in, numpy_fn=None, torch_fn=None, device="cpu", atol=1e-10):
    """Forward vs NumPy, gradcheck, and forward + gradients vs PyTorch (float64).

    ``fn`` takes minitorch tensors, ``numpy_fn`` NumPy arrays, ``torch_fn`` torch tensors.
    """
    inputs = [mt.tensor(a, dtype=mt.float64, device=device, requires_grad=True) for a in arrays_in]
    out = fn(*inputs)
    assert out.dtype == mt.float64 and out.device == mt.device(device)
    out_np = out.detach().cpu().numpy()
    if numpy_fn is not None:
        expected = np.asarray(numpy_fn(*arrays_in))
        assert out_np.shape == expected.shape, (out_np.shape, expected.shape)
        np.testing.assert_allclose(out_np, expected, rtol=1e-12, atol=1e-12)
    assert mt.autograd.gradcheck(fn, inputs)
    if torch_fn is not None and HAS_TORCH:
        cotangent = np.random.default_rng(1).standard_normal(out_np.shape)
        grads = mt.autograd.grad(out, inputs, mt.tensor(cotangent, device=device), allow_unused=True)
        grads = [np.zeros_like(a) if g is None else g.cpu().numpy() for a, g in zip(arrays_in, grads)]
        _torch_parity(torch_fn, arrays_in, out_np, grads, cotangent, atol)
    return out
