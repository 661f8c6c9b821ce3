"""torchvision's transforms on PIL images, tensors and NumPy images: Resize against F.interpolate and
Pillow, crops and padding against slicing / np.pad, colour jitter against its formulas, and the
conversions ToPILImage / ToTensor; make_grid and save_image with torchvision's layout."""
import colorsys

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn.utils import make_grid, save_image
from minitorch_cnn.utils.data import transforms as T
from conftest import requires_torch

PIL = pytest.importorskip("PIL.Image")


def _uint8(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


@requires_torch
@pytest.mark.parametrize("size", [(5, 7), (20, 30), (13, 9), (26, 5)])
@pytest.mark.parametrize("mode, antialias", [("bilinear", True), ("bilinear", False), ("bicubic", True),
                                             ("bicubic", False), ("nearest", False)])
def test_resize_tensor_equals_pytorch_interpolate(size, mode, antialias):
    import torch
    import torch.nn.functional as tF

    x = np.random.default_rng(0).random((2, 3, 13, 17)).astype(np.float32)
    extra = {} if mode == "nearest" else {"align_corners": False}
    ref = tF.interpolate(torch.tensor(x), size=size, mode=mode, antialias=antialias, **extra).numpy()
    out = T.Resize(list(size), interpolation=T.InterpolationMode(mode), antialias=antialias)(mt.tensor(x))
    np.testing.assert_allclose(out.numpy(), ref, atol=2e-6)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest"])
@pytest.mark.parametrize("size", [(5, 7), (20, 30), 8])
def test_resize_numpy_image_matches_pillow_to_one_grey_level(mode, size):
    pixels = _uint8((13, 17, 3))
    pil = np.asarray(T.Resize(size, T.InterpolationMode(mode))(PIL.fromarray(pixels)))
    arr = T.Resize(size, T.InterpolationMode(mode))(pixels)
    assert arr.dtype == np.uint8 and arr.shape == pil.shape
    assert np.abs(arr.astype(int) - pil).max() <= 1  # Pillow's 8-bit fixed-point weights


def test_resize_int_matches_the_shorter_edge_and_max_size():
    img = PIL.fromarray(_uint8((13, 17, 3)))
    assert T.Resize(8)(img).size == (10, 8)  # (w, h): int(8 * 17 / 13) = 10
    assert T.Resize(8, max_size=9)(img).size == (9, 7)  # long edge capped at 9: short int(9 * 8 / 10)
    assert T.Resize([8])(mt.zeros(3, 17, 13)).shape == (3, 10, 8)
    with pytest.raises(ValueError, match="max_size = 8 must be strictly greater"):
        T.Resize(8, max_size=8)(img)
    with pytest.raises(TypeError, match="Size should be int or sequence"):
        T.Resize(2.5)


@pytest.mark.parametrize("h, w, th, tw", [(9, 8, 4, 3), (10, 10, 5, 5), (7, 6, 6, 6), (4, 5, 7, 8)])
def test_center_crop_uses_torchvisions_rounding_and_pads_small_images(h, w, th, tw):
    pixels = _uint8((h, w, 3))
    out = np.asarray(T.CenterCrop((th, tw))(PIL.fromarray(pixels)))
    assert out.shape == (th, tw, 3)
    tensor_out = T.CenterCrop((th, tw))(mt.tensor(pixels.transpose(2, 0, 1))).numpy().transpose(1, 2, 0)
    np.testing.assert_array_equal(tensor_out, out)
    if th <= h and tw <= w:
        top, left = int(round((h - th) / 2.0)), int(round((w - tw) / 2.0))
        np.testing.assert_array_equal(out, pixels[top:top + th, left:left + tw])
    else:  # zero border, the image in the middle ((crop - size) // 2 before it)
        top, left = (th - h) // 2, (tw - w) // 2
        np.testing.assert_array_equal(out[top:top + h, left:left + w], pixels)
        assert out.sum() == pixels.sum()


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad_equals_numpy_pad_on_every_input_kind(mode):
    pixels = _uint8((5, 6, 3))
    ref = np.pad(pixels, ((2, 4), (1, 3), (0, 0)), mode=mode, **({"constant_values": 7} if mode == "constant" else {}))
    pad = T.Pad((1, 2, 3, 4), fill=7, padding_mode=mode)
    np.testing.assert_array_equal(np.asarray(pad(PIL.fromarray(pixels))), ref)
    np.testing.assert_array_equal(pad(pixels), ref)
    np.testing.assert_array_equal(pad(mt.tensor(pixels.transpose(2, 0, 1))).numpy(), ref.transpose(2, 0, 1))
    with pytest.raises(ValueError, match="Padding must be an int or a 1, 2, or 4 element tuple, not a 3"):
        T.Pad((1, 2, 3))
    with pytest.raises(ValueError, match="Padding mode should be either constant, edge, reflect or symmetric"):
        T.Pad(1, padding_mode="wrap")


def test_pad_rgb_fill_tuple_per_channel():
    out = np.asarray(T.Pad(1, fill=(10, 20, 30))(PIL.fromarray(_uint8((2, 2, 3)))))
    assert out[0, 0].tolist() == [10, 20, 30]


def test_random_crop_and_flips_keep_the_input_kind():
    img = PIL.fromarray(_uint8((8, 9, 3)))
    mt.manual_seed(0)
    crop = T.RandomCrop(6, padding=2)(img)
    assert isinstance(crop, PIL.Image) and crop.size == (6, 6) and crop.mode == "RGB"
    flipped = T.RandomHorizontalFlip(p=1.0)(img)
    np.testing.assert_array_equal(np.asarray(flipped), np.asarray(img)[:, ::-1])
    np.testing.assert_array_equal(np.asarray(T.RandomVerticalFlip(p=1.0)(img)), np.asarray(img)[::-1])
    gray = _uint8((4, 5))
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(gray), gray[:, ::-1])
    assert T.RandomHorizontalFlip(p=0.0)(PIL.fromarray(gray)).mode == "L"


