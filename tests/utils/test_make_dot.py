"""make_dot: the backward graph of a ResNet BasicBlock and an Inception block, edge by edge, and the
same DOT text as torchviz draws for a PyTorch twin (node ids aside)."""
import builtins
import collections
import re

import pytest
from twins import build

import minitorch_cnn as mt
from minitorch_cnn.models.resnet import BasicBlock
from minitorch_cnn.utils import viz
from minitorch_cnn.utils.viz import DotGraph, dot_edges, make_dot


def canonical(source):
    """DOT text with each node id replaced by its order of first appearance."""
    ids = {}
    return re.sub(r"(?<![\w.])\d{5,}(?![\w.])", lambda m: str(ids.setdefault(m.group(0), len(ids))), source)


def projection_block():
    shortcut = mt.nn.Sequential(mt.nn.Conv2d(4, 6, 1, stride=2, bias=False), mt.nn.BatchNorm2d(6))
    return BasicBlock(4, 6, stride=2, downsample=shortcut)


def test_basic_block_edges():
    block = BasicBlock(4, 4)
    x = mt.randn(2, 4, 6, 6, requires_grad=True)
    dot = make_dot(block(x), params={"x": x, **dict(block.named_parameters())})
    edges = collections.Counter(dot_edges(dot.source))
    # relu(bn2(conv2(relu(bn1(conv1(x))))) + x): the input feeds conv1 and, through the shortcut, the add
    assert edges[("AccumulateGrad", "ConvolutionBackward0")] == 3  # x, conv1.weight, conv2.weight
    assert edges[("AccumulateGrad", "AddBackward0")] == 1  # the identity shortcut
    assert edges[("NativeBatchNormBackward0", "AddBackward0")] == 1
    assert edges[("AddBackward0", "ReluBackward0")] == 1 and edges[("ReluBackward0", "ConvolutionBackward0")] == 1
    assert edges[("ConvolutionBackward0", "NativeBatchNormBackward0")] == 2
    assert edges[("AccumulateGrad", "NativeBatchNormBackward0")] == 4  # bn1 and bn2: weight and bias
    assert edges[("x", "AccumulateGrad")] == 1 and edges[("conv1.weight", "AccumulateGrad")] == 1
    assert sum(edges.values()) == 3 + 1 + 1 + 1 + 1 + 2 + 4 + 1 + 6 + 1 + 1  # + 7 leaves + relu1 + output
    assert 'label="conv2.weight\n (4, 4, 3, 3)" fillcolor=lightblue' in dot.source
    assert 'label="\n (2, 4, 6, 6)" fillcolor=darkolivegreen1' in dot.source


def test_inception_block_concatenates_four_branches():
    block = mt.models.Inception(8, 2, 2, 3, 2, 3, 2)
    edges = collections.Counter(dot_edges(make_dot(block(mt.zeros(1, 8, 5, 5))).source))
    assert edges[("ReluBackward0", "CatBackward0")] == 4  # each branch ends in BasicConv2d's relu
    assert edges[("MaxPool2DWithIndicesBackward0", "ConvolutionBackward0")] == 0  # x needs no grad: no pool node
    x = mt.zeros(1, 8, 5, 5, requires_grad=True)
    edges = collections.Counter(dot_edges(make_dot(block(x)).source))
    assert edges[("AccumulateGrad", "MaxPool2DWithIndicesBackward0")] == 1
    assert edges[("MaxPool2DWithIndicesBackward0", "ConvolutionBackward0")] == 1
    assert edges[("AccumulateGrad", "ConvolutionBackward0")] == 6 + 3  # six conv weights; x feeds 3 branches
    assert edges[("ConvolutionBackward0", "NativeBatchNormBackward0")] == 6
    assert edges[("CatBackward0", "")] == 1  # into the output box


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torchviz imports distutils
@pytest.mark.parametrize("name, args, shape", [
    ("BasicBlock", (4, 4), (2, 4, 6, 6)),
    ("Inception", (8, 2, 2, 3, 2, 3, 2), (1, 8, 5, 5)),
])
def test_same_dot_text_as_torchviz(name, args, shape):
    torch = pytest.importorskip("torch")
    torchviz = pytest.importorskip("torchviz")
    ours = BasicBlock(*args) if name == "BasicBlock" else mt.models.Inception(*args)
    twin = build(torch, name, *args)
    x, tx = mt.zeros(*shape, requires_grad=True), torch.zeros(*shape, requires_grad=True)
    got = make_dot(ours(x), params={"x": x, **dict(ours.named_parameters())}).source
    want = torchviz.make_dot(twin(tx), params={"x": tx, **dict(twin.named_parameters())}).source
    assert canonical(got) == canonical(want)


def test_projection_shortcut_and_attributes():
    block = projection_block()
    dot = make_dot(block(mt.zeros(1, 4, 6, 6)), show_attrs=True)
    assert collections.Counter(dot_edges(dot.source))[("NativeBatchNormBackward0", "AddBackward0")] == 2
    assert re.search(r"\nstride\s*:\s*\(2, 2\)\n", dot.source)  # conv1 and the 1x1 projection
    saved = make_dot(block(mt.zeros(1, 4, 6, 6)), show_saved=True).source
    assert re.search(r'label="saved_tensors\[0\]\n \(1, 6, 3, 3\)" fillcolor=orange', saved)  # relu's output


def test_after_backward_the_freed_graph_has_no_inputs():
    layer = mt.nn.Linear(3, 2)
    y = layer(mt.randn(4, 3)).sum()
    before = dot_edges(make_dot(y).source)
    y.backward()
    after = dot_edges(make_dot(y).source)
    assert len(before) > len(after) == 1  # only SumBackward0 -> output remains


def test_several_outputs_and_a_deep_network():
    a = mt.randn(3, requires_grad=True)
    edges = dot_edges(make_dot((a * 2, a.exp()), params={"a": a}).source)
    assert edges.count(("a", "AccumulateGrad")) == 1 and ("AccumulateGrad", "ExpBackward0") in edges
    deep = mt.models.resnet110()  # 110 layers: the walk is iterative, no recursion limit
    source = make_dot(deep(mt.zeros(1, 3, 8, 8))).source
    assert source.count("[label=ConvolutionBackward0]") == 109


def test_without_graphviz_the_same_dot_text(monkeypatch):
    graphviz = pytest.importorskip("graphviz")
    block = projection_block()
    y = block(mt.zeros(1, 4, 6, 6))
    params = dict(block.named_parameters())
    with_package = make_dot(y, params=params, show_attrs=True)
    assert isinstance(with_package, graphviz.Digraph)
    real_import = builtins.__import__

    def no_graphviz(name, *args, **kwargs):
        if name == "graphviz":
            raise ImportError("No module named 'graphviz'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_graphviz)
    fallback = make_dot(y, params=params, show_attrs=True)
    assert isinstance(fallback, DotGraph)
    assert fallback.source == with_package.source
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        fallback.render("graph")


def test_params_must_be_tensors():
    with pytest.raises(TypeError, match=r"make_dot: params\['w'\] must be a Tensor, got int"):
        make_dot(mt.ones(1, requires_grad=True) * 2, params={"w": 3})
    assert viz.GRAPHVIZ_INSTALL_HINT.startswith("rendering needs the Graphviz 'dot' program")
