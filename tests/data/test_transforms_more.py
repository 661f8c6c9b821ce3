"""Rotations, affine and perspective warps, Gaussian blur, random erasing, random grayscale, the random
containers, dtype conversions and the ``transforms.v2`` namespace: exact properties (a quarter turn is
``np.rot90``, identities are identities, the erased window holds its value), torchvision's tensor
algorithms re-expressed with PyTorch's own ``grid_sample`` / ``conv2d``, Pillow for PIL images,
parameters drawn in their documented ranges, and torchvision's error messages."""
import math
import warnings

import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.vision.transforms as T
from minitorch_cnn.vision.transforms import v2
from conftest import requires_torch


def _image(shape=(2, 3, 6, 6), seed=0):
    return mt.tensor(np.random.default_rng(seed).random(shape).astype(np.float32))


# ----------------------------------------------------------------------------- warps

@pytest.mark.parametrize("k, angle", [(1, 90), (2, 180), (3, 270), (3, -90)])
def test_a_quarter_turn_is_rot90_on_tensors_numpy_and_pil_images(k, angle):
    x = _image((2, 3, 6, 6))
    np.testing.assert_array_equal(T.rotate(x, angle).numpy(), np.rot90(x.numpy(), k, axes=(-2, -1)))
    pixels = np.random.default_rng(1).integers(0, 256, (5, 5, 3), dtype=np.uint8)
    np.testing.assert_array_equal(T.rotate(pixels, angle), np.rot90(pixels, k))
    PIL = pytest.importorskip("PIL.Image")
    np.testing.assert_array_equal(np.asarray(T.rotate(PIL.fromarray(pixels), angle)), np.rot90(pixels, k))
    # affine turns clockwise (torchvision's convention), on tensors and through Pillow alike
    np.testing.assert_array_equal(T.affine(x, angle, [0, 0], 1.0, 0).numpy(), np.rot90(x.numpy(), -k, axes=(-2, -1)))
    np.testing.assert_array_equal(np.asarray(T.affine(PIL.fromarray(pixels), angle, [0, 0], 1.0, 0.0)),
                                  np.rot90(pixels, -k))


def test_expand_holds_the_whole_turned_image():
    x = _image((1, 4, 6))
    out = T.rotate(x, 90, expand=True)
    assert tuple(out.shape) == (1, 6, 4)
    np.testing.assert_array_equal(out.numpy(), np.rot90(x.numpy(), 1, axes=(-2, -1)))
    assert tuple(T.rotate(_image((1, 10, 10)), 45, expand=True).shape) == (1, 16, 16)  # Pillow's size too
    assert tuple(T.rotate(_image((1, 4, 6)), 30, expand=True).shape) == (1, 8, 8)
    # torchvision's tensor rule counts the half pixels that an odd difference of the sides leaves
    assert tuple(T.rotate(_image((1, 5, 6)), 90, expand=True).shape) == (1, 7, 6)


def test_identity_warps_are_identities_and_a_translation_shifts():
    x = _image()
    for out in (T.affine(x, 0.0, [0, 0], 1.0, [0.0, 0.0]), T.rotate(x, 0), T.affine(x, 0, (0, 0), 1.0, 0,
                                                                                     T.InterpolationMode.BILINEAR),
                T.perspective(x, [[0, 0], [5, 0], [5, 5], [0, 5]], [[0, 0], [5, 0], [5, 5], [0, 5]])):
        np.testing.assert_allclose(out.numpy(), x.numpy(), atol=1e-6)
    moved = T.affine(x, 0.0, [2, -1], 1.0, 0.0, fill=[5.0] * 3).numpy()
    np.testing.assert_array_equal(moved[..., :5, 2:], x.numpy()[..., 1:, :4])  # right by 2, up by 1
    assert (moved[..., :, :2] == 5).all() and (moved[..., 5, :] == 5).all()  # what came from outside
    shifted = T.perspective(x, [[0, 0], [5, 0], [5, 5], [0, 5]], [[1, 0], [6, 0], [6, 5], [1, 5]],
                            T.InterpolationMode.NEAREST)
    np.testing.assert_allclose(shifted.numpy(), T.affine(x, 0.0, [1, 0], 1.0, 0.0).numpy(), atol=1e-6)
    uint8 = np.random.default_rng(2).integers(0, 256, (4, 5), dtype=np.uint8)
    assert T.affine(uint8, 0.0, [0, 0], 1.0, 0.0).dtype == np.uint8
    np.testing.assert_array_equal(T.affine(uint8, 0.0, [0, 0], 1.0, 0.0), uint8)


