"""``memory_format``: channels_last tensors and modules (NCHW shape, NHWC strides), as PyTorch lays them out."""
import numpy as np
import pytest

import minitorch_cnn as mt
from conftest import requires_torch


def test_channels_last_strides_contiguity_and_round_trip():
    x = mt.arange(120.0).reshape(2, 3, 4, 5)
    y = x.to(memory_format=mt.channels_last)
    assert y.shape == (2, 3, 4, 5) and y.stride() == (60, 1, 15, 3)
    assert y.is_contiguous(memory_format=mt.channels_last) and not y.is_contiguous()
    assert not x.is_contiguous(memory_format=mt.channels_last) and x.is_contiguous(memory_format=mt.contiguous_format)
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    assert y.clone().is_contiguous(memory_format=mt.channels_last)  # clone preserves the layout
    z = y.contiguous()
    assert z.is_contiguous() and z.stride() == (60, 20, 5, 1)
    assert y.contiguous(memory_format=mt.channels_last) is y


def test_gradient_flows_through_a_layout_change_and_module_to():
    x = mt.randn(2, 3, 6, 6, requires_grad=True)
    conv = mt.nn.Conv2d(3, 4, 3)
    reference = conv(x)
    conv.to(memory_format=mt.channels_last)
    assert conv.weight.is_contiguous(memory_format=mt.channels_last) and conv.bias.is_contiguous()
    out = conv(x.to(memory_format=mt.channels_last))
    np.testing.assert_allclose(out.detach().numpy(), reference.detach().numpy(), rtol=1e-5, atol=1e-6)
    out.sum().backward()
    assert x.grad.shape == x.shape and conv.weight.grad.shape == conv.weight.shape


def test_channels_last_needs_four_dims():
    with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last format"):
        mt.ones(2, 3).contiguous(memory_format=mt.channels_last)
    assert not mt.ones(2, 3).is_contiguous(memory_format=mt.channels_last)


@requires_torch
def test_strides_and_contiguity_match_torch():
    import torch

    for shape in [(2, 3, 4, 5), (1, 3, 1, 1), (2, 1, 4, 4), (3, 2, 1, 5)]:
        ours = mt.ones(*shape).to(memory_format=mt.channels_last)
        theirs = torch.ones(*shape).to(memory_format=torch.channels_last)
        if 1 not in shape:  # (a size-1 dim's stride is arbitrary: NumPy and PyTorch pick different ones)
            assert ours.stride() == theirs.stride()
        for fmt, tfmt in ((mt.channels_last, torch.channels_last), (mt.contiguous_format, torch.contiguous_format)):
            assert ours.is_contiguous(memory_format=fmt) == theirs.is_contiguous(memory_format=tfmt)
            assert (mt.ones(*shape).is_contiguous(memory_format=fmt)
                    == torch.ones(*shape).is_contiguous(memory_format=tfmt))
    assert mt.ones(2, 3).t().stride() == torch.ones(2, 3).t().stride()
    assert mt.ones(3).expand(2, 3).stride() == torch.ones(3).expand(2, 3).stride()
