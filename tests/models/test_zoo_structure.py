"""Every builder's parameters and state_dict equal torchvision's (recorded in torchvision_reference.json),
the CIFAR networks have the paper's sizes, and the registry finds every model by name."""
import hashlib

import pytest
from zoo_helpers import TORCHVISION_REFERENCE, fast_init, key_shape_lines, param_count, torchvision_or_none

import minitorch_cnn as mt


def build(call, **extra):
    """``"googlenet(aux_logits=False)"`` -> mt.models.googlenet(aux_logits=False)."""
    name, _, args = call.partition("(")
    kwargs = dict(item.split("=") for item in args.rstrip(")").split(",")) if args else {}
    kwargs = {k: {"False": False, "True": True}.get(v, v) for k, v in kwargs.items()}
    with fast_init(zeros=True):
        return mt.models.get_model(name, **kwargs, **extra)


@pytest.mark.parametrize("call", sorted(TORCHVISION_REFERENCE))
def test_builder_matches_torchvision(call):
    expected = TORCHVISION_REFERENCE[call]
    state_dict = build(call).state_dict()
    model_params = sum(v.numel() for k, v in state_dict.items()
                       if not k.endswith(("running_mean", "running_var", "num_batches_tracked")))
    assert model_params == expected["num_params"]
    assert len(state_dict) == expected["num_state_dict_entries"]
    digest = hashlib.sha256(key_shape_lines(state_dict).encode()).hexdigest()
    assert digest == expected["state_dict_sha256"], f"{call}: state_dict keys or shapes differ from torchvision's"


@pytest.mark.parametrize("call, expected", [
    ("resnet18", 11_689_512), ("resnet50", 25_557_032), ("densenet121", 7_978_856),
    ("googlenet(aux_logits=False)", 6_624_904), ("alexnet", 61_100_840), ("vgg16", 138_357_544),
])
def test_headline_parameter_counts(call, expected):
    assert param_count(build(call)) == expected


def test_num_classes_changes_only_the_classifier():
    model = build("resnet18", num_classes=10)
    assert param_count(model) == 11_689_512 - 513 * 1000 + 513 * 10
    assert model.fc.weight.shape == (10, 512)


def test_small_input_resnet_keeps_torchvision_keys():
    small, big = build("resnet18", small_input=True), build("resnet18")
    assert list(small.state_dict()) == list(big.state_dict())
    assert small.conv1.weight.shape == (64, 3, 3, 3)
    assert isinstance(small.maxpool, mt.nn.Identity)


@pytest.mark.parametrize("name, exact, paper_millions", [
    ("resnet20", 269_722, 0.27), ("resnet32", 464_154, 0.46), ("resnet44", 658_586, 0.66),
    ("resnet56", 853_018, 0.85), ("resnet110", 1_727_962, 1.7),
])
def test_cifar_resnets_have_the_papers_sizes(name, exact, paper_millions):
    """He et al. 2016, Table 6; option A shortcuts own no parameters."""
    model = mt.models.get_model(name)
    assert param_count(model) == exact
    assert round(exact / 1e6, 2 if exact < 1e6 else 1) == paper_millions
    shortcuts = [m for m in model.modules() if isinstance(m, mt.models.PadShortcut)]
    assert len(shortcuts) == 2 and all(not list(m.parameters()) for m in shortcuts)


def test_wrn28_10_has_36_5_million_parameters():
    model = build("wrn28_10")
    assert param_count(model) == 36_479_194
    assert model.fc.weight.shape == (10, 640)


def test_lenet5_has_61706_parameters():
    assert param_count(mt.models.lenet5()) == 61_706


def test_alexnet_paper_variant_sizes():
    """The 2012 network: 62.4M parameters, 61.0M with the two-GPU split (the paper's "60 million")."""
    assert param_count(build("alexnet", variant="paper")) == 62_378_344
    assert param_count(build("alexnet", variant="paper", groups=2)) == 60_965_224


def test_registry_lists_and_builds_by_name():
    names = mt.models.list_models()
    for expected in ["alexnet", "vgg16_bn", "googlenet", "resnet18", "resnext50_32x4d", "wide_resnet50_2",
                     "densenet121", "resnet20", "resnet110", "wrn28_10", "lenet5", "two_layer_net"]:
        assert expected in names
    assert mt.models.list_models(include="densenet*") == ["densenet121", "densenet161", "densenet169",
                                                          "densenet201"]
    assert "resnet18" not in mt.models.list_models(include="resnet*", exclude="resnet1*")
    model = mt.models.get_model("resnet20", num_classes=7)
    assert isinstance(model, mt.models.CifarResNet) and model.fc.out_features == 7


def test_unknown_model_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"Unknown model 'resnet19'.*resnet18.*wrn28_10"):
        mt.models.get_model("resnet19")


def test_bad_configurations_are_refused():
    with pytest.raises(ValueError, match="depth must be 6n \\+ 2"):
        mt.models.CifarResNet(21)
    with pytest.raises(ValueError, match="variant"):
        mt.models.alexnet(variant="2012")
    with pytest.raises(ValueError, match="groups=2 needs variant='paper'"):
        mt.models.alexnet(groups=2)
    with pytest.raises(ValueError, match="BasicBlock only supports groups=1"):
        mt.models.resnet18(groups=2)
    with pytest.raises(NotImplementedError, match="memory_efficient"):
        mt.models.DenseNet(block_config=(1, 1), memory_efficient=True)


@pytest.mark.skipif(torchvision_or_none() is None, reason="torchvision is not installed")
@pytest.mark.parametrize("name", ["resnet18", "resnext50_32x4d", "densenet121", "googlenet", "alexnet", "vgg11_bn"])
def test_same_keys_and_shapes_as_installed_torchvision(name):
    tv_model = torchvision_or_none().models.get_model(name, **({"init_weights": False} if name == "googlenet"
                                                              else {}))
    expected = [(k, tuple(v.shape)) for k, v in tv_model.state_dict().items()]
    assert [(k, tuple(v.shape)) for k, v in build(name).state_dict().items()] == expected