def _torchvision_warp(torch, x, grid, mode, fill):
    """torchvision's ``_apply_grid_transform``, spelled in PyTorch (a ones mask carries ``fill``)."""
    img = torch.cat([x, torch.ones_like(x[:, :1])], dim=1) if fill is not None else x
    out = torch.nn.functional.grid_sample(img, grid.expand(x.shape[0], -1, -1, -1), mode=mode,
                                          padding_mode="zeros", align_corners=False)
    if fill is None:
        return out
    out, mask = out[:, :-1], out[:, -1:].expand_as(out[:, :-1])
    paint = torch.tensor(fill, dtype=out.dtype).view(1, -1, 1, 1).expand_as(out)
    if mode == "nearest":
        return torch.where(mask < 0.5, paint, out)
    return out * mask + (1.0 - mask) * paint


def _torchvision_affine_grid(torch, matrix, w, h):
    """torchvision's ``_gen_affine_grid`` (pixel-centre base grid, normalised after theta)."""
    x = torch.linspace(-w * 0.5 + 0.5, w * 0.5 - 0.5, w)
    y = torch.linspace(-h * 0.5 + 0.5, h * 0.5 - 0.5, h)
    base = torch.stack([x.expand(h, w), y[:, None].expand(h, w), torch.ones(h, w)], dim=-1)
    theta = torch.tensor(matrix, dtype=torch.float32).reshape(2, 3)
    return (base.reshape(-1, 3) @ (theta.T / torch.tensor([0.5 * w, 0.5 * h]))).reshape(1, h, w, 2)


@requires_torch
@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("fill", [None, [0.25, 0.5, 1.0]])
def test_affine_and_rotate_follow_torchvisions_algorithm_in_pytorch(mode, fill):
    import torch

    from minitorch_cnn.utils.data.transforms_more import _inverse_affine_matrix

    x = _image((2, 3, 7, 9))
    interpolation = T.InterpolationMode(mode)
    for angle, translate, scale, shear, center in [(33.0, [1, -2], 1.2, [10.0, -5.0], None),
                                                   (-71.0, [0, 0], 0.8, [0.0, 0.0], [2, 3])]:
        ours = T.affine(x, angle, translate, scale, shear, interpolation, fill=fill, center=center).numpy()
        cf = [0.0, 0.0] if center is None else [center[0] - 4.5, center[1] - 3.5]
        matrix = _inverse_affine_matrix(cf, angle, [float(t) for t in translate], scale, shear)
        grid = _torchvision_affine_grid(torch, matrix, 9, 7)
        ref = _torchvision_warp(torch, torch.tensor(x.numpy()), grid, mode, fill).numpy()
        np.testing.assert_allclose(ours, ref, atol=2e-5)
    ours = T.rotate(x, 20.0, interpolation, fill=fill).numpy()
    grid = _torchvision_affine_grid(torch, _inverse_affine_matrix([0.0, 0.0], -20.0, [0.0, 0.0], 1.0, [0.0, 0.0]), 9, 7)
    np.testing.assert_allclose(ours, _torchvision_warp(torch, torch.tensor(x.numpy()), grid, mode, fill).numpy(),
                               atol=2e-5)


