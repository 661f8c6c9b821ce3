"""Filters, feature maps and saliency maps: each a matplotlib Figure (object-oriented API) whose images
hold the model's own numbers; the saliency map against PyTorch on a twin with the same weights."""
import numpy as np
import pytest
from twins import build

import minitorch_cnn as mt
from minitorch_cnn.utils.pictures import (feature_maps, plot_feature_maps, plot_filters, plot_saliency,
                                          saliency_map)

pytest.importorskip("matplotlib")


def rescaled(a):
    return (a - a.min()) / (a.max() - a.min())


def images_of(fig):
    return [ax.get_images()[0].get_array() for ax in fig.axes if ax.get_images()]


def test_first_layer_filters_of_an_rgb_network_are_colour_images():
    model = mt.models.resnet20()
    fig = plot_filters(model)
    shown = images_of(fig)
    weight = model.conv1.weight.detach().numpy()  # (16, 3, 3, 3)
    assert len(shown) == 16
    for image, kernel in zip(shown, weight):
        assert image.shape == (3, 3, 3)
        np.testing.assert_allclose(image, rescaled(kernel.transpose(1, 2, 0)), rtol=1e-6)
    assert fig.get_suptitle() == "conv1: 16 filters of 3x3x3"


def test_grey_filters_from_a_weight_tensor_and_the_grid_limit():
    weight = mt.randn(80, 2, 5, 5)
    shown = images_of(plot_filters(weight, max_filters=20, ncols=5))
    assert len(shown) == 20
    np.testing.assert_allclose(shown[3], rescaled(weight.numpy()[3].mean(axis=0)), rtol=1e-5)
    with pytest.raises(ValueError, match="plot_filters: TwoLayerNet has no Conv2d layer"):
        plot_filters(mt.models.two_layer_net())


def test_feature_maps_of_a_named_layer_in_eval_mode():
    model = mt.models.lenet5().train()
    x = mt.randn(1, 32, 32)
    maps = feature_maps(model, "conv2", x)
    model.eval()
    with mt.no_grad():
        want = model.conv2(model.pool(model.relu(model.conv1(x.unsqueeze(0)))))[0].numpy()
    np.testing.assert_allclose(maps, want, rtol=1e-5, atol=1e-6)
    model.train()
    fig = plot_feature_maps(model, "conv2", x, max_maps=8)
    assert model.training  # the mode is restored
    shown = images_of(fig)
    assert len(shown) == 8 and shown[0].shape == (10, 10)
    np.testing.assert_allclose(shown[5], rescaled(want[5]), rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="has no layer 'conv9'"):
        feature_maps(model, "conv9", x)
    with pytest.raises(ValueError, match=r"outputs shape \[1, 120\], not \(N, C, H, W\) maps"):
        feature_maps(model, "fc1", x)


def test_saliency_matches_pytorch_on_a_twin():
    torch = pytest.importorskip("torch")
    mt.manual_seed(0)
    model = mt.models.lenet5()
    twin = build(torch, "lenet5")
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((1, 1, 32, 32)).astype(np.float32)
    saliency, target = saliency_map(model, mt.from_numpy(x))
    tx = torch.from_numpy(x).requires_grad_(True)
    scores = twin(tx)
    assert target == int(scores.argmax())
    scores[0, target].backward()
    np.testing.assert_allclose(saliency, tx.grad[0].abs().amax(0).numpy(), rtol=1e-4, atol=1e-7)
    assert all(p.grad is None for p in model.parameters())  # the model's gradients are untouched
    fig = plot_saliency(model, mt.from_numpy(x), target=3, classes=[str(d) for d in range(10)])
    assert fig.axes[1].get_title() == "saliency of class 3"
    np.testing.assert_allclose(images_of(fig)[1], saliency_map(model, mt.from_numpy(x), 3)[0], rtol=1e-6)
