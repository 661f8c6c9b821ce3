"""``mt.utils.summary`` prints torchinfo's table: the same text, character for character, as
``torchinfo.summary`` of a torch twin of each zoo model (columns, tree, widths, totals, decimal MB)."""
import contextlib
import io

import pytest
from twins import build

import minitorch_cnn as mt
from minitorch_cnn.utils.summary import COLUMN_NAMES, summary

torch = pytest.importorskip("torch")
torchinfo = pytest.importorskip("torchinfo")

TORCHINFO_COLUMNS = tuple(c for c in COLUMN_NAMES if c != "receptive_field")

ZOO = {
    "lenet5": (mt.models.lenet5, (2, 1, 32, 32)),
    "two_layer_net": (mt.models.two_layer_net, (2, 3072)),
    "resnet20": (mt.models.resnet20, (2, 3, 32, 32)),
    "resnet32": (mt.models.resnet32, (1, 3, 16, 16)),
    "alexnet": (mt.models.alexnet, (1, 3, 64, 64)),
    "inception_3a": (lambda: mt.models.Inception(192, 64, 96, 128, 16, 32, 32), (1, 192, 8, 8)),
}


def reference(twin, **kwargs):
    """torchinfo's text for the torch twin (a model, or its name in twins.py).

    torchinfo 1.8 on Python >= 3.11 formats its unit enum as "Units.MEGABYTES" where it means "M" (its
    README shows "Total mult-adds (M)"): undo that slip."""
    text = str(torchinfo.summary(build(torch, twin) if isinstance(twin, str) else twin, **kwargs))
    for unit, letter in (("MEGABYTES", "M"), ("GIGABYTES", "G"), ("TERABYTES", "T")):
        text = text.replace(f"(Units.{unit})", f"({letter})")
    return text


@pytest.mark.parametrize("name", list(ZOO))
def test_every_torchinfo_column_matches_on_the_zoo(name):
    make, size = ZOO[name]
    kwargs = dict(input_size=size, col_names=TORCHINFO_COLUMNS, verbose=0)
    ours = summary(make(), **kwargs)
    assert str(ours) == reference(name, **kwargs)
    ref = torchinfo.summary(build(torch, name), **kwargs)
    assert (ours.total_params, ours.trainable_params, ours.total_mult_adds, ours.total_output_bytes,
            ours.total_param_bytes) == (ref.total_params, ref.trainable_params, ref.total_mult_adds,
                                        ref.total_output_bytes, ref.total_param_bytes)
    # torchinfo measures the input with sys.getsizeof(storage): the bytes plus 64 of Python object header
    assert ref.total_input - ours.total_input == 64


@pytest.mark.parametrize("options", [
    dict(), dict(depth=1), dict(depth=0), dict(row_settings=("var_names", "ascii_only")),
    dict(row_settings=("hide_recursive_layers", "depth")), dict(verbose=2, col_names=("kernel_size", "num_params")),
    dict(mode="train", col_names=("output_size", "params_percent", "trainable")), dict(batch_dim=0),
], ids=str)
def test_options_match_torchinfo_on_resnet20(options):
    size = (3, 32, 32) if "batch_dim" in options else (2, 3, 32, 32)
    kwargs = {"input_size": size, "verbose": 0, **options}
    with contextlib.redirect_stdout(io.StringIO()):  # verbose=2 prints as well
        assert str(summary(mt.models.resnet20(), **kwargs)) == reference("resnet20", **kwargs)


def test_verbose_1_prints_the_table_and_returns_it(capsys):
    result = summary(mt.models.lenet5(), input_size=(1, 1, 32, 32), verbose=1)
    assert capsys.readouterr().out == str(result) + "\n"


def test_without_input_only_parameters_are_listed():
    assert str(summary(mt.models.resnet20(), verbose=0)) == reference("resnet20", verbose=0)
    with pytest.raises(ValueError, match="You must pass input_data or input_size in order to use columns"):
        summary(mt.models.resnet20(), col_names=("output_size",), verbose=0)


def test_input_data_tensor_or_list_of_arguments():
    x = mt.zeros(2, 1, 32, 32)
    for data, twin_data in ((x, torch.zeros(2, 1, 32, 32)), ([x], [torch.zeros(2, 1, 32, 32)])):
        ours = str(summary(mt.models.lenet5(), input_data=data, col_names=("input_size", "output_size"), verbose=0))
        assert ours == reference("lenet5", input_data=twin_data, col_names=("input_size", "output_size"), verbose=0)


def test_frozen_layers_are_non_trainable_and_partial():
    model, twin = mt.models.lenet5(), build(torch, "lenet5")
    for m in (model, twin):
        m.conv1.weight.requires_grad_(False)
        m.fc3.requires_grad_(False)
    cols = ("num_params", "trainable")
    ours = summary(model, input_size=(1, 1, 32, 32), col_names=cols, verbose=0)
    assert str(ours) == reference(twin, input_size=(1, 1, 32, 32), col_names=cols, verbose=0)
    assert ours.trainable_params == 61_706 - 150 - 850


def test_bad_arguments_raise_torchinfos_errors():
    model = mt.models.lenet5()
    with pytest.raises(RuntimeError, match=r"Only one of \(input_data, input_size\) should be specified"):
        summary(model, input_size=(1, 1, 32, 32), input_data=mt.zeros(1, 1, 32, 32), verbose=0)
    with pytest.raises(ValueError, match="'flops' is not a valid ColumnSettings"):
        summary(model, input_size=(1, 1, 32, 32), col_names=("flops",), verbose=0)
    with pytest.raises(ValueError, match="Column width must be greater than 0: col_width=0"):
        summary(model, input_size=(1, 1, 32, 32), col_width=0, verbose=0)
    with pytest.raises(ValueError, match="negative size"):
        summary(model, input_size=(1, -1, 32, 32), verbose=0)
    with pytest.raises(ValueError, match="Verbose must be either 0"):
        summary(model, input_size=(1, 1, 32, 32), verbose=3)
    with pytest.raises(RuntimeError, match="Executed layers up to"):
        summary(model, input_size=(1, 3, 32, 32), verbose=0)  # 3 channels into a 1-channel conv


def test_cache_forward_pass_reuses_the_first_run():
    from minitorch_cnn.utils.summary import clear_cached_forward_pass

    clear_cached_forward_pass()
    first = summary(mt.models.lenet5(), input_size=(1, 1, 32, 32), cache_forward_pass=True, verbose=0)
    # a different input size, but the cached pass of the class "LeNet5" is shown (torchinfo's warning)
    again = summary(mt.models.lenet5(), input_size=(4, 1, 32, 32), cache_forward_pass=True, verbose=0)
    assert again.summary_list is first.summary_list
    clear_cached_forward_pass()
    fresh = summary(mt.models.lenet5(), input_size=(4, 1, 32, 32), cache_forward_pass=True, verbose=0)
    assert fresh.summary_list[1].output_size == [4, 6, 28, 28]
    clear_cached_forward_pass()
