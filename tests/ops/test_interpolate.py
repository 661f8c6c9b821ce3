"""interpolate (nearest, bilinear) and pad (reflect, replicate, circular): references, gradcheck, parity."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from cnn_helpers import assert_gradcheck, assert_torch_parity
from conftest import requires_torch

sizes = st.one_of(
    st.fixed_dictionaries({"size": st.tuples(st.integers(1, 7), st.integers(1, 7))}),
    st.fixed_dictionaries({"scale_factor": st.sampled_from([0.5, 1.5, 2, 3, 1.7])}),
)
modes = st.sampled_from([("nearest", None), ("bilinear", False), ("bilinear", True)])


def test_nearest_upsampling_repeats_pixels():
    x = np.arange(6.0).reshape(1, 1, 2, 3)
    out = F.interpolate(mt.tensor(x), scale_factor=2).numpy()
    np.testing.assert_array_equal(out, x.repeat(2, axis=2).repeat(2, axis=3))


def test_bilinear_align_corners_keeps_the_corners_and_interpolates_linearly():
    x = np.array([[[[0.0, 3.0], [6.0, 9.0]]]])
    out = F.interpolate(mt.tensor(x), size=(3, 4), mode="bilinear", align_corners=True).numpy()[0, 0]
    np.testing.assert_allclose(out, [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]], atol=1e-12)


@requires_torch
@given(sizes, modes, st.integers(0, 2**16))
def test_interpolate_matches_torch(size, mode, seed):
    import torch.nn.functional as TF

    x = np.random.default_rng(seed).standard_normal((2, 2, 4, 5))
    kw = dict(size, mode=mode[0], align_corners=mode[1])
    assert_torch_parity(lambda x: F.interpolate(x, **kw), lambda x: TF.interpolate(x, **kw), [x])


@given(sizes, modes, st.integers(0, 2**16))
def test_interpolate_gradcheck(size, mode, seed):
    x = np.random.default_rng(seed).standard_normal((1, 2, 3, 4))
    assert_gradcheck(lambda x: F.interpolate(x, mode=mode[0], align_corners=mode[1], **size), [x])


@requires_torch
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular", "constant"])
def test_pad_modes_match_torch(mode):
    import torch.nn.functional as TF

    rng = np.random.default_rng(0)
    for pad, shape in [((2, 3, 1, 2), (2, 3, 4, 5)), ((0, 4), (3, 5)), ((3, 1, 0, 3), (3, 4, 5))]:
        x = rng.standard_normal(shape)
        assert_torch_parity(lambda x: F.pad(x, pad, mode=mode), lambda x: TF.pad(x, pad, mode=mode), [x])


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_gradcheck(mode):
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 4))
    assert_gradcheck(lambda x: F.pad(x, (2, 3, 1, 2), mode=mode), [x])


def test_interpolate_and_pad_errors():
    x = mt.randn(1, 1, 3, 3)
    with pytest.raises(ValueError, match="align_corners option can only be set with the interpolating modes"):
        F.interpolate(x, size=4, mode="nearest", align_corners=True)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x, size=4, scale_factor=2)
    with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding input dimension"):
        F.pad(x, (3, 0, 0, 0), mode="reflect")
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 4D input"):
        F.pad(x, (1, 1), mode="circular")
