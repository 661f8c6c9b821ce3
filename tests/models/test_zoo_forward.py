"""Each architecture runs forward at a small input with the right shape, backward reaches every
parameter, and train/eval switch batch norm, dropout and GoogLeNet's auxiliary heads."""
import numpy as np
import pytest
from zoo_helpers import fast_init

import minitorch_cnn as mt
from minitorch_cnn import models
from minitorch_cnn.nn import functional as F


@pytest.mark.parametrize("build, input_shape, output_shape", [
    (lambda: models.TwoLayerNet(12, 5, 3), (4, 12), (4, 3)),
    (lambda: models.lenet5(), (2, 1, 32, 32), (2, 10)),
    (lambda: models.alexnet(num_classes=7), (1, 3, 64, 64), (1, 7)),
    (lambda: models.vgg11_bn(num_classes=5), (1, 3, 32, 32), (1, 5)),
    (lambda: models.googlenet(aux_logits=False, num_classes=6), (1, 3, 64, 64), (1, 6)),
    (lambda: models.resnet18(num_classes=10, small_input=True), (2, 3, 32, 32), (2, 10)),
    (lambda: models.resnet50(num_classes=4), (1, 3, 64, 64), (1, 4)),
    (lambda: models.resnext50_32x4d(num_classes=3), (1, 3, 32, 32), (1, 3)),
    (lambda: models.densenet121(num_classes=10), (1, 3, 32, 32), (1, 10)),
    (lambda: models.resnet20(), (2, 3, 32, 32), (2, 10)),
    (lambda: models.WideResNet(depth=10, widen_factor=2, num_classes=3), (2, 3, 32, 32), (2, 3)),
], ids=["two_layer", "lenet5", "alexnet", "vgg11_bn", "googlenet", "resnet18_small", "resnet50", "resnext50",
        "densenet121", "resnet20", "wrn10_2"])
def test_forward_shape(build, input_shape, output_shape):
    with fast_init():
        model = build().eval()
    with mt.no_grad():
        out = model(mt.randn(*input_shape))
    assert out.shape == output_shape
    assert np.isfinite(out.numpy()).all()


def narrow_classifier(model, width=16):
    """Replace the 4096-wide Linear layers of ``model.classifier`` by ``width``-wide ones (same Sequential
    layout): AlexNet's and VGG's 60-120M classifier weights would dominate the test's time."""
    linears = [i for i, m in enumerate(model.classifier) if isinstance(m, mt.nn.Linear)]
    for i in linears:
        old = model.classifier[i]
        in_features = old.in_features if i == linears[0] else width
        out_features = old.out_features if i == linears[-1] else width
        model.classifier[i] = mt.nn.Linear(in_features, out_features)
    return model


# One small member per family, with its input; the loss touches every output.
SMALL_MODELS = {
    "two_layer": (lambda: models.TwoLayerNet(6, 4, 3), (3, 6)),
    "lenet5": (lambda: models.LeNet5(num_classes=4), (2, 1, 32, 32)),
    "alexnet_paper": (lambda: narrow_classifier(models.AlexNet(num_classes=3, variant="paper", groups=2)),
                      (2, 3, 67, 67)),
    "vgg": (lambda: narrow_classifier(models.VGG(models.vgg.make_layers([4, "M", 512, "M"], batch_norm=True),
                                                 num_classes=3)), (2, 3, 8, 8)),
    "googlenet": (lambda: models.GoogLeNet(num_classes=3), (2, 3, 64, 64)),
    "resnet_basic": (lambda: models.ResNet(models.BasicBlock, [1, 1, 1, 1], num_classes=3, small_input=True),
                     (2, 3, 16, 16)),
    "resnext_bottleneck": (lambda: models.ResNet(models.Bottleneck, [1, 1, 1, 1], num_classes=3, groups=4,
                                                 width_per_group=4), (2, 3, 32, 32)),
    "cifar_resnet": (lambda: models.CifarResNet(8, num_classes=3), (2, 3, 16, 16)),
    "wide_resnet": (lambda: models.WideResNet(depth=10, widen_factor=1, dropout=0.3, num_classes=3),
                    (2, 3, 16, 16)),
    "densenet": (lambda: models.DenseNet(growth_rate=4, block_config=(2, 2), num_init_features=8, bn_size=2,
                                         drop_rate=0.2, num_classes=3), (2, 3, 16, 16)),
}


