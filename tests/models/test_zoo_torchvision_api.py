"""torchvision's builder interface: ``pretrained=``, weight enums and names (never downloaded: a clear
error, or torchvision's cache folder), ``.transforms()`` / ``.meta``; and the new builders SqueezeNet,
MobileNetV2 and Inception v3 with torchvision's documented parameter counts and parameter names."""
import warnings

import numpy as np
import pytest
from conftest import requires_torch
from zoo_helpers import fast_init, param_count

import minitorch_cnn as mt
from minitorch_cnn import models
from minitorch_cnn.models import MobileNet_V2_Weights, ResNet18_Weights, ResNet50_Weights, SqueezeNet1_1_Weights

DEPRECATED = ("The parameter 'pretrained' is deprecated since 0.13 and may be removed in the future, please use "
              "'weights' instead.")


def _messages(record):
    return [str(w.message) for w in record]


def test_pretrained_false_is_weights_none_with_torchvisions_warnings():
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model = models.squeezenet1_1(pretrained=False, num_classes=5)
    assert model.classifier[1].out_channels == 5
    assert _messages(record) == [DEPRECATED, "Arguments other than a weight enum or `None` for 'weights' are "
                                 "deprecated since 0.13 and may be removed in the future. The current behavior is "
                                 "equivalent to passing `weights=None`."]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        models.squeezenet1_1(False)  # positional: torchvision skips the first warning
    assert len(record) == 1