@requires_torch
def test_perspective_follows_torchvisions_algorithm_in_pytorch():
    import torch

    x = _image((1, 3, 8, 10))
    start, end = [[0, 0], [9, 0], [9, 7], [0, 7]], [[1, 2], [8, 0], [9, 6], [2, 7]]
    ours = T.perspective(x, start, end, fill=[0.5, 0.5, 0.5]).numpy()
    from minitorch_cnn.utils.data.transforms_more import _perspective_coeffs

    c = _perspective_coeffs(start, end)
    xs, ys = torch.linspace(0.5, 9.5, 10), torch.linspace(0.5, 7.5, 8)
    gx, gy = xs.expand(8, 10), ys[:, None].expand(8, 10)
    den = c[6] * gx + c[7] * gy + 1
    grid = torch.stack([(c[0] * gx + c[1] * gy + c[2]) / 5.0 / den - 1, (c[3] * gx + c[4] * gy + c[5]) / 4.0 / den - 1],
                       dim=-1)[None]
    ref = _torchvision_warp(torch, torch.tensor(x.numpy()), grid, "bilinear", [0.5, 0.5, 0.5]).numpy()
    np.testing.assert_allclose(ours, ref, atol=2e-5)
    # the fitted map sends each end point to its start point
    for (sx, sy), (ex, ey) in zip(start, end):
        d = c[6] * ex + c[7] * ey + 1
        assert math.isclose((c[0] * ex + c[1] * ey + c[2]) / d, sx, abs_tol=1e-3)
        assert math.isclose((c[3] * ex + c[4] * ey + c[5]) / d, sy, abs_tol=1e-3)


def test_random_warps_draw_in_their_ranges_and_repeat_under_a_seed():
    for _ in range(20):
        assert -7.0 <= T.RandomRotation(7).get_params([-7.0, 7.0]) <= 7.0
        angle, (tx, ty), scale, (shx, shy) = T.RandomAffine.get_params([-5.0, 5.0], (0.1, 0.2), (0.9, 1.1),
                                                                       [-3.0, 3.0, 10.0, 20.0], [30, 40])
        assert -5 <= angle <= 5 and isinstance(tx, int) and abs(tx) <= 3 and abs(ty) <= 8
        assert 0.9 <= scale <= 1.1 and -3 <= shx <= 3 and 10 <= shy <= 20
        start, end = T.RandomPerspective.get_params(20, 10, 0.5)
        assert start == [[0, 0], [19, 0], [19, 9], [0, 9]]
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = end
        assert 0 <= x0 <= 5 and 0 <= y0 <= 2 and 14 <= x1 <= 19 and 14 <= x2 <= 19 and 7 <= y2 <= 9 and 7 <= y3 <= 9
    assert T.RandomAffine.get_params([0.0, 0.0], None, None, None, [3, 3]) == (0.0, (0, 0), 1.0, (0.0, 0.0))
    x = _image()
    mt.manual_seed(3)
    first = T.RandomAffine(30, translate=(0.2, 0.2), scale=(0.8, 1.2), shear=10)(x)
    mt.manual_seed(3)
    np.testing.assert_array_equal(T.RandomAffine(30, translate=(0.2, 0.2), scale=(0.8, 1.2), shear=10)(x).numpy(),
                                  first.numpy())
    np.testing.assert_array_equal(T.RandomRotation((90, 90))(x).numpy(), np.rot90(x.numpy(), 1, axes=(-2, -1)))
    assert T.RandomPerspective(p=0.0)(x) is x
    assert T.RandomPerspective(p=1.0)(x).shape == x.shape


