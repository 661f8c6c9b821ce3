"""Pooling: naive-loop references, PyTorch's output-size rules, finite differences, parity, errors."""
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from cnn_helpers import assert_gradcheck, assert_torch_parity
from conftest import requires_torch
from minitorch_cnn.ops.im2col import pool_out_size
from minitorch_cnn.ops.pool import adaptive_bins


def windows(x, kernel, stride, padding, dilation, ceil_mode):
    """Yield (oh, ow, rows, cols): the input positions (inside the image) of each window, plus its full size."""
    h, w = x.shape[2:]
    oh = pool_out_size(h, kernel[0], stride[0], padding[0], dilation[0], ceil_mode)
    ow = pool_out_size(w, kernel[1], stride[1], padding[1], dilation[1], ceil_mode)
    for i in range(oh):
        for j in range(ow):
            rows = [i * stride[0] - padding[0] + a * dilation[0] for a in range(kernel[0])]
            cols = [j * stride[1] - padding[1] + b * dilation[1] for b in range(kernel[1])]
            yield i, j, [r for r in rows if 0 <= r < h], [c for c in cols if 0 <= c < w], (oh, ow)


def naive_max_pool(x, kernel, stride, padding, dilation, ceil_mode):
    shape = next(windows(x, kernel, stride, padding, dilation, ceil_mode))[4]
    out, idx = np.zeros(x.shape[:2] + shape), np.zeros(x.shape[:2] + shape, dtype=np.int64)
    for i, j, rows, cols, _ in windows(x, kernel, stride, padding, dilation, ceil_mode):
        for n in range(x.shape[0]):
            for c in range(x.shape[1]):
                best = max(((x[n, c, r, q], r * x.shape[3] + q) for r in rows for q in cols), key=lambda t: t[0])
                out[n, c, i, j], idx[n, c, i, j] = best
    return out, idx


def naive_avg_pool(x, kernel, stride, padding, ceil_mode, count_include_pad):
    h, w = x.shape[2:]
    shape = next(windows(x, kernel, stride, padding, (1, 1), ceil_mode))[4]
    out = np.zeros(x.shape[:2] + shape)
    for i, j, rows, cols, _ in windows(x, kernel, stride, padding, (1, 1), ceil_mode):
        r0, c0 = i * stride[0] - padding[0], j * stride[1] - padding[1]
        # PyTorch: the window clipped to the padded input counts padding; else only the real pixels
        full = (min(r0 + kernel[0], h + padding[0]) - r0) * (min(c0 + kernel[1], w + padding[1]) - c0)
        out[:, :, i, j] = x[:, :, rows][:, :, :, cols].sum(axis=(2, 3)) / (
            full if count_include_pad else len(rows) * len(cols))
    return out


@st.composite
def pool_configs(draw, dilation=True):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dil = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilation else (1, 1)
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)  # PyTorch's bound (dilated windows too)
    ceil_mode = draw(st.booleans())
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    assume(pool_out_size(h, kernel[0], stride[0], padding[0], dil[0], ceil_mode) >= 1)
    assume(pool_out_size(w, kernel[1], stride[1], padding[1], dil[1], ceil_mode) >= 1)
    x = np.random.default_rng(draw(st.integers(0, 2**16))).permutation(2 * 2 * h * w).reshape(2, 2, h, w) / 7.0
    # a dilated window can fall entirely in the padding; PyTorch then reports an index outside the
    # input (and its backward writes out of bounds), so those configurations are left out
    assume(all(rows and cols for _, _, rows, cols, _ in windows(x, kernel, stride, padding, dil, ceil_mode)))
    return x, dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dil, ceil_mode=ceil_mode)


def test_ceil_mode_drops_a_window_starting_in_the_right_padding():
    assert pool_out_size(5, 2, 2, 0, 1, ceil_mode=True) == 3
    assert pool_out_size(5, 2, 2, 0, 1, ceil_mode=False) == 2
    # ceil((5 + 2 - 3) / 3) + 1 = 3, but window 2 would start at 6 - 1 = 5 >= 5: only padding
    assert pool_out_size(5, 3, 3, 1, 1, ceil_mode=True) == 2


