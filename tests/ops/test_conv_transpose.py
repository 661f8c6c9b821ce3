"""conv_transpose2d / conv_transpose1d and nn.ConvTranspose1d/2d: the scatter-add reference, PyTorch parity
(forward and gradients, float64) over a grid of stride/padding/output_padding/dilation/groups, gradcheck and
gradgradcheck, PyTorch's error messages word for word, and the modules' constructor, init, repr and output_size."""
import math

import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from cnn_helpers import assert_gradcheck, assert_torch_parity, leaves
from conftest import HAS_TORCH, requires_torch
from minitorch_cnn import nn
from minitorch_cnn.ops.conv_transpose import ConvTranspose2d, conv_transpose2d_reference

# (stride, padding, output_padding, dilation, groups): every output_padding < stride or < dilation,
# including output_padding >= stride (allowed by a larger dilation) where dX must be cut back
GRID = [
    ((1, 1), (0, 0), (0, 0), (1, 1), 1),
    ((2, 2), (0, 0), (1, 1), (1, 1), 1),
    ((2, 1), (1, 0), (1, 0), (1, 1), 1),
    ((3, 2), (1, 1), (2, 1), (1, 1), 2),
    ((1, 2), (0, 1), (1, 0), (2, 1), 1),  # output_padding 1 with stride 1 (dilation 2)
    ((2, 3), (2, 1), (0, 2), (2, 3), 2),
    ((1, 1), (1, 2), (0, 0), (2, 2), 3),
    ((3, 3), (0, 2), (2, 2), (1, 2), 1),
]
IDS = [f"s{s}p{p}op{op}d{d}g{g}".replace(" ", "") for s, p, op, d, g in GRID]
rng = np.random.default_rng(0)


def case_arrays(groups, x_hw=(4, 5), kernel=(3, 2), c_in_g=2, c_out_g=2, batch=2):
    x = rng.standard_normal((batch, groups * c_in_g, *x_hw))
    w = rng.standard_normal((groups * c_in_g, c_out_g, *kernel))
    b = rng.standard_normal(groups * c_out_g)
    return x, w, b


def kwargs(stride, padding, output_padding, dilation, groups):
    return dict(stride=stride, padding=padding, output_padding=output_padding, dilation=dilation, groups=groups)


@pytest.mark.parametrize("cfg", GRID, ids=IDS)
def test_fast_path_gives_the_numbers_of_the_reference(cfg):
    stride, padding, output_padding, dilation, groups = cfg
    x, w, b = case_arrays(groups)
    for bias in (b, None):
        out = ConvTranspose2d(stride, padding, output_padding, dilation, groups)(mt.tensor(x), mt.tensor(w),
                                                                                 None if bias is None else mt.tensor(b))
        expected = conv_transpose2d_reference(x, w, bias, stride, padding, output_padding, dilation, groups)
        assert out.shape == expected.shape
        np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)


def linear_adjoint(f, arg_shape, g):
    """f^T g for a linear f, one basis vector at a time: entry k is <g, f(e_k)>."""
    basis = np.eye(int(np.prod(arg_shape))).reshape(-1, *arg_shape)
    return np.array([(g * f(e)).sum() for e in basis]).reshape(arg_shape)


@pytest.mark.parametrize("cfg", [GRID[3], GRID[4]], ids=[IDS[3], IDS[4]])
def test_gradients_are_the_adjoints_of_the_reference(cfg):
    """dX and dW of the Function = the exact transposes of the reference, torch or not."""
    stride, padding, output_padding, dilation, groups = cfg
    x, w, _ = case_arrays(groups, x_hw=(3, 2), batch=1)
    ref = lambda x_, w_: conv_transpose2d_reference(x_, w_, None, stride, padding, output_padding,  # noqa: E731
                                                     dilation, groups)
    g = rng.standard_normal(ref(x, w).shape)
    xt, wt = leaves([x, w])
    ConvTranspose2d(stride, padding, output_padding, dilation, groups)(xt, wt, None).backward(mt.tensor(g))
    np.testing.assert_allclose(xt.grad.numpy(), linear_adjoint(lambda e: ref(e, w), x.shape, g), atol=1e-12)
    np.testing.assert_allclose(wt.grad.numpy(), linear_adjoint(lambda e: ref(x, e), w.shape, g), atol=1e-12)


