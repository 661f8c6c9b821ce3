"""conv2d: naive-loop reference, finite differences, PyTorch parity, layout and errors."""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from cnn_helpers import assert_gradcheck, assert_torch_parity
from conftest import requires_torch
from minitorch_cnn.ops import conv
from minitorch_cnn.ops.im2col import col2im, im2col


def naive_conv2d(x, w, b, stride, padding, dilation, groups):
    """The definition, one output element at a time."""
    n, c, h, wd = x.shape
    c_out, c_g, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, c_out, oh, ow))
    o_g = c_out // groups
    for i in range(n):
        for o in range(c_out):
            g = o // o_g
            for y in range(oh):
                for z in range(ow):
                    patch = xp[i, g * c_g:(g + 1) * c_g, y * sh:y * sh + dh * (kh - 1) + 1:dh,
                               z * sw:z * sw + dw * (kw - 1) + 1:dw]
                    out[i, o, y, z] = (patch * w[o]).sum() + (b[o] if b is not None else 0)
    return out


@st.composite
def conv_configs(draw):
    groups = draw(st.sampled_from([1, 2]))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    for size, k, s, p, d in zip((h, w), (kh, kw), stride, padding, dilation):
        assume((size + 2 * p - d * (k - 1) - 1) // s + 1 >= 1)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.standard_normal((draw(st.integers(1, 2)), c_in, h, w))
    weight = rng.standard_normal((c_out, c_in // groups, kh, kw))
    bias = rng.standard_normal(c_out)
    return x, weight, bias, dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


@given(conv_configs())
def test_conv2d_matches_naive_loops(cfg):
    x, w, b, kw = cfg
    out = F.conv2d(mt.tensor(x), mt.tensor(w), mt.tensor(b), **kw)
    np.testing.assert_allclose(out.numpy(), naive_conv2d(x, w, b, **kw), atol=1e-12)


@given(conv_configs())
def test_conv2d_gradcheck(cfg):
    x, w, b, kw = cfg
    assert_gradcheck(lambda x, w, b: F.conv2d(x, w, b, **kw), [x, w, b])


@requires_torch
@given(conv_configs())
def test_conv2d_matches_torch(cfg):
    import torch.nn.functional as TF

    x, w, b, kw = cfg
    assert_torch_parity(lambda *a: F.conv2d(*a, **kw), lambda *a: TF.conv2d(*a, **kw), [x, w, b])


@requires_torch
@pytest.mark.parametrize("kernel,dilation", [((3, 3), 1), ((2, 4), 1), ((3, 2), 2)])
def test_padding_same_and_valid_match_torch(kernel, dilation):
    """'same' with an even effective kernel pads one more on the bottom/right, as PyTorch."""
    import torch.nn.functional as TF

    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 6, 7)), rng.standard_normal((4, 3) + kernel)
    for padding in ("same", "valid"):
        assert_torch_parity(lambda x, w: F.conv2d(x, w, padding=padding, dilation=dilation),
                            lambda x, w: TF.conv2d(x, w, padding=padding, dilation=dilation), [x, w])


@requires_torch
def test_unbatched_and_depthwise_match_torch():
    import torch.nn.functional as TF

    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((4, 5, 5)), rng.standard_normal((8, 1, 3, 3))  # depthwise, multiplier 2
    assert_torch_parity(lambda x, w: F.conv2d(x, w, padding=1, groups=4),
                        lambda x, w: TF.conv2d(x, w, padding=1, groups=4), [x, w])


@pytest.mark.parametrize("bias", [True, False])
def test_pointwise_conv_fast_path_matches_loops_and_gradchecks(bias):
    """1x1, stride 1, no padding, one group skips im2col: the same numbers and gradients."""
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((4, 3, 1, 1)), rng.standard_normal(4)
    cfg = dict(stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1)
    out = F.conv2d(mt.tensor(x), mt.tensor(w), mt.tensor(b) if bias else None)
    np.testing.assert_allclose(out.numpy(), naive_conv2d(x, w, b if bias else None, **cfg), atol=1e-12)
    arrays = [x, w, b] if bias else [x, w]
    assert_gradcheck(lambda *a: F.conv2d(*a), arrays)


def test_conv2d_float32_and_device(device):
    x = mt.randn(2, 3, 8, 8, device=device, requires_grad=True)
    w = mt.randn(4, 3, 3, 3, device=device, requires_grad=True)
    out = F.conv2d(x, w, stride=2, padding=1)
    assert out.shape == (2, 4, 4, 4) and out.dtype == mt.float32
    out.sum().backward()
    assert x.grad.dtype == mt.float32 and w.grad.shape == w.shape


def test_col2im_is_the_adjoint_of_im2col():
    """<im2col(x), c> == <x, col2im(c)> for overlapping, strided, dilated, asymmetric-padded windows."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 6))
    args = ((3, 2), (2, 1), ((1, 2), (0, 1)), (2, 1))
    cols = im2col(x, *args, out_size=(3, 6))
    assert cols.shape == (3, 3, 2, 2, 3, 6)  # (C, kh, kw, N, OH, OW)
    c = rng.standard_normal(cols.shape)
    dx = col2im(c, x.shape, *args)
    assert np.isclose((cols * c).sum(), (x * dx).sum())
    # the same columns with the batch innermost, (C, kh, kw, OH, OW, N): the same dx
    batch_last = np.ascontiguousarray(c.transpose(0, 1, 2, 4, 5, 3))
    np.testing.assert_allclose(col2im(batch_last, x.shape, *args, batch_last=True), dx, atol=1e-13)


@given(conv_configs())
def test_input_gradient_as_a_convolution_equals_col2im(cfg):
    """dX = conv2d(dY, rot180(W)^T, padding = d*(k-1) - p) is the same array col2im(W^T dY) gives."""
    x, w, _, kw = cfg
    kw["stride"] = (1, 1)
    assume(all(p <= d * (k - 1) for p, d, k in zip(kw["padding"], kw["dilation"], w.shape[2:])))
    assume(w.shape[0] <= x.shape[1])  # more output channels than input ones: col2im is used

    def input_grad(as_convolution, monkeypatch):
        if not as_convolution:
            monkeypatch.setattr(conv.Conv2d, "_full_padding", lambda self: None)
        xt = mt.tensor(x, requires_grad=True)
        out = F.conv2d(xt, mt.tensor(w), **kw)
        out.backward(mt.tensor(np.random.default_rng(1).standard_normal(out.shape)))
        return xt.grad.numpy()

    with pytest.MonkeyPatch.context() as monkeypatch:
        by_col2im = input_grad(False, monkeypatch)
    fn = conv.Conv2d(kw["stride"], tuple((p, p) for p in kw["padding"]), kw["dilation"], kw["groups"])
    fn.w_shape = w.shape
    assert fn._full_padding() is not None  # stride 1 takes the convolution form
    with pytest.MonkeyPatch.context() as monkeypatch:
        np.testing.assert_allclose(input_grad(True, monkeypatch), by_col2im, atol=1e-12)


def test_conv2d_errors_name_the_numbers():
    x = mt.randn(2, 4, 5, 5)
    with pytest.raises(RuntimeError, match=r"expected input\[2, 4, 5, 5\] to have 3 channels, but got 4"):
        F.conv2d(x, mt.randn(8, 3, 3, 3))
    with pytest.raises(RuntimeError, match="Given groups=3, expected weight to be divisible by 3"):
        F.conv2d(mt.randn(2, 6, 5, 5), mt.randn(4, 2, 3, 3), groups=3)
    with pytest.raises(RuntimeError, match=r"padded input size per channel: \(2 x 2\). Kernel size: \(3 x 3\)"):
        F.conv2d(mt.randn(1, 3, 2, 2), mt.randn(4, 3, 3, 3))
    with pytest.raises(RuntimeError, match="padding='same' is not supported for strided convolutions"):
        F.conv2d(x, mt.randn(4, 4, 3, 3), stride=2, padding="same")
    with pytest.raises(RuntimeError, match="expected bias to be 1-dimensional with 4 elements"):
        F.conv2d(x, mt.randn(4, 4, 3, 3), mt.randn(3))
    with pytest.raises(RuntimeError, match="non-positive groups"):
        F.conv2d(x, mt.randn(4, 4, 3, 3), groups=0)
    with pytest.raises(RuntimeError, match="Expected 3D"):
        F.conv2d(mt.randn(5, 5), mt.randn(4, 4, 3, 3))


# ---- the chunked channels-last route (``conv_chunked.py``), forced on for small shapes ---------------
def force_chunked_route(monkeypatch):
    """Every one-group convolution takes the chunked route, in chunks of a few window rows (so that
    images are also cut into bands of output rows)."""
    from minitorch_cnn.ops import conv_chunked

    monkeypatch.setattr(conv.Conv2d, "CHUNKED_MIN_WINDOW", 0)
    monkeypatch.setattr(conv.Conv2d, "CHUNKED_MIN_COLUMNS", 0)
    monkeypatch.setattr(conv_chunked, "CHUNK_BYTES", 8 * 24)
    calls = []
    for name in ("conv2d_chunked", "input_grad_chunked", "weight_grad_chunked"):
        real = getattr(conv, name)
        monkeypatch.setattr(conv, name, lambda *a, _real=real, _name=name: calls.append(_name) or _real(*a))
    return calls


@pytest.fixture
def chunked_route(monkeypatch):
    return force_chunked_route(monkeypatch)


@given(conv_configs())
def test_chunked_route_matches_naive_loops_and_gradchecks(cfg):
    x, w, b, kw = cfg
    assume(kw["groups"] == 1)
    assume(not (w.shape[2:] == (1, 1) and kw["stride"] == (1, 1) and kw["padding"] == (0, 0)))  # (pointwise)
    with pytest.MonkeyPatch.context() as monkeypatch:
        calls = force_chunked_route(monkeypatch)
        out = F.conv2d(mt.tensor(x), mt.tensor(w), mt.tensor(b), **kw)
        np.testing.assert_allclose(out.numpy(), naive_conv2d(x, w, b, **kw), atol=1e-12)
        assert_gradcheck(lambda x, w, b: F.conv2d(x, w, b, **kw), [x, w, b])
        assert {"conv2d_chunked", "input_grad_chunked", "weight_grad_chunked"} <= set(calls)


@requires_torch
@pytest.mark.parametrize("stride, padding, dilation", [(1, 1, 1), (2, 1, 1), (1, 0, 2), (2, 2, 1), (3, 4, 1)])
def test_chunked_route_matches_torch_and_its_double_backward(chunked_route, stride, padding, dilation):
    import torch.nn.functional as TF

    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((3, 4, 9, 8)), rng.standard_normal((5, 4, 3, 3)), rng.standard_normal(5)
    kw = dict(stride=stride, padding=padding, dilation=dilation)
    assert_torch_parity(lambda *a: F.conv2d(*a, **kw), lambda *a: TF.conv2d(*a, **kw), [x, w, b])
    assert mt.autograd.gradgradcheck(lambda x, w: F.conv2d(x, w, **kw),
                                     (mt.tensor(x[:1, :2, :6, :6], requires_grad=True),
                                      mt.tensor(w[:2, :2], requires_grad=True)))
    assert chunked_route


def test_chunked_route_gives_the_same_bits_for_any_thread_count(chunked_route):
    rng = np.random.default_rng(0)
    x = mt.tensor(rng.standard_normal((6, 8, 10, 10)).astype(np.float32), requires_grad=True)
    w = mt.tensor(rng.standard_normal((8, 8, 3, 3)).astype(np.float32), requires_grad=True)
    results = []
    threads = mt.get_num_threads()
    try:
        for n in (1, 2, 3):
            mt.set_num_threads(n)
            x.grad = w.grad = None
            out = F.conv2d(x, w, padding=1, stride=2 if n == 3 else 1)  # (stride 2: the scatter-add dX)
            out.backward(mt.ones_like(out))
            results.append((n == 3, out.detach().numpy().copy(), x.grad.numpy().copy(), w.grad.numpy().copy()))
    finally:
        mt.set_num_threads(threads)
    one, two = results[0], results[1]
    for a, b in zip(one[1:], two[1:]):
        assert np.array_equal(a, b)
    mt.set_num_threads(1)
    try:
        x.grad = w.grad = None
        out = F.conv2d(x, w, padding=1, stride=2)
        out.backward(mt.ones_like(out))
        for a, b in zip((out.detach().numpy(), x.grad.numpy(), w.grad.numpy()), results[2][1:]):
            assert np.array_equal(a, b)
    finally:
        mt.set_num_threads(threads)


def test_the_chunked_route_is_chosen_for_resnet_sized_convolutions_only():
    fn = conv.Conv2d((1, 1), ((1, 1), (1, 1)), (1, 1), 1)
    for x_shape, w_shape, route in [((128, 16, 32, 32), (16, 16, 3, 3), "chunked"),
                                    ((128, 3, 32, 32), (16, 3, 3, 3), "im2col"),     # the stem: 27-number windows
                                    ((64, 6, 14, 14), (16, 6, 5, 5), "im2col"),      # LeNet-5's conv2: small
                                    ((128, 32, 16, 16), (32, 16, 3, 3), "im2col")]:  # two groups
        fn.x_shape, fn.w_shape, fn.groups = x_shape, w_shape, 2 if w_shape[1] * 2 == x_shape[1] else 1
        assert fn.routes(np)[0] == route