@given(pool_configs())
def test_max_pool_matches_naive_loops_with_indices(cfg):
    """Distinct values (a permutation), so the argmax is unique."""
    x, kw = cfg
    out, idx = F.max_pool2d(mt.tensor(x), return_indices=True, **kw)
    ref, ref_idx = naive_max_pool(x, kw["kernel_size"], kw["stride"], kw["padding"], kw["dilation"], kw["ceil_mode"])
    np.testing.assert_array_equal(out.numpy(), ref)
    np.testing.assert_array_equal(idx.numpy(), ref_idx)
    assert idx.dtype == mt.int64


@given(pool_configs(dilation=False), st.booleans())
def test_avg_pool_matches_naive_loops(cfg, count_include_pad):
    x, kw = cfg
    del kw["dilation"]
    out = F.avg_pool2d(mt.tensor(x), count_include_pad=count_include_pad, **kw)
    ref = naive_avg_pool(x, kw["kernel_size"], kw["stride"], kw["padding"], kw["ceil_mode"], count_include_pad)
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-12)


@given(pool_configs())
def test_max_pool_gradcheck(cfg):
    x, kw = cfg
    assert_gradcheck(lambda x: F.max_pool2d(x, **kw), [x])


@given(pool_configs(dilation=False), st.booleans())
def test_avg_pool_gradcheck(cfg, count_include_pad):
    x, kw = cfg
    del kw["dilation"]
    assert_gradcheck(lambda x: F.avg_pool2d(x, count_include_pad=count_include_pad, **kw), [x])


@requires_torch
@given(pool_configs())
def test_max_pool_matches_torch(cfg):
    import torch.nn.functional as TF

    x, kw = cfg
    assert_torch_parity(lambda x: F.max_pool2d(x, return_indices=True, **kw),
                        lambda x: TF.max_pool2d(x, return_indices=True, **kw), [x])


@requires_torch
@given(pool_configs(dilation=False), st.booleans())
def test_avg_pool_matches_torch(cfg, count_include_pad):
    import torch.nn.functional as TF

    x, kw = cfg
    del kw["dilation"]
    for divisor in (None, 3):
        args = dict(kw, count_include_pad=count_include_pad, divisor_override=divisor)
        assert_torch_parity(lambda x: F.avg_pool2d(x, **args), lambda x: TF.avg_pool2d(x, **args), [x])


@st.composite
def adaptive_configs(draw):
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    out = (draw(st.integers(1, 8)), draw(st.integers(1, 8)))
    x = np.random.default_rng(draw(st.integers(0, 2**16))).permutation(2 * h * w).reshape(1, 2, h, w) / 5.0
    return x, out


def test_adaptive_bins_overlap_like_pytorch():
    """Bin i = [floor(i*H/out), ceil((i+1)*H/out)): 5 -> 3 gives [0,2), [1,4), [3,5)."""
    assert adaptive_bins(5, 3) == ([0, 1, 3], [2, 4, 5])


@given(adaptive_configs())
def test_adaptive_pools_match_naive_bins(cfg):
    x, (oh, ow) = cfg
    (rs, re), (cs, ce) = adaptive_bins(x.shape[2], oh), adaptive_bins(x.shape[3], ow)
    ref_avg = np.array([[x[:, :, rs[i]:re[i], cs[j]:ce[j]].mean(axis=(2, 3)) for j in range(ow)] for i in range(oh)])
    ref_max = np.array([[x[:, :, rs[i]:re[i], cs[j]:ce[j]].max(axis=(2, 3)) for j in range(ow)] for i in range(oh)])
    np.testing.assert_allclose(F.adaptive_avg_pool2d(mt.tensor(x), (oh, ow)).numpy(),
                               ref_avg.transpose(2, 3, 0, 1), atol=1e-12)
    np.testing.assert_array_equal(F.adaptive_max_pool2d(mt.tensor(x), (oh, ow)).numpy(), ref_max.transpose(2, 3, 0, 1))