@requires_torch
@pytest.mark.parametrize("cfg", GRID, ids=IDS)
def test_forward_and_gradients_match_torch(cfg):
    import torch.nn.functional as TF

    kw = kwargs(*cfg)
    x, w, b = case_arrays(cfg[4])
    assert_torch_parity(lambda *a: F.conv_transpose2d(*a, **kw), lambda *a: TF.conv_transpose2d(*a, **kw), [x, w, b])
    assert_torch_parity(lambda *a: F.conv_transpose2d(*a, **kw), lambda *a: TF.conv_transpose2d(*a, **kw), [x, w])
    # and the reference agrees with torch on its own
    theirs = TF.conv_transpose2d(*(torch_tensor(a) for a in (x, w, b)), **kw).numpy()
    np.testing.assert_allclose(conv_transpose2d_reference(x, w, b, cfg[0], cfg[1], cfg[2], cfg[3], cfg[4]), theirs,
                               atol=1e-12)


def torch_tensor(a):
    import torch

    return torch.tensor(a, dtype=torch.float64)


@pytest.mark.parametrize("cfg", GRID[1::2], ids=IDS[1::2])
def test_gradcheck(cfg):
    kw = kwargs(*cfg)
    x, w, b = case_arrays(cfg[4], x_hw=(3, 2), batch=1)
    assert_gradcheck(lambda *a: F.conv_transpose2d(*a, **kw), [x, w, b])


@pytest.mark.parametrize("cfg", [GRID[3], GRID[4]], ids=[IDS[3], IDS[4]])
def test_gradgradcheck(cfg):
    """The backward is differentiable again: dX is a conv2d, dW a Function whose backward are convolutions."""
    kw = kwargs(*cfg)
    x, w, b = case_arrays(cfg[4], x_hw=(2, 2), c_in_g=1, batch=1)
    assert mt.autograd.gradgradcheck(lambda *a: F.conv_transpose2d(*a, **kw), leaves([x, w, b]))


def test_node_names_are_pytorchs():
    x, w, b = leaves(case_arrays(1))
    out = F.conv_transpose2d(x, w, b, stride=2)
    assert out.grad_fn.name() == "ConvolutionBackward0"
    gx, gw = mt.autograd.grad(out.pow(2).sum(), [x, w], create_graph=True)
    # recorded, so a second derivative exists; PyTorch's names of a convolution's double backward
    assert gx.grad_fn.name() == gw.grad_fn.name() == "ConvolutionBackwardBackward0"


@requires_torch
def test_unbatched_1d_and_empty_batch_match_torch():
    import torch.nn.functional as TF

    x, w, b = case_arrays(2)
    assert_torch_parity(lambda *a: F.conv_transpose2d(*a, stride=2, groups=2),
                        lambda *a: TF.conv_transpose2d(*a, stride=2, groups=2), [x[0], w, b])
    x1, w1 = rng.standard_normal((2, 4, 5)), rng.standard_normal((4, 3, 3))
    for kw in (dict(stride=2, padding=1, output_padding=1), dict(dilation=2, groups=2, output_padding=1)):
        w_ = w1[:, :3] if kw.get("groups") is None else w1
        assert_torch_parity(lambda *a: F.conv_transpose1d(*a, **kw), lambda *a: TF.conv_transpose1d(*a, **kw),
                            [x1, w_, rng.standard_normal(w_.shape[1] * kw.get("groups", 1))])
        assert_torch_parity(lambda *a: F.conv_transpose1d(*a, **kw), lambda *a: TF.conv_transpose1d(*a, **kw),
                            [x1[0], w_])
    x, w, b = leaves([np.zeros((0, 4, 5, 5)), rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(2)])
    empty = F.conv_transpose2d(x, w, b, stride=2)  # an empty batch: an empty output, zero gradients
    assert empty.shape == (0, 2, 11, 11)
    empty.sum().backward()
    assert x.grad.shape == x.shape and not w.grad.numpy().any() and not b.grad.numpy().any()


def test_top_level_names_and_float32(device):
    assert mt.conv_transpose2d is F.conv_transpose2d and mt.conv_transpose1d is F.conv_transpose1d
    x = mt.randn(2, 3, 4, 4, device=device, requires_grad=True)
    w = mt.randn(3, 5, 3, 3, device=device, requires_grad=True)
    out = mt.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)
    assert out.shape == (2, 5, 8, 8) and out.dtype == mt.float32
    out.sum().backward()
    assert x.grad.dtype == mt.float32 and w.grad.shape == w.shape