def test_warp_settings_defaults_reprs_and_errors():
    r = T.RandomRotation(10)
    assert (r.degrees, r.interpolation, r.expand, r.center, r.fill) == ([-10.0, 10.0], T.InterpolationMode.NEAREST,
                                                                        False, None, 0)
    assert repr(r) == "RandomRotation(degrees=[-10.0, 10.0], interpolation=nearest, expand=False, fill=0)"
    assert repr(T.RandomAffine(5, translate=(0.1, 0.1), fill=1)) == \
        "RandomAffine(degrees=[-5.0, 5.0], translate=(0.1, 0.1), fill=1)"
    assert T.RandomAffine(0, shear=4).shear == [-4.0, 4.0]
    p = T.RandomPerspective()
    assert (p.distortion_scale, p.p, p.interpolation, p.fill) == (0.5, 0.5, T.InterpolationMode.BILINEAR, 0)
    cases = [
        (lambda: T.RandomRotation(-1), ValueError, "If degrees is a single number, it must be positive."),
        (lambda: T.RandomRotation([1, 2, 3]), ValueError, "degrees should be a sequence of length 2."),
        (lambda: T.RandomRotation(5, fill={}), TypeError, "Fill should be either a sequence or a number."),
        (lambda: T.RandomAffine(0, translate=(0.5, 2)), ValueError, "translation values should be between 0 and 1"),
        (lambda: T.RandomAffine(0, scale=(0, 1)), ValueError, "scale values should be positive"),
        (lambda: T.RandomAffine(0, shear=[1, 2, 3]), ValueError, "shear should be a sequence of length 2 or 4."),
        (lambda: T.rotate(_image(), "x"), TypeError, "Argument angle should be int or float"),
        (lambda: T.affine(_image(), 0, [0], 1.0, 0), ValueError, "Argument translate should be a sequence of length 2"),
        (lambda: T.affine(_image(), 0, [0, 0], 0.0, 0), ValueError, "Argument scale should be positive"),
        (lambda: T.rotate(_image(), 10, T.InterpolationMode.BICUBIC), ValueError,
         "Interpolation mode 'bicubic' is unsupported with Tensor input"),
        (lambda: T.rotate(_image(), 10, fill=[1.0, 2.0]), ValueError,
         "The number of elements in 'fill' cannot broadcast to match the number of channels of the image (2 != 3)"),
        (lambda: T.perspective(_image(), [[0, 0]] * 3, [[0, 0]] * 4), ValueError,
         "Please provide exactly four corners, got 3 startpoints and 4 endpoints."),
    ]
    for make, error, message in cases:
        with pytest.raises(error) as caught:
            make()
        assert str(caught.value) == message


# ----------------------------------------------------------------------------- blur

