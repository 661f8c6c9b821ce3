"""Transforms: closed-form references (naive per-image loops), per-image randomness over a batch,
reproducibility with mt.manual_seed, and torchvision's errors."""
import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn.utils.data import transforms as T


def _images(n=6, c=3, h=5, w=7):
    return mt.tensor(np.random.default_rng(0).standard_normal((n, c, h, w)).astype(np.float32))


def test_to_tensor_uint8_hwc_to_chw_over_01():
    pixels = np.random.default_rng(0).integers(0, 256, (4, 5, 3), dtype=np.uint8)
    out = T.ToTensor()(pixels)
    assert out.shape == (3, 4, 5) and out.dtype == mt.float32
    np.testing.assert_array_equal(out.numpy(), pixels.transpose(2, 0, 1).astype(np.float32) / 255)
    batch = np.stack([pixels, 255 - pixels])
    out = T.ToTensor()(batch)
    assert out.shape == (2, 3, 4, 5)
    np.testing.assert_array_equal(out.numpy()[1], (255 - pixels).transpose(2, 0, 1).astype(np.float32) / 255)
    gray = T.ToTensor()(np.zeros((4, 5), dtype=np.uint8))
    assert gray.shape == (1, 4, 5)
    floats = T.ToTensor()(np.full((2, 2, 1), 7.0))
    assert floats.dtype == mt.float64 and floats.tolist() == [[[7.0, 7.0], [7.0, 7.0]]]  # only uint8 is scaled
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()(mt.zeros(3, 2, 2))


def test_normalize_per_channel(device):
    x = _images().to(device)
    mean, std = (0.1, 0.2, 0.3), (0.5, 1.0, 2.0)
    out = T.Normalize(mean, std)(x).cpu().numpy()
    ref = x.cpu().numpy().copy()
    for c in range(3):
        ref[:, c] = (ref[:, c] - np.float32(mean[c])) / np.float32(std[c])
    np.testing.assert_allclose(out, ref, rtol=1e-6)
    assert T.Normalize(mean, std)(x[0]).shape == (3, 5, 7)


def test_normalize_errors():
    with pytest.raises(TypeError, match="Input tensor should be a float tensor"):
        T.Normalize((0,), (1,))(mt.zeros(1, 2, 2, dtype=mt.int64))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0, 0), (1, 0))(mt.zeros(2, 2, 2))
    with pytest.raises(ValueError, match=r"size \(\.\.\., C, H, W\)"):
        T.Normalize((0,), (1,))(mt.zeros(2, 2))


def test_horizontal_flip_per_image(device):
    x = _images(n=40).to(device)
    assert np.array_equal(T.RandomHorizontalFlip(p=1.0)(x).cpu().numpy(), x.cpu().numpy()[..., ::-1])
    assert np.array_equal(T.RandomHorizontalFlip(p=0.0)(x).cpu().numpy(), x.cpu().numpy())
    out = T.RandomHorizontalFlip()(x).cpu().numpy()
    flipped = [np.array_equal(o, xi[..., ::-1]) for o, xi in zip(out, x.cpu().numpy())]
    kept = [np.array_equal(o, xi) for o, xi in zip(out, x.cpu().numpy())]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)


def _windows(padded, th, tw):
    """Every (top, left) crop of one padded image, by a naive loop."""
    h, w = padded.shape[-2:]
    return {(i, j): padded[:, i:i + th, j:j + tw] for i in range(h - th + 1) for j in range(w - tw + 1)}


@pytest.mark.parametrize("padding, mode", [(2, "constant"), ((1, 3), "reflect"), ((0, 1, 2, 3), "edge"),
                                           (None, "constant"), (1, "symmetric")])
def test_random_crop_per_image_windows(padding, mode, device):
    x = _images(n=12).to(device)
    crop = T.RandomCrop((4, 5), padding=padding, padding_mode=mode, fill=-9.0)
    mt.manual_seed(1)
    out = crop(x).cpu().numpy()
    assert out.shape == (12, 3, 4, 5)
    left, top, right, bottom = {None: (0,) * 4, 2: (2,) * 4, 1: (1,) * 4, (1, 3): (1, 3, 1, 3)}.get(padding, padding)
    extra = {"constant_values": -9.0} if mode == "constant" else {}
    positions = set()
    for o, xi in zip(out, x.cpu().numpy()):
        padded = np.pad(xi, ((0, 0), (top, bottom), (left, right)), mode=mode, **extra)
        hits = [pos for pos, win in _windows(padded, 4, 5).items() if np.array_equal(win, o)]
        assert hits, "every output is a window of its own padded image"
        positions.add(hits[0])
    assert len(positions) > 1  # each image draws its own position
    mt.manual_seed(1)
    assert np.array_equal(crop(x).cpu().numpy(), out)  # reproducible
    assert crop(x[0]).shape == (3, 4, 5)


def test_random_crop_full_size_is_identity_and_errors():
    x = _images()
    assert np.array_equal(T.RandomCrop((5, 7))(x).numpy(), x.numpy())
    assert T.RandomCrop(8, pad_if_needed=True)(x).shape == (6, 3, 8, 8)
    with pytest.raises(ValueError, match=r"Required crop size \(6, 6\) is larger than input image size \(5, 7\)"):
        T.RandomCrop(6)(x)
    with pytest.raises(ValueError, match="Padding mode should be"):
        T.RandomCrop(3, padding_mode="wrap")


def test_compose_pipeline():
    pixels = np.random.default_rng(0).integers(0, 256, (8, 6, 6, 3), dtype=np.uint8)
    pipeline = T.Compose([T.ToTensor(), T.RandomCrop(6, padding=2), T.RandomHorizontalFlip(),
                          T.Normalize((0.5, 0.5, 0.5), (0.25, 0.25, 0.25))])
    out = pipeline(pixels)
    assert out.shape == (8, 3, 6, 6) and out.dtype == mt.float32
    assert "RandomCrop" in repr(pipeline) and repr(pipeline).startswith("Compose(")