# (function, input shape, weight shape or factor, bias shape, keyword arguments) -> PyTorch's error
ERRORS = [
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 3, 3), None, dict(stride=2, output_padding=2)),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 3, 3), None, dict(stride=2, output_padding=(0, 2), dilation=2)),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 3, 3), None, dict(output_padding=1)),
    ("conv_transpose2d", (1, 3, 5, 5), (4, 2, 3, 3), None, {}),
    ("conv_transpose2d", (1, 4, 5, 5), (3, 2, 3, 3), None, dict(groups=2)),
    ("conv_transpose2d", (1, 4, 5, 5), (1, 2, 3, 3), None, dict(groups=2)),
    ("conv_transpose2d", (5, 5), (4, 2, 3, 3), None, {}),
    ("conv_transpose2d", (1, 1, 4, 5, 5), (4, 2, 3, 3), None, {}),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 3), None, {}),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2), None, {}),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 3, 3, 3), None, {}),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 3, 3), (3,), {}),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 3, 3), (2, 1), {}),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 3, 3), None, dict(padding=-1)),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 3, 3), None, dict(padding=5)),
    ("conv_transpose2d", (1, 4, 2, 2), (4, 2, 1, 1), None, dict(padding=1)),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 3, 3), None, dict(stride=0)),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 3, 3), None, dict(dilation=0)),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 3, 3), None, dict(dilation=-1)),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 3, 3), None, dict(groups=0)),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 3, 3), None, dict(groups=3)),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 3, 3), None, dict(output_padding=-1)),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 3, 3), None, dict(stride=(1, 2, 3))),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 3, 3), None, dict(stride=())),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 3, 3), None, dict(padding="same")),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 3, 3), None, dict(stride=1.5)),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 3, 3), None, dict(groups=1.0)),
    ("conv_transpose2d", (1, 4, 0, 5), (4, 2, 3, 3), None, {}),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 0, 3, 3), None, {}),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 0, 3), None, {}),
    ("conv_transpose1d", (1, 4, 5), (4, 2, 3), None, dict(stride=2, output_padding=2)),
    ("conv_transpose1d", (1, 3, 5), (4, 2, 3), None, {}),
    ("conv_transpose1d", (1, 1, 3, 5), (4, 2, 3), None, {}),
    ("conv_transpose1d", (5,), (3, 2, 3), None, {}),
    ("conv_transpose1d", (1, 4, 5), (4, 2, 3), None, dict(stride=(1, 2))),
    ("conv_transpose1d", (1, 4, 5), (4, 2, 3, 3), None, {}),
    ("conv_transpose1d", (1, 4, 5), (4, 2, 3), None, dict(padding=5)),
    ("conv_transpose1d", (1, 4, 5), (4, 2, 3), None, dict(dilation=0)),
    ("conv_transpose1d", (1, 4, 5), (4, 2, 3), (3,), {}),
]


def error_of(lib, name, x_shape, w_shape, b_shape, kw):
    args = [lib.randn(*x_shape), lib.randn(*w_shape)] + ([lib.randn(*b_shape)] if b_shape else [])
    with pytest.raises((RuntimeError, TypeError)) as info:
        getattr(lib.nn.functional, name)(*args, **kw)
    return info.type, str(info.value)


@requires_torch
@pytest.mark.parametrize("case", ERRORS, ids=[f"{c[0]}-{k}" for k, c in enumerate(ERRORS)])
def test_errors_are_pytorchs_word_for_word(case):
    """Each message is PyTorch's, behind the op's name (the project's form, as for conv2d)."""
    import torch

    kind, theirs = error_of(torch, *case)
    ours_kind, ours = error_of(mt, *case)
    assert ours_kind is kind
    assert ours == theirs if kind is TypeError else ours == f"{case[0]}: {theirs}"


def test_output_padding_error_text():
    with pytest.raises(RuntimeError, match=r"^conv_transpose2d: output padding must be smaller than either stride or "
                                           r"dilation, but got output_padding_height: 2 output_padding_width: 2 "
                                           r"stride_height: 2 stride_width: 2 dilation_height: 1 dilation_width: 1$"):
        F.conv_transpose2d(mt.randn(1, 4, 5, 5), mt.randn(4, 2, 3, 3), stride=2, output_padding=2)
    with pytest.raises(RuntimeError, match=r"Given transposed=1, weight of size \[4, 2, 3, 3\], expected "
                                           r"input\[1, 3, 5, 5\] to have 4 channels, but got 3 channels instead"):
        F.conv_transpose2d(mt.randn(1, 3, 5, 5), mt.randn(4, 2, 3, 3))


# ---------------------------------------------------------------- the modules
MODULES = [
    "nn.ConvTranspose2d(4, 2, 3)", "nn.ConvTranspose2d(4, 6, (3, 2), stride=2, padding=1, output_padding=1)",
    "nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1, bias=False, dilation=2, groups=2, padding=1)",
    "nn.ConvTranspose1d(4, 2, 3, stride=2)", "nn.ConvTranspose1d(4, 6, 2, padding=1, dilation=3, groups=2)",
]