@pytest.mark.parametrize("name", sorted(SMALL_MODELS))
def test_backward_reaches_every_parameter(name):
    build, input_shape = SMALL_MODELS[name]
    with fast_init():
        model = build().train()
    out = model(mt.randn(*input_shape))
    outputs = [o for o in out] if isinstance(out, tuple) else [out]  # GoogLeNet: main and both aux heads
    loss = sum(F.cross_entropy(o, mt.tensor([0, 1, 2][:o.shape[0]])) for o in outputs)
    loss.backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not np.any(p.grad.numpy())]
    assert not missing, f"{name}: no gradient reached {missing}"


def test_train_mode_updates_batch_norm_statistics_and_eval_uses_them():
    model = models.CifarResNet(8, num_classes=3)
    x = mt.randn(4, 3, 8, 8)
    before = model.bn1.running_mean.numpy().copy()
    model.train()(x)
    assert model.bn1.num_batches_tracked.item() == 1
    assert not np.allclose(model.bn1.running_mean.numpy(), before)
    model.eval()
    frozen = model.bn1.running_mean.numpy().copy()
    with mt.no_grad():
        single = model(x[:1]).numpy()
        batched = model(x).numpy()
    np.testing.assert_array_equal(model.bn1.running_mean.numpy(), frozen)
    np.testing.assert_allclose(single, batched[:1], rtol=1e-5, atol=1e-6)  # eval: no batch dependence


def test_dropout_is_random_in_train_and_off_in_eval():
    with fast_init():
        model = models.alexnet(num_classes=5)
    x = mt.randn(1, 3, 63, 63)
    with mt.no_grad():
        model.train()
        a, b = model(x).numpy(), model(x).numpy()
        model.eval()
        c, d = model(x).numpy(), model(x).numpy()
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(c, d)
    assert [type(m).__name__ for m in model.classifier][:2] == ["Dropout", "Linear"]


def test_googlenet_aux_heads_only_in_training():
    with fast_init():
        model = models.googlenet(num_classes=4)  # torchvision's builder default: aux_logits=True
        plain = models.googlenet(aux_logits=False, num_classes=4).train()
    x = mt.randn(2, 3, 64, 64)
    with mt.no_grad():
        out = model.train()(x)
        assert isinstance(out, models.GoogLeNetOutputs)
        assert out._fields == ("logits", "aux_logits2", "aux_logits1")
        assert all(o.shape == (2, 4) for o in out)
        assert model.eval()(x).shape == (2, 4)  # a plain tensor in eval
        assert plain.aux1 is None and plain.aux2 is None
        assert plain(x).shape == (2, 4)


def test_googlenet_transform_input_rescales_imagenet_normalisation():
    """x normalised with ImageNet mean/std -> (raw - 0.5) / 0.5, the scaling of the original weights."""
    model = models.GoogLeNet(transform_input=True, aux_logits=False)
    raw = mt.rand(1, 3, 2, 2)
    mean, std = np.array([0.485, 0.456, 0.406])[:, None, None], np.array([0.229, 0.224, 0.225])[:, None, None]
    normalised = mt.tensor(((raw.numpy() - mean) / std).astype(np.float32))
    np.testing.assert_allclose(model._transform_input(normalised).numpy(), (raw.numpy() - 0.5) / 0.5, atol=1e-5)


def test_alexnet_paper_layout():
    """LRN after the first two pools (the lecture's POOL1, NORM1 ... POOL2, NORM2); groups=2 on conv2, 4, 5.
    (The shape chain 227 -> 55 -> 27 -> 27 -> 13 -> ... -> 6 is checked in test_zoo_summary.py.)"""
    with fast_init():
        model = models.alexnet(variant="paper", groups=2)
    layers = list(model.features)
    norms = [i for i, m in enumerate(layers) if isinstance(m, mt.nn.LocalResponseNorm)]
    pools = [i for i, m in enumerate(layers) if isinstance(m, mt.nn.MaxPool2d)]
    assert norms == [pools[0] + 1, pools[1] + 1]
    assert (norms[0], layers[norms[0]].size, layers[norms[0]].alpha, layers[norms[0]].k) == (3, 5, 5e-4, 2.0)
    assert [m.groups for m in layers if isinstance(m, mt.nn.Conv2d)] == [1, 2, 1, 2, 2]


def test_pad_shortcut_is_subsampling_plus_zero_channels():
    x = mt.randn(2, 4, 6, 6)
    out = models.PadShortcut(4, 8, stride=2)(x).numpy()
    expected = np.zeros((2, 8, 3, 3), np.float32)
    expected[:, 2:6] = x.numpy()[:, :, ::2, ::2]
    np.testing.assert_array_equal(out, expected)


def test_naive_inception_keeps_every_input_channel():
    block = models.NaiveInception(8, 4, 6, 2)
    assert block(mt.randn(1, 8, 5, 5)).shape == (1, 4 + 6 + 2 + 8, 5, 5)