@requires_torch
@pytest.mark.parametrize("kernel_size, sigma", [(3, 1.0), ((5, 3), (1.5, 0.7)), ((1, 3), None)])
def test_gaussian_blur_follows_torchvisions_algorithm_in_pytorch(kernel_size, sigma):
    import torch

    x = _image((2, 3, 7, 8))
    ours = T.gaussian_blur(x, kernel_size, sigma).numpy()
    kx, ky = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    sx, sy = [k * 0.15 + 0.35 for k in (kx, ky)] if sigma is None else (
        (sigma, sigma) if isinstance(sigma, float) else sigma)

    def kernel1d(k, s):
        half = (k - 1) * 0.5
        pdf = torch.exp(-0.5 * (torch.linspace(-half, half, k) / s) ** 2)
        return pdf / pdf.sum()

    kernel = (kernel1d(ky, sy)[:, None] @ kernel1d(kx, sx)[None, :]).expand(3, 1, ky, kx)
    padded = torch.nn.functional.pad(torch.tensor(x.numpy()), [kx // 2, kx // 2, ky // 2, ky // 2], mode="reflect")
    ref = torch.nn.functional.conv2d(padded, kernel, groups=3).numpy()
    np.testing.assert_allclose(ours, ref, atol=1e-6)


def test_gaussian_blur_keeps_constants_kinds_and_draws_sigma_in_range():
    flat = mt.full((3, 5, 5), 0.3)
    np.testing.assert_allclose(T.gaussian_blur(flat, 5, 2.0).numpy(), 0.3, rtol=1e-6)
    pixels = np.full((6, 6, 3), 200, np.uint8)
    assert (T.gaussian_blur(pixels, 3).dtype, T.gaussian_blur(pixels, 3).shape) == (np.uint8, (6, 6, 3))
    assert (T.gaussian_blur(pixels, 3) == 200).all()
    blur = T.GaussianBlur(3)
    assert (blur.kernel_size, blur.sigma) == ((3, 3), (0.1, 2.0))
    assert repr(blur) == "GaussianBlur(kernel_size=(3, 3), sigma=(0.1, 2.0))"
    assert all(0.5 <= T.GaussianBlur.get_params(0.5, 0.9) <= 0.9 for _ in range(20))
    assert T.GaussianBlur(5, sigma=1.5).sigma == (1.5, 1.5)
    for make, message in [(lambda: T.GaussianBlur(4), "Kernel size value should be an odd and positive number."),
                          (lambda: T.GaussianBlur(3, (2.0, 1.0)),
                           "sigma values should be positive and of the form (min, max)."),
                          (lambda: T.GaussianBlur(3, 0), "If sigma is a single number, it must be positive."),
                          (lambda: T.gaussian_blur(flat, 2), "kernel_size should have odd and positive integers. Got "
                                                             "[2, 2]"),
                          (lambda: T.gaussian_blur(flat, 3, -1.0), "sigma should have positive values. Got [-1.0, "
                                                                   "-1.0]")]:
        with pytest.raises(ValueError) as caught:
            make()
        assert str(caught.value) == message


# ----------------------------------------------------------------------------- erasing, grayscale, containers

def test_random_erasing_sets_one_window_to_its_value():
    x = _image((3, 20, 30))
    for value in (0, 2.5, (1.0, 2.0, 3.0)):
        out = T.RandomErasing(p=1.0, value=value)(x).numpy()
        changed = (out != x.numpy()).any(axis=0)
        rows, cols = np.nonzero(changed)
        assert rows.size
        top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
        assert changed[top:bottom, left:right].all() and changed.sum() == (bottom - top) * (right - left)
        expected = np.broadcast_to(np.asarray(value, np.float32).reshape(-1, 1, 1), (3, bottom - top, right - left))
        np.testing.assert_array_equal(out[:, top:bottom, left:right], expected)
        assert 0.02 * 600 * 0.5 <= changed.sum() <= 0.33 * 600 * 1.5  # (rounding of h and w)
    assert T.RandomErasing(p=0.0)(x) is x
    noise = T.RandomErasing(p=1.0, value="random")(x)
    assert noise.dtype == mt.float32 and not np.array_equal(noise.numpy(), x.numpy())
    i, j, h, w, v = T.RandomErasing.get_params(x, scale=(0.1, 0.1), ratio=(1.0, 1.0), value=[0.0])
    assert (h, w) == (8, 8) and 0 <= i <= 12 and 0 <= j <= 22 and tuple(v.shape) == (1, 1, 1)
    kept = mt.ones(3, 4, 4)
    assert T.RandomErasing(p=1.0, value=0, inplace=True)(kept) is kept
    assert repr(T.RandomErasing()) == ("RandomErasing(p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, "
                                       "inplace=False)")
    for make, error, message in [
            (lambda: T.RandomErasing(value="noise"), ValueError, "If value is str, it should be 'random'"),
            (lambda: T.RandomErasing(scale=(0.5, 2)), ValueError, "Scale should be between 0 and 1"),
            (lambda: T.RandomErasing(p=2), ValueError, "Random erasing probability should be between 0 and 1"),
            (lambda: T.RandomErasing(p=1.0, value=(1.0, 2.0))(x), ValueError,
             "If value is a sequence, it should have either a single value or 3 (number of input channels)"),
            (lambda: T.erase(np.zeros((3, 4, 4)), 0, 0, 1, 1, 0), TypeError,
             "img should be Tensor Image. Got <class 'numpy.ndarray'>")]:
        with pytest.raises(error) as caught:
            make()
        assert str(caught.value) == message


def test_random_grayscale_and_grayscale_functions():
    x = _image((3, 4, 4))
    gray = T.RandomGrayscale(p=1.0)(x).numpy()
    assert gray.shape == (3, 4, 4) and (gray[0] == gray[1]).all() and (gray[1] == gray[2]).all()
    np.testing.assert_allclose(gray[0], 0.2989 * x.numpy()[0] + 0.587 * x.numpy()[1] + 0.114 * x.numpy()[2],
                               rtol=1e-6)
    assert T.RandomGrayscale(p=0.0)(x) is x and repr(T.RandomGrayscale()) == "RandomGrayscale(p=0.1)"
    assert tuple(T.rgb_to_grayscale(x).shape) == (1, 4, 4)
    with pytest.raises(ValueError, match="num_output_channels should be either 1 or 3"):
        T.rgb_to_grayscale(x, 2)


def test_random_containers_and_dtype_conversions():
    x = _image((3, 4, 4))
    flip = T.RandomHorizontalFlip(p=1.0)
    assert T.RandomApply([flip], p=0.0)(x) is x
    np.testing.assert_array_equal(T.RandomApply([flip], p=1.0)(x).numpy(), x.numpy()[..., ::-1])
    assert T.RandomChoice([lambda img: 1, lambda img: 2], p=[0.0, 1.0])(x) == 2
    np.testing.assert_array_equal(T.RandomOrder([flip, flip])(x).numpy(), x.numpy())
    pixels = mt.tensor(np.array([[[0, 128, 255]]], dtype=np.uint8))
    np.testing.assert_array_equal(T.convert_image_dtype(pixels, mt.float32).numpy(),
                                  np.float32([[[0, 128, 255]]]) / np.float32(255))
    back = T.convert_image_dtype(mt.tensor([[[0.0, 0.5, 1.0]]]), mt.uint8)
    assert back.dtype == mt.uint8 and back.tolist() == [[[0, 127, 255]]]
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        T.convert_image_dtype(mt.ones(1, 1, 1), mt.int64)
    assert T.ConvertImageDtype(mt.float64)(pixels).dtype == mt.float64


# ----------------------------------------------------------------------------- v2

def test_v2_transforms_take_whole_samples_and_pass_the_rest_through():
    pixels = np.random.default_rng(0).integers(0, 256, (4, 6, 3), dtype=np.uint8)
    image = v2.ToImage()(pixels)
    assert image.dtype == mt.uint8 and tuple(image.shape) == (3, 4, 6)
    np.testing.assert_array_equal(image.numpy(), pixels.transpose(2, 0, 1))
    assert tuple(v2.ToImage()(pixels[..., 0]).shape) == (1, 4, 6)
    scaled = v2.ToDtype(mt.float32, scale=True)(image)
    np.testing.assert_array_equal(scaled.numpy(), image.numpy().astype(np.float32) * np.float32(1 / 255))
    assert v2.ToDtype(mt.float32)(image).numpy().max() == pixels.max()  # no scaling by default
    pipeline = v2.Compose([v2.ToImage(), v2.ToDtype(mt.float32, scale=True), v2.RandomRotation((90, 90), expand=True),
                           v2.Normalize(mean=[0.5] * 3, std=[0.5] * 3)])
    out, label = pipeline(pixels, 7)
    assert label == 7
    np.testing.assert_allclose(out.numpy(), (np.rot90(scaled.numpy(), 1, axes=(-2, -1)) - 0.5) / 0.5, atol=1e-6)
    sample = pipeline({"image": pixels, "label": 3, "name": "x"})
    assert sample["label"] == 3 and sample["name"] == "x" and tuple(sample["image"].shape) == (3, 6, 4)
    assert v2.RandomHorizontalFlip(p=1.0)((3, "no image")) == (3, "no image")
    assert v2.RandomErasing(p=1.0)(scaled).shape == scaled.shape
    for name in ("RandomRotation", "RandomAffine", "RandomPerspective", "GaussianBlur", "RandomErasing", "Grayscale",
                 "RandomGrayscale", "Resize", "RandomResizedCrop", "ColorJitter", "ToImage", "ToDtype",
                 "ToPureTensor", "Lambda", "RandomApply", "RandomChoice", "RandomOrder"):
        assert hasattr(v2, name), name
    assert v2.functional.rotate is T.rotate
    assert repr(v2.GaussianBlur(3)) == "GaussianBlur(kernel_size=(3, 3), sigma=(0.1, 2.0))"
    with pytest.raises(ValueError, match="dtype must be a dict or a torch.dtype, got <class 'str'> instead"):
        v2.ToDtype("float32")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        v2.ToTensor()
    assert "The transform `ToTensor()` is deprecated" in str(caught[0].message)