@requires_torch
@pytest.mark.parametrize("expr", MODULES)
def test_modules_match_torch(expr):
    import torch

    ours, theirs = eval(expr, {"nn": nn}).double(), eval(expr, {"nn": torch.nn}).double()
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x = rng.standard_normal((2, 4, 5) if "1d" in expr else (2, 4, 5, 4))
    params = [p for _, p in ours.named_parameters()]
    x_mt, x_t = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = ours(x_mt), theirs(x_t)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), atol=1e-12)
    v = rng.standard_normal(ref.shape)
    out.backward(mt.tensor(v))
    ref.backward(torch.tensor(v))
    for a, b in zip([x_mt] + params, [x_t] + list(theirs.parameters())):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-12)


def test_default_init_uses_fan_in_of_weight_dim_1():
    """PyTorch's rule: kaiming_uniform_(a=sqrt(5)) on the weight, whose fan_in is C_out/G * kh * kw (weight dim 1
    times the kernel), then the bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)): the same draws in the same order."""
    mt.manual_seed(3)
    layer = nn.ConvTranspose2d(64, 48, (3, 5), groups=2)
    assert layer.weight.shape == (64, 24, 3, 5) and layer.bias.shape == (48,)
    mt.manual_seed(3)
    weight, bias, bound = mt.empty(64, 24, 3, 5), mt.empty(48), 1 / math.sqrt(24 * 15)
    nn.init.kaiming_uniform_(weight, a=math.sqrt(5))
    nn.init.uniform_(bias, -bound, bound)
    np.testing.assert_array_equal(layer.weight.detach().numpy(), weight.numpy())
    np.testing.assert_array_equal(layer.bias.detach().numpy(), bias.numpy())
    assert bound * 0.97 < np.abs(weight.numpy()).max() <= bound  # kaiming's bound with a=sqrt(5) is 1/sqrt(fan_in)


@requires_torch
def test_output_size_picks_the_output_padding_as_torch():
    import torch

    ours, theirs = nn.ConvTranspose2d(4, 2, 3, stride=2), torch.nn.ConvTranspose2d(4, 2, 3, stride=2)
    x = mt.randn(1, 4, 5, 5)
    for size in [(11, 11), (12, 11), [1, 2, 11, 12], mt.Size([12, 12])]:
        assert ours(x, output_size=size).shape == tuple(theirs(torch.randn(1, 4, 5, 5), output_size=list(size)).shape)
    assert ours(mt.randn(4, 5, 5), output_size=[2, 12, 11]).shape == (2, 12, 11)  # unbatched: (C, H, W) too
    for size in [(10, 10), (13, 12), [11]]:
        with pytest.raises(ValueError) as theirs_error:
            theirs(torch.randn(1, 4, 5, 5), output_size=size)
        with pytest.raises(ValueError) as ours_error:
            ours(x, output_size=size)
        assert str(ours_error.value) == str(theirs_error.value).replace("torch.Size", "minitorch_cnn.Size")
    one = nn.ConvTranspose1d(2, 3, 3, stride=3)
    assert one(mt.randn(1, 2, 4), output_size=[13]).shape == (1, 3, 13)


CONSTRUCTOR_ERRORS = [
    ("nn.ConvTranspose2d(4, 2, 3, padding_mode='reflect')", 'Only "zeros" padding mode is supported for ConvTranspose2d'),
    ("nn.ConvTranspose1d(4, 2, 3, padding_mode='circular')", 'Only "zeros" padding mode is supported for ConvTranspose1d'),
    ("nn.ConvTranspose2d(4, 2, 3, groups=3)", "in_channels must be divisible by groups"),
    ("nn.ConvTranspose2d(4, 3, 3, groups=2)", "out_channels must be divisible by groups"),
    ("nn.ConvTranspose1d(4, 2, 3, groups=0)", "groups must be a positive integer"),
]


@pytest.mark.parametrize("expr, message", CONSTRUCTOR_ERRORS)
def test_constructor_errors_are_pytorchs(expr, message):
    namespaces = [nn]
    if HAS_TORCH:
        import torch

        namespaces.append(torch.nn)
    for namespace in namespaces:
        with pytest.raises(ValueError) as info:
            eval(expr, {"nn": namespace})
        assert str(info.value) == message


@pytest.mark.skipif(HAS_TORCH, reason="the torch comparison above covers it")
def test_errors_without_torch():
    with pytest.raises(RuntimeError, match="weight should have at least three dimensions"):
        F.conv_transpose2d(mt.randn(1, 4, 5, 5), mt.randn(4, 2))