def test_pretrained_true_names_torchvisions_file_url_and_the_local_options(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with warnings.catch_warnings(record=True) as record, pytest.raises(FileNotFoundError) as error:
        warnings.simplefilter("always")
        models.resnet18(pretrained=True)
    assert _messages(record)[1].endswith("The current behavior is equivalent to passing "
                                         "`weights=ResNet18_Weights.IMAGENET1K_V1`. You can also use "
                                         "`weights=ResNet18_Weights.DEFAULT` to get the most up-to-date weights.")
    message = str(error.value)
    assert "resnet18-f37072fd.pth" in message and "https://download.pytorch.org/models/resnet18-f37072fd.pth" in message
    assert str(tmp_path / "hub" / "checkpoints") in message and "weights='path/to/resnet18-f37072fd.pth'" in message


@pytest.mark.parametrize("weights", ["DEFAULT", "IMAGENET1K_V2", "ResNet50_Weights.IMAGENET1K_V2",
                                     ResNet50_Weights.DEFAULT, ResNet50_Weights.IMAGENET1K_V2])
def test_weight_names_and_enums_resolve_to_the_same_checkpoint(weights, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="resnet50-11ad3fa6.pth"):
        models.resnet50(weights=weights)


def test_wrong_enum_unknown_name_and_num_classes_are_refused():
    with pytest.raises(TypeError, match="expected ResNet18_Weights but received ResNet50_Weights"):
        models.resnet18(weights=ResNet50_Weights.DEFAULT)
    with pytest.raises(FileNotFoundError):  # an unknown name is a path, as before
        models.resnet18(weights="IMAGENET1K_V9")
    with pytest.raises(ValueError, match="Failed to find Weights IMAGENET1K_V9 in ResNet18_Weights"):
        ResNet18_Weights.verify("IMAGENET1K_V9")
    with pytest.raises(ValueError, match="The parameter 'num_classes' expected value 1000 but got 10 instead."):
        models.resnet18(weights="DEFAULT", num_classes=10)


def test_a_checkpoint_in_torchvisions_cache_folder_is_loaded(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    source = models.squeezenet1_1()
    folder = tmp_path / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    mt.save(source.state_dict(), folder / SqueezeNet1_1_Weights.DEFAULT.file_name)
    loaded = models.squeezenet1_1(weights=SqueezeNet1_1_Weights.DEFAULT)
    for (name, a), (_, b) in zip(source.state_dict().items(), loaded.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert models.squeezenet1_1(pretrained=True).features[0].weight.shape == (64, 3, 3, 3)


def test_enums_carry_url_meta_and_transforms():
    w = ResNet50_Weights.DEFAULT
    assert w is ResNet50_Weights.IMAGENET1K_V2 and w.url == "https://download.pytorch.org/models/resnet50-11ad3fa6.pth"
    assert w.meta["num_params"] == 25557032 and repr(w) == "ResNet50_Weights.IMAGENET1K_V2"
    assert models.get_weight("ResNet50_Weights.IMAGENET1K_V1").url.endswith("resnet50-0676ba61.pth")
    assert models.get_model_weights("mobilenet_v2") is MobileNet_V2_Weights
    preset = w.transforms()
    assert preset.crop_size == [224] and preset.resize_size == [232]
    assert "crop_size=[224]" in repr(preset) and "interpolation=InterpolationMode.BILINEAR" in repr(preset)


def test_meta_categories_are_the_1000_imagenet_classes():
    categories = ResNet18_Weights.DEFAULT.meta["categories"]
    assert len(categories) == 1000 and len(set(categories)) == 1000
    assert categories[:3] == ["tench", "goldfish", "great white shark"] and categories[-1] == "toilet tissue"
    assert categories[207] == "golden retriever" and categories[281] == "tabby"


def test_preset_transform_resizes_crops_and_normalises():
    from PIL import Image

    from minitorch_cnn.utils.data import transforms as T

    pixels = np.random.default_rng(0).integers(0, 256, (300, 400, 3), dtype=np.uint8)
    out = ResNet18_Weights.DEFAULT.transforms()(Image.fromarray(pixels))
    assert out.shape == (3, 224, 224) and out.dtype == mt.float32
    manual = T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])(
        T.ToTensor()(T.CenterCrop(224)(T.Resize(256)(Image.fromarray(pixels)))))
    np.testing.assert_allclose(out.numpy(), manual.numpy(), rtol=1e-6)
    batch = ResNet18_Weights.DEFAULT.transforms()(mt.tensor(pixels.transpose(2, 0, 1)[None]))
    assert batch.shape == (1, 3, 224, 224)


@pytest.mark.parametrize("builder, expected", [("squeezenet1_0", 1248424), ("squeezenet1_1", 1235496),
                                               ("mobilenet_v2", 3504872)])
def test_new_builders_have_torchvisions_parameter_counts(builder, expected):
    model = getattr(models, builder)()
    assert param_count(model) == expected == models.get_model_weights(builder).DEFAULT.meta["num_params"]
    model.eval()
    assert model(mt.randn(1, 3, 32, 32)).shape == (1, 1000)
    assert builder in models.list_models()


def test_mobilenet_v2_state_dict_names():
    keys = list(models.mobilenet_v2().state_dict())
    assert keys[:3] == ["features.0.0.weight", "features.0.1.weight", "features.0.1.bias"]
    assert "features.1.conv.0.0.weight" in keys and "features.1.conv.1.weight" in keys
    assert "features.2.conv.0.0.weight" in keys and "features.2.conv.3.running_var" in keys
    assert keys[-2:] == ["classifier.1.weight", "classifier.1.bias"] and len(keys) == 314


def test_inception_v3_structure_counts_and_aux_head():
    with fast_init():
        model = models.inception_v3()
        no_aux = models.inception_v3(aux_logits=False, init_weights=False)
    assert param_count(model) == 27161264 and param_count(no_aux) == 27161264 - param_count(model.AuxLogits)
    keys = model.state_dict()
    assert keys["Conv2d_1a_3x3.conv.weight"].shape == (32, 3, 3, 3)
    assert keys["Mixed_6b.branch7x7_2.conv.weight"].shape == (128, 128, 1, 7)
    assert keys["AuxLogits.conv1.conv.weight"].shape == (768, 128, 5, 5) and keys["fc.weight"].shape == (1000, 2048)
    assert keys["Mixed_7c.branch3x3dbl_3b.bn.running_var"].shape == (384,)
    model.eval()
    assert model(mt.randn(1, 3, 75, 75)).shape == (1, 1000)  # torchvision's minimum input size
    aux = models.inception.InceptionAux(768, 10)
    assert aux(mt.randn(2, 768, 17, 17)).shape == (2, 10)


def test_inception_v3_with_a_checkpoint_follows_torchvision(tmp_path):
    with fast_init():
        source = models.inception_v3(num_classes=1000)
    path = tmp_path / "inception_v3_google-0cc3c7bd.pth"
    mt.save(source.state_dict(), path)
    loaded = models.inception_v3(weights=str(path))
    assert loaded.transform_input is True and loaded.AuxLogits is not None and loaded.aux_logits is True
    np.testing.assert_array_equal(loaded.fc.weight.detach().numpy(), source.fc.weight.detach().numpy())
    dropped = models.inception_v3(weights=str(path), aux_logits=False)  # (torchvision refuses this combination)
    assert dropped.AuxLogits is None and dropped.aux_logits is False


@requires_torch
def test_squeezenet_and_inverted_residual_match_pytorch_blocks():
    """The same layers written in PyTorch with torchvision's names load our state_dict and agree."""
    import torch
    from torch import nn

    class Fire(nn.Module):
        def __init__(self, inplanes, s, e1, e3):
            super().__init__()
            self.squeeze, self.squeeze_activation = nn.Conv2d(inplanes, s, 1), nn.ReLU()
            self.expand1x1, self.expand1x1_activation = nn.Conv2d(s, e1, 1), nn.ReLU()
            self.expand3x3, self.expand3x3_activation = nn.Conv2d(s, e3, 3, padding=1), nn.ReLU()

        def forward(self, x):
            x = self.squeeze_activation(self.squeeze(x))
            return torch.cat([self.expand1x1_activation(self.expand1x1(x)),
                              self.expand3x3_activation(self.expand3x3(x))], 1)

    def cna(i, o, k, s=1, g=1):
        return nn.Sequential(nn.Conv2d(i, o, k, s, (k - 1) // 2, groups=g, bias=False), nn.BatchNorm2d(o), nn.ReLU6())

    class InvertedResidual(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Sequential(cna(8, 48, 1), cna(48, 48, 3, 1, 48), nn.Conv2d(48, 8, 1, bias=False),
                                      nn.BatchNorm2d(8))

        def forward(self, x):
            return x + self.conv(x)

    ours = [models.squeezenet.Fire(8, 4, 6, 6), models.mobilenetv2.InvertedResidual(8, 8, 1, 6)]
    theirs = [Fire(8, 4, 6, 6), InvertedResidual()]
    x = np.random.default_rng(0).standard_normal((2, 8, 5, 5))
    for a, b in zip(ours, theirs):
        a.double().eval()
        b.double().eval()
        b.load_state_dict({k: torch.tensor(v.numpy()) for k, v in a.state_dict().items()})
        np.testing.assert_allclose(a(mt.tensor(x)).detach().numpy(), b(torch.tensor(x)).detach().numpy(), atol=1e-10)
