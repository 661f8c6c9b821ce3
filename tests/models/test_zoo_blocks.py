"""float64 finite-difference proof of every building block of the zoo, at tiny widths: the gradient with
respect to the input and to every parameter (batch norm in training mode, so through batch statistics)."""
import pytest
from zoo_helpers import projection

import minitorch_cnn as mt
from minitorch_cnn import models
from minitorch_cnn import nn
from minitorch_cnn.models.densenet import _DenseBlock, _DenseLayer, _Transition


BLOCKS = {
    "basic_block": (lambda: models.BasicBlock(3, 3), (2, 3, 4, 4)),
    "basic_block_downsample": (lambda: models.BasicBlock(2, 4, stride=2, downsample=projection(2, 4, 2)),
                               (2, 2, 5, 5)),
    "bottleneck_groups": (lambda: models.Bottleneck(8, 2, stride=2, downsample=projection(8, 8, 2), groups=2,
                                                    base_width=64), (2, 8, 4, 4)),
    "cifar_option_a_block": (lambda: models.BasicBlock(2, 4, stride=2, downsample=models.PadShortcut(2, 4, 2)),
                             (2, 2, 4, 4)),
    "wide_basic": (lambda: models.WideBasic(2, 3, stride=2), (2, 2, 4, 4)),
    "inception": (lambda: models.Inception(3, 2, 2, 3, 1, 2, 2), (2, 3, 3, 3)),
    "naive_inception": (lambda: models.NaiveInception(2, 1, 2, 1), (2, 2, 3, 3)),
    "dense_layer": (lambda: _DenseLayer(3, growth_rate=2, bn_size=2, drop_rate=0), (2, 3, 3, 3)),
    "dense_block": (lambda: _DenseBlock(2, 2, bn_size=2, growth_rate=2, drop_rate=0), (2, 2, 3, 3)),
    "transition": (lambda: _Transition(4, 2), (2, 4, 4, 4)),
    # AlexNet paper's first stage: conv -> ReLU -> overlapping max-pool -> local response norm.
    "lrn_block": (lambda: nn.Sequential(nn.Conv2d(2, 6, 3), nn.ReLU(), nn.MaxPool2d(3, 2),
                                        nn.LocalResponseNorm(size=5, alpha=5e-4, beta=0.75, k=2.0)), (2, 2, 9, 9)),
}


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_block_gradcheck(name, device):
    build, input_shape = BLOCKS[name]
    block = build().double().to(device).train()
    x = mt.randn(*input_shape, dtype=mt.float64, device=device, requires_grad=True)
    params = list(block.parameters())

    def fn(x, *params):  # params are perturbed in place by gradcheck; the block reads them
        return block(x)

    # Every parameter and the input, along random directions (all elements of the tiny input).
    assert mt.autograd.gradcheck(fn, (x, *params), fast_mode=True, num_directions=3, atol=1e-6, rtol=1e-4)
    assert mt.autograd.gradcheck(lambda x: block(x), (x,), atol=1e-6, rtol=1e-4)


def test_dense_layer_accepts_a_list_and_concatenates():
    layer = _DenseLayer(5, growth_rate=2, bn_size=2, drop_rate=0).eval()
    a, b = mt.randn(1, 3, 4, 4), mt.randn(1, 2, 4, 4)
    with mt.no_grad():
        from_list = layer([a, b]).numpy()
        from_tensor = layer(mt.cat([a, b], 1)).numpy()
    assert from_list.shape == (1, 2, 4, 4)
    assert (from_list == from_tensor).all()