def test_random_resized_crop_sizes_and_the_full_image_case():
    pixels = _uint8((12, 16, 3))
    mt.manual_seed(0)
    for _ in range(5):
        top, left, h, w = T.RandomResizedCrop.get_params(PIL.fromarray(pixels), (0.08, 1.0), (3 / 4, 4 / 3))
        assert 0 <= top <= 12 - h and 0 <= left <= 16 - w and h > 0 and w > 0
    whole = T.RandomResizedCrop((6, 8), scale=(1.0, 1.0), ratio=(16 / 12, 16 / 12))(PIL.fromarray(pixels))
    np.testing.assert_array_equal(np.asarray(whole), np.asarray(T.Resize((6, 8))(PIL.fromarray(pixels))))
    out = T.RandomResizedCrop(5)(mt.rand(3, 12, 16))
    assert out.shape == (3, 5, 5)
    fallback = T.RandomResizedCrop.get_params(mt.zeros(1, 10, 100), (0.9, 1.0), (1.0, 1.0))
    assert fallback == (0, 45, 10, 10)  # too wide for any try: the central square


def test_color_jitter_factors_follow_the_blend_formulas():
    x = mt.tensor(np.random.default_rng(0).random((3, 4, 5)).astype(np.float32))
    np.testing.assert_allclose(T.adjust_brightness(x, 1.5).numpy(), np.clip(1.5 * x.numpy(), 0, 1), rtol=1e-6)
    gray = (0.2989 * x.numpy()[0] + 0.587 * x.numpy()[1] + 0.114 * x.numpy()[2])
    np.testing.assert_allclose(T.adjust_contrast(x, 0.5).numpy(), np.clip(0.5 * x.numpy() + 0.5 * gray.mean(), 0, 1),
                               rtol=1e-5)
    np.testing.assert_allclose(T.adjust_saturation(x, 0.0).numpy(), np.broadcast_to(gray, (3, 4, 5)), rtol=1e-5)
    shifted = T.adjust_hue(x, 0.25).numpy()
    r, g, b = x.numpy()[:, 1, 2]
    h, s, v = colorsys.rgb_to_hsv(r, g, b)
    np.testing.assert_allclose(shifted[:, 1, 2], colorsys.hsv_to_rgb((h + 0.25) % 1.0, s, v), atol=1e-5)
    np.testing.assert_allclose(T.adjust_hue(x, 0.0).numpy(), x.numpy(), atol=1e-6)
    with pytest.raises(ValueError, match=r"hue_factor \(0.7\) is not in \[-0.5, 0.5\]"):
        T.adjust_hue(x, 0.7)


def test_color_jitter_ranges_and_pil_path():
    jitter = T.ColorJitter(brightness=0.4, contrast=(0.5, 0.9), saturation=0, hue=0.1)
    assert jitter.brightness == (0.6, 1.4) and jitter.contrast == (0.5, 0.9) and jitter.saturation is None
    assert jitter.hue == (-0.1, 0.1)
    img = PIL.fromarray(_uint8((6, 7, 3)))
    out = jitter(img)
    assert isinstance(out, PIL.Image) and out.size == img.size and out.mode == "RGB"
    assert jitter(mt.rand(3, 6, 7)).shape == (3, 6, 7)
    with pytest.raises(ValueError, match="hue values should be between"):
        T.ColorJitter(hue=0.8)
    with pytest.raises(ValueError, match="If brightness is a single number, it must be non negative."):
        T.ColorJitter(brightness=-1)


def test_to_pil_image_inverts_to_tensor_up_to_truncation():
    x = mt.rand(3, 4, 5)
    img = T.ToPILImage()(x)
    assert img.mode == "RGB" and img.size == (5, 4)
    back = T.ToTensor()(img).numpy()
    np.testing.assert_allclose(back, np.floor(x.numpy() * 255) / 255, atol=1e-6)
    assert T.ToPILImage()(mt.rand(1, 4, 5)).mode == "L"
    assert T.ToPILImage()(_uint8((4, 5, 3))).mode == "RGB"
    with pytest.raises(TypeError, match="pic should be Tensor or ndarray"):
        T.ToPILImage()([1, 2])


