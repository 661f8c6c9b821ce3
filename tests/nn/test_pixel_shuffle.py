"""pixel_shuffle / pixel_unshuffle and nn.PixelShuffle / PixelUnshuffle: the index rule, PyTorch parity
(values and gradients, float64), inverse of each other, any leading dims, PyTorch's errors word for word."""
import numpy as np
import pytest
from conftest import requires_torch

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import nn

rng = np.random.default_rng(0)


def test_the_index_rule():
    """out[n, c, h r + i, w r + j] = in[n, c r^2 + i r + j, h, w]."""
    r, x = 3, rng.standard_normal((2, 2 * 9, 2, 4))
    out = F.pixel_shuffle(mt.tensor(x), r).numpy()
    assert out.shape == (2, 2, 6, 12)
    n, c, h, w, i, j = np.meshgrid(*map(np.arange, (2, 2, 2, 4, 3, 3)), indexing="ij")
    np.testing.assert_array_equal(out[n, c, h * r + i, w * r + j], x[n, c * r * r + i * r + j, h, w])


@pytest.mark.parametrize("shape, r", [((2, 8, 3, 2), 2), ((18, 1, 2), 3), ((2, 1, 4, 2, 3), 2), ((0, 4, 1, 1), 2)])
def test_unshuffle_inverts_shuffle_for_any_leading_dims(shape, r):
    x = mt.tensor(rng.standard_normal(shape))
    y = F.pixel_shuffle(x, r)
    assert y.shape == (*shape[:-3], shape[-3] // (r * r), shape[-2] * r, shape[-1] * r)
    np.testing.assert_array_equal(F.pixel_unshuffle(y, r).numpy(), x.numpy())
    np.testing.assert_array_equal(F.pixel_shuffle(x, 1).numpy(), x.numpy())


@requires_torch
@pytest.mark.parametrize("shape, r", [((2, 8, 3, 2), 2), ((9, 2, 1), 3), ((2, 1, 4, 2, 3), 2)])
def test_values_and_gradients_match_torch(shape, r):
    import torch
    import torch.nn.functional as TF

    shuffled = rng.standard_normal(shape)
    unshuffled = rng.standard_normal((*shape[:-3], 2, 2 * r, 3 * r))  # height and width divisible by r
    for ours_fn, theirs_fn, arg in ((F.pixel_shuffle, TF.pixel_shuffle, shuffled),
                                    (F.pixel_unshuffle, TF.pixel_unshuffle, unshuffled)):
        ours, theirs = mt.tensor(arg, requires_grad=True), torch.tensor(arg, requires_grad=True)
        out, ref = ours_fn(ours, r), theirs_fn(theirs, r)
        np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
        v = rng.standard_normal(ref.shape)
        out.backward(mt.tensor(v))
        ref.backward(torch.tensor(v))
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def test_gradcheck_and_gradgradcheck():
    x = mt.tensor(rng.standard_normal((1, 8, 2, 1)), requires_grad=True)
    f = lambda x: F.pixel_unshuffle(F.pixel_shuffle(x, 2) ** 2, 2)  # noqa: E731
    assert mt.autograd.gradcheck(f, [x])
    assert mt.autograd.gradgradcheck(f, [x])


@requires_torch
def test_modules_match_torch():
    import torch

    for expr, shape in [("nn.PixelShuffle(3)", (2, 18, 2, 3)), ("nn.PixelUnshuffle(2)", (2, 3, 4, 6))]:
        ours, theirs = eval(expr, {"nn": nn}), eval(expr, {"nn": torch.nn})
        assert repr(ours) == repr(theirs)
        x = rng.standard_normal(shape)
        np.testing.assert_array_equal(ours(mt.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy())
    assert mt.pixel_shuffle is F.pixel_shuffle and mt.pixel_unshuffle is F.pixel_unshuffle


ERRORS = [
    ("pixel_shuffle", (1, 5, 2, 2), 2), ("pixel_shuffle", (5, 2), 2), ("pixel_shuffle", (5, 2), 0),
    ("pixel_shuffle", (1, 4, 2, 2), 0), ("pixel_shuffle", (1, 4, 2, 2), -1), ("pixel_shuffle", (1, 4, 2, 2), 2.0),
    ("pixel_unshuffle", (1, 1, 3, 4), 2), ("pixel_unshuffle", (1, 1, 4, 3), 2), ("pixel_unshuffle", (4, 3), 2),
    ("pixel_unshuffle", (1, 1, 4, 4), 0), ("pixel_unshuffle", (1, 1, 4, 4), True),
]


@requires_torch
@pytest.mark.parametrize("case", ERRORS, ids=[f"{c[0]}-{k}" for k, c in enumerate(ERRORS)])
def test_errors_are_pytorchs_word_for_word(case):
    import torch

    name, shape, factor = case
    with pytest.raises((RuntimeError, TypeError)) as theirs:
        getattr(torch.nn.functional, name)(torch.randn(*shape), factor)
    with pytest.raises(theirs.type) as ours:
        getattr(F, name)(mt.randn(*shape), factor)
    assert str(ours.value) == str(theirs.value)


def test_error_texts():
    with pytest.raises(RuntimeError, match=r"^pixel_shuffle expects its input's 'channel' dimension to be divisible by "
                                           r"the square of upscale_factor, but input.size\(-3\)=5 is not divisible "
                                           r"by 4$"):
        F.pixel_shuffle(mt.randn(1, 5, 2, 2), 2)
    with pytest.raises(RuntimeError, match=r"^pixel_unshuffle expects width to be divisible by downscale_factor, but "
                                           r"input.size\(-1\)=3 is not divisible by 2$"):
        F.pixel_unshuffle(mt.randn(1, 1, 4, 3), 2)
