"""``mt.utils.summary`` reproduces the lecture's tables: LeNet's ~60K parameters, AlexNet's shape chain,
the naive Inception module's 854M multiply-adds, and torchvision's published GFLOPS column (which counts
the multiply-accumulates of conv and linear layers) for resnet50, densenet121, alexnet and googlenet."""
import pytest
from zoo_helpers import TORCHVISION_REFERENCE, fast_init

import minitorch_cnn as mt
from minitorch_cnn import models
from minitorch_cnn.utils.summary import summary


@pytest.mark.parametrize("call", ["resnet50", "densenet121", "alexnet", "googlenet(aux_logits=False)"])
def test_macs_equal_torchvisions_published_gflops(call):
    with fast_init():
        model = models.googlenet(aux_logits=False) if call.startswith("googlenet") else models.get_model(call)
    result = summary(model, input_size=(1, 3, 224, 224))
    assert round(result.total_macs / 1e9, 3) == TORCHVISION_REFERENCE[call]["gflops_224"]
    assert result.total_params == TORCHVISION_REFERENCE[call]["num_params"]


def test_lenet5_table():
    result = summary(models.lenet5(), input_size=(1, 1, 32, 32))
    assert result.total_params == result.trainable_params == 61_706  # the lecture's "~60K"
    rows = {row.name: row for row in result.rows}
    assert rows["conv1"].output_shape == [1, 6, 28, 28] and rows["conv2"].output_shape == [1, 16, 10, 10]
    assert [rows[n].num_params for n in ("conv1", "conv2", "fc1", "fc2", "fc3")] == [156, 2416, 48120, 10164, 850]
    # conv: H_out * W_out * C_out * (C_in * k * k); linear: out * in
    assert [rows[n].macs for n in ("conv1", "conv2", "fc1", "fc2", "fc3")] == [
        28 * 28 * 6 * 25, 10 * 10 * 16 * 150, 120 * 400, 84 * 120, 10 * 84]
    assert result.total_macs == 416_520
    assert [r.output_shape for r in result.rows if r.name == "pool"] == [[1, 6, 14, 14], [1, 16, 5, 5]]
    assert result.activation_bytes == 4 * sum(
        1 * c * h * w for c, h, w in [(6, 28, 28), (6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 10, 10),
                                      (16, 5, 5)]) + 4 * (120 + 120 + 84 + 84 + 10)
    text = str(result)
    assert "Total params: 61,706" in text and "├─Conv2d: 1-1" in text and "[1, 6, 28, 28]" in text


def test_alexnet_paper_shape_chain_in_the_table():
    with fast_init():
        model = models.alexnet(variant="paper")
    result = summary(model, input_size=(1, 3, 227, 227))
    chain = [row.output_shape[1:] for row in result.rows if row.type in ("Conv2d", "MaxPool2d", "Linear")]
    assert chain == [[96, 55, 55], [96, 27, 27], [256, 27, 27], [256, 13, 13], [384, 13, 13], [384, 13, 13],
                     [256, 13, 13], [256, 6, 6], [4096], [4096], [1000]]


def test_bottlenecks_cut_the_inception_modules_cost():
    """Lecture 9: naive module at 28x28x256 with 128 1x1, 192 3x3, 96 5x5 filters = 854M ops."""
    naive = summary(models.NaiveInception(256, 128, 192, 96), input_size=(1, 256, 28, 28))
    assert naive.total_macs == 28 * 28 * 256 * (128 * 1 + 192 * 9 + 96 * 25) == 854_196_224
    assert naive.rows[-1].output_shape == [1, 256, 28, 28]  # the pool branch passes all 256 channels
    bottleneck = summary(models.Inception(256, 128, 64, 192, 64, 96, 64), input_size=(1, 256, 28, 28))
    assert bottleneck.total_macs < naive.total_macs / 4


def test_summary_leaves_the_model_as_it_found_it():
    model = models.resnet20().train()
    model.layer1[0].bn1.eval()  # a frozen batch norm inside a training model keeps its mode
    model.fc.weight.requires_grad_(False)
    result = summary(model, input_size=(2, 3, 32, 32))
    assert result.trainable_params == result.total_params - 640
    assert result.rows[-1].output_shape == [2, 10] and result.input_bytes == 2 * 3 * 32 * 32 * 4
    assert model.training and model.layer1[0].conv1.training and not model.layer1[0].bn1.training
    assert not model.bn1._forward_hooks and not model.bn1._forward_pre_hooks
    assert model.bn1.num_batches_tracked.item() == 0  # ran in eval mode


def test_googlenet_aux_heads_are_not_counted_in_eval():
    with fast_init():
        model = models.googlenet()  # with aux heads
    result = summary(model, input_size=(1, 3, 64, 64))
    assert not any(row.name.startswith("aux") for row in result.rows)
    assert result.total_params == TORCHVISION_REFERENCE["googlenet"]["num_params"]


def test_bad_input_size_raises_and_removes_hooks():
    model = models.lenet5()
    with pytest.raises(RuntimeError, match="channels"):
        summary(model, input_size=(1, 3, 32, 32))
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())


def test_mt_utils_summary_is_the_function():
    assert mt.utils.summary is summary