@given(adaptive_configs())
def test_adaptive_pools_gradcheck(cfg):
    x, out = cfg
    assert_gradcheck(lambda x: F.adaptive_avg_pool2d(x, out), [x])
    assert_gradcheck(lambda x: F.adaptive_max_pool2d(x, out), [x])


@requires_torch
@given(adaptive_configs())
def test_adaptive_pools_match_torch(cfg):
    import torch.nn.functional as TF

    x, out = cfg
    assert_torch_parity(lambda x: F.adaptive_avg_pool2d(x, out), lambda x: TF.adaptive_avg_pool2d(x, out), [x])
    assert_torch_parity(lambda x: F.adaptive_max_pool2d(x, out, True),
                        lambda x: TF.adaptive_max_pool2d(x, out, True), [x])


def test_pools_unbatched_float32_and_device(device):
    x = mt.randn(3, 6, 6, device=device, requires_grad=True)
    for out in (F.max_pool2d(x, 2), F.avg_pool2d(x, 2), F.adaptive_avg_pool2d(x, (3, None)),
                F.adaptive_max_pool2d(x, 3)):
        assert out.shape == (3, 3, 3) or out.shape == (3, 3, 6)
        assert out.dtype == mt.float32
        out.sum().backward()
    assert x.grad.dtype == mt.float32


def test_max_pool_padding_reads_as_minus_infinity():
    x = -mt.ones(1, 1, 2, 2) * 5
    assert F.max_pool2d(x, 3, stride=1, padding=1).numpy().max() == -5


def test_pool_errors():
    x = mt.randn(1, 1, 5, 5)
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size, but got pad=2, "
                                           "kernel_size=3"):
        F.max_pool2d(x, 3, padding=2)
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        F.avg_pool2d(x, 3, padding=2)
    with pytest.raises(RuntimeError, match=r"Calculated output size: \(1x0x0\). Output size is too small"):
        F.max_pool2d(mt.randn(1, 1, 1, 1), 2)
    with pytest.raises(RuntimeError, match="stride should not be zero"):
        F.max_pool2d(x, 2, stride=0)
    with pytest.raises(RuntimeError, match="non-empty 3D or 4D"):  # (PyTorch's words for max_pool2d)
        F.max_pool2d(mt.randn(5, 5), 2)
    assert math.isfinite(F.avg_pool2d(x, 2, divisor_override=3).sum().item())


@requires_torch
def test_max_pool_ties_and_nan_pick_the_same_index_as_torch():
    """Ties: the first maximum in scan order; NaN: propagates, the last NaN's index; -inf only: first inside."""
    import torch
    import torch.nn.functional as TF

    x = np.random.default_rng(0).integers(0, 3, (2, 3, 7, 7)).astype(np.float64)
    x[0, 0, 2, 2] = x[1, 2, 0, 1] = x[1, 2, 1, 1] = np.nan
    x[1, 1, :3, :3] = -np.inf
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)):
        out, idx = F.max_pool2d(mt.tensor(x), return_indices=True, **kw)
        ref, ref_idx = TF.max_pool2d(torch.tensor(x), return_indices=True, **kw)
        np.testing.assert_array_equal(out.numpy(), ref.numpy())
        np.testing.assert_array_equal(idx.numpy(), ref_idx.numpy())


def test_max_pool_indices_without_grad_and_backward_frees_buffers():
    x = mt.randn(1, 2, 4, 4)
    with mt.no_grad():
        _, idx = F.max_pool2d(x, 2, return_indices=True)
    assert idx.shape == (1, 2, 2, 2)
    x.requires_grad_()
    out = F.max_pool2d(x, 2)
    out.sum().backward()
    assert out.grad_fn.saved_tensors == ()  # the padded input is not kept alive by a finished graph