def test_lambda_and_grayscale():
    assert T.Lambda(lambda v: v * 2)(3) == 6
    with pytest.raises(TypeError, match="Argument lambd should be callable"):
        T.Lambda(3)
    img = PIL.fromarray(_uint8((4, 5, 3)))
    assert T.Grayscale()(img).mode == "L" and T.Grayscale(3)(img).mode == "RGB"
    assert T.Grayscale(3)(mt.rand(3, 4, 5)).shape == (3, 4, 5)


def test_to_tensor_on_pil_modes():
    gray = _uint8((4, 5))
    out = T.ToTensor()(PIL.fromarray(gray))
    assert out.shape == (1, 4, 5)
    np.testing.assert_allclose(out.numpy()[0], gray / 255, rtol=1e-6)


# ----------------------------------------------------------------------------- make_grid / save_image

def _naive_grid(x, nrow, padding, pad_value):
    n, c, h, w = x.shape
    cols = min(nrow, n)
    rows = -(-n // cols)
    grid = np.full((c, rows * (h + padding) + padding, cols * (w + padding) + padding), pad_value, dtype=x.dtype)
    for k in range(n):
        y0, x0 = (k // cols) * (h + padding) + padding, (k % cols) * (w + padding) + padding
        grid[:, y0:y0 + h, x0:x0 + w] = x[k]
    return grid


@pytest.mark.parametrize("n, nrow, padding", [(5, 2, 1), (8, 8, 2), (3, 4, 0), (7, 3, 3)])
def test_make_grid_places_tiles_like_torchvision(n, nrow, padding):
    x = np.random.default_rng(0).random((n, 3, 4, 5)).astype(np.float32)
    out = make_grid(mt.tensor(x), nrow=nrow, padding=padding, pad_value=0.5)
    np.testing.assert_array_equal(out.numpy(), _naive_grid(x, nrow, padding, 0.5))


def test_make_grid_gray_normalize_and_single_image():
    x = np.random.default_rng(1).random((4, 1, 3, 3)).astype(np.float32) * 10 - 5
    out = make_grid(mt.tensor(x), nrow=2, normalize=True).numpy()
    scaled = (x - x.min()) / (x.max() - x.min())
    np.testing.assert_allclose(out, _naive_grid(np.repeat(scaled, 3, axis=1), 2, 2, 0.0), rtol=1e-5, atol=1e-6)
    each = make_grid(mt.tensor(x), nrow=2, normalize=True, scale_each=True, padding=0).numpy()
    np.testing.assert_allclose(each[0, :3, :3], (x[0, 0] - x[0].min()) / (x[0].max() - x[0].min()), rtol=1e-5)
    ranged = make_grid(mt.tensor(x), normalize=True, value_range=(-1, 1), padding=0).numpy()
    np.testing.assert_allclose(ranged[0, :3, :3], (np.clip(x[0, 0], -1, 1) + 1) / 2, rtol=1e-6)
    assert make_grid(mt.tensor(x[:1])).shape == (3, 3, 3)
    assert make_grid([mt.tensor(x[0]), mt.tensor(x[1])], padding=0).shape == (3, 3, 6)
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        make_grid(mt.tensor(x), normalize=True, value_range=[0, 1])


def test_save_image_rounds_to_bytes(tmp_path):
    x = mt.tensor(np.random.default_rng(2).random((2, 3, 4, 4)).astype(np.float32))
    save_image(x, tmp_path / "grid.png", nrow=2, padding=1)
    saved = np.asarray(PIL.open(tmp_path / "grid.png"))
    expected = np.clip(make_grid(x, nrow=2, padding=1).numpy() * 255 + 0.5, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(saved, expected.transpose(1, 2, 0))


def test_vision_namespace_mirrors_torchvision():
    import minitorch_cnn.vision as torchvision
    from minitorch_cnn.vision import datasets, models, transforms

    assert torchvision.utils.make_grid is make_grid and transforms.Resize is T.Resize
    assert datasets.ImageFolder.__name__ == "ImageFolder" and models.resnet18 is mt.models.resnet18


def test_read_image_gives_uint8_chw(tmp_path):
    from minitorch_cnn.vision.io import ImageReadMode, read_image

    pixels = _uint8((4, 5, 3))
    PIL.fromarray(pixels).save(tmp_path / "a.png")
    out = read_image(str(tmp_path / "a.png"))
    assert out.dtype == mt.uint8 and out.shape == (3, 4, 5)
    np.testing.assert_array_equal(out.numpy(), pixels.transpose(2, 0, 1))
    assert read_image(str(tmp_path / "a.png"), ImageReadMode.GRAY).shape == (1, 4, 5)
