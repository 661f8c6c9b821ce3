"""The idea first: each fast op gives the numbers of its short reference implementation.

``conv2d_reference``, ``max_pool2d_reference``, ``avg_pool2d_reference`` and
``batch_norm_reference`` write the definitions in plain array code; the Functions that
training runs must agree with them on every speed route, and the references with PyTorch.
"""
import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn.ops import conv, norm, pool

rng = np.random.default_rng(0)

# (x shape, w shape, stride, padding, dilation, groups, the routes chosen on NumPy)
CONV_CASES = [
    ((2, 3, 5, 4), (4, 3, 1, 1), (1, 1), ((0, 0), (0, 0)), (1, 1), 1, ("pointwise", "pointwise", "x")),
    ((2, 4, 5, 6), (3, 4, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1, ("im2col", "convolution", "cols")),
    ((2, 2, 5, 6), (4, 2, 3, 2), (1, 1), ((1, 0), (0, 1)), (1, 1), 1, ("im2col", "col2im", "cols")),  # C_out > C_in
    ((1, 4, 7, 6), (4, 2, 3, 3), (2, 1), ((1, 1), (0, 2)), (1, 2), 2, ("im2col", "col2im", "cols")),  # strided
    ((2, 4, 7, 7), (2, 2, 2, 3), (1, 1), ((2, 1), (1, 1)), (2, 1), 2, ("im2col", "convolution", "cols")),
]


def conv_function(x_shape, w_shape, stride, padding, dilation, groups):
    fn = conv.Conv2d(stride, padding, dilation, groups)
    fn.x_shape, fn.w_shape = x_shape, w_shape
    return fn


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_gives_the_numbers_of_its_reference_on_every_route(case):
    x_shape, w_shape, stride, padding, dilation, groups, routes = case
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    assert conv_function(*case[:6]).routes(np) == routes
    out = conv.Conv2d(stride, padding, dilation, groups)(mt.tensor(x), mt.tensor(w), mt.tensor(b))
    np.testing.assert_allclose(out.numpy(), conv.conv2d_reference(x, w, b, stride, padding, dilation, groups),
                               atol=1e-12)


def linear_adjoint(f, arg_shape, g):
    """f^T g for a linear f, one basis vector at a time: entry k is <g, f(e_k)>."""
    basis = np.eye(int(np.prod(arg_shape))).reshape(-1, *arg_shape)
    return np.array([(g * f(e)).sum() for e in basis]).reshape(arg_shape)


@pytest.mark.parametrize("case", CONV_CASES[1:])
def test_every_input_gradient_route_is_the_adjoint_of_the_reference(case):
    """dX by convolution (where it applies) and by col2im in both layouts = the exact transpose of conv2d_reference."""
    x_shape, w_shape, stride, padding, dilation, groups, _ = case
    w = rng.standard_normal(w_shape)
    out_shape = conv.conv2d_reference(np.zeros(x_shape), w, None, stride, padding, dilation, groups).shape
    g = rng.standard_normal(out_shape)
    expected = linear_adjoint(lambda e: conv.conv2d_reference(e, w, None, stride, padding, dilation, groups), x_shape, g)
    routes = {f"col2im, batch_last={batch_last}": conv.input_grad_by_col2im(
        g, w, x_shape, stride, padding, dilation, groups, batch_last) for batch_last in (False, True)}
    pads = conv.full_padding(w_shape, stride, padding, dilation, groups)
    if pads is not None:
        routes["convolution"] = conv.input_grad_by_convolution(g, w, x_shape, pads, dilation, groups)
    for name, dx in routes.items():
        np.testing.assert_allclose(dx, expected, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("case", CONV_CASES[1:])
def test_the_weight_gradient_is_the_adjoint_of_the_reference(case):
    x_shape, w_shape, stride, padding, dilation, groups, _ = case
    x = rng.standard_normal(x_shape)
    out_shape = conv.conv2d_reference(x, np.zeros(w_shape), None, stride, padding, dilation, groups).shape
    g = rng.standard_normal(out_shape)
    expected = linear_adjoint(lambda e: conv.conv2d_reference(x, e, None, stride, padding, dilation, groups), w_shape, g)
    fn = conv_function(*case[:6])
    cols = fn._cols(x, out_shape[2:])
    dy = g.transpose(1, 0, 2, 3).reshape(groups, w_shape[0] // groups, -1)
    np.testing.assert_allclose(conv.weight_grad(dy, cols, w_shape), expected, atol=1e-12)


def test_the_routes_follow_the_array_module_not_the_cuda_kernels():
    """The route rule reads shapes and the array module only: conv.py asks for no kernel at all."""
    assert not hasattr(conv, "kernel")
    fn = conv_function(*CONV_CASES[1][:6])

    class OtherArrays:  # any array module but NumPy (CuPy on a GPU)
        pass

    assert fn.routes(np) == ("im2col", "convolution", "cols")
    assert fn.routes(OtherArrays) == ("im2col", "col2im", "x")


POOL_CASES = [  # (kernel, stride, padding, dilation)
    ((2, 2), (2, 2), ((0, 0), (0, 0)), (1, 1)),
    ((3, 3), (2, 1), ((1, 1), (1, 0)), (1, 1)),
    ((2, 3), (1, 2), ((1, 0), (0, 1)), (2, 1)),
]


def pool_out_size(x_shape, kernel_size, stride, padding, dilation):
    return tuple((size + sum(p) - d * (k - 1) - 1) // s + 1
                 for size, k, s, p, d in zip(x_shape[2:], kernel_size, stride, padding, dilation))


@pytest.mark.parametrize("kernel_size, stride, padding, dilation", POOL_CASES)
def test_max_pool2d_gives_the_numbers_of_its_reference(kernel_size, stride, padding, dilation):
    x = rng.standard_normal((2, 3, 6, 7))
    x[0, 1, 2, 3] = np.nan  # NaN is the maximum of every window it is in, in both
    x[1, 0] = -np.inf
    out_size = pool_out_size(x.shape, kernel_size, stride, padding, dilation)
    out = pool.MaxPool2d(kernel_size, stride, padding, dilation, out_size)(mt.tensor(x))
    np.testing.assert_array_equal(out.numpy(), pool.max_pool2d_reference(x, kernel_size, stride, padding, dilation))


@pytest.mark.parametrize("kernel_size, stride, padding, _", POOL_CASES)
@pytest.mark.parametrize("per_window_divisor", [False, True])
def test_avg_pool2d_gives_the_numbers_of_its_reference(kernel_size, stride, padding, _, per_window_divisor):
    x = rng.standard_normal((2, 3, 6, 7))
    out_size = pool_out_size(x.shape, kernel_size, stride, padding, (1, 1))
    divisor = rng.integers(1, 7, out_size).astype(float) if per_window_divisor else kernel_size[0] * kernel_size[1]
    out = pool.AvgPool2d(kernel_size, stride, padding, out_size, divisor)(mt.tensor(x))
    np.testing.assert_allclose(out.numpy(), pool.avg_pool2d_reference(x, kernel_size, stride, padding, divisor),
                               atol=1e-14)


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6), (3, 2, 4, 5)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_gives_the_numbers_of_its_reference(shape, affine):
    x = rng.standard_normal(shape) * 3 + 1
    weight, bias = (rng.standard_normal(shape[1]), rng.standard_normal(shape[1])) if affine else (None, None)
    params = [mt.tensor(weight), mt.tensor(bias)] if affine else []
    fn = norm.BatchNorm(1e-5)
    out = fn(mt.tensor(x), *params)
    expected, mean, var = norm.batch_norm_reference(x, weight, bias, 1e-5)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)
    np.testing.assert_allclose(np.stack([fn.batch_mean, fn.batch_var]), np.stack([mean, var]), atol=1e-12)
    running_mean, running_var = rng.standard_normal(shape[1]), rng.random(shape[1]) + 0.5  # eval mode
    out = norm.BatchNorm(1e-5, running_mean, running_var)(mt.tensor(x), *params)
    expected, _, _ = norm.batch_norm_reference(x, weight, bias, 1e-5, running_mean, running_var)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)


def test_the_references_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    TF = torch.nn.functional
    x, w, b = rng.standard_normal((2, 4, 7, 6)), rng.standard_normal((6, 2, 3, 2)), rng.standard_normal(6)
    ours = conv.conv2d_reference(x, w, b, (2, 1), ((1, 1), (2, 2)), (1, 2), 2)
    theirs = TF.conv2d(*map(torch.tensor, (x, w, b)), stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)
    np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-12)
    for kernel_size, stride, (ph, pw), dilation in [((2, 2), (2, 2), (0, 0), (1, 1)), ((3, 3), (2, 1), (1, 1), (1, 2))]:
        padding = ((ph, ph), (pw, pw))  # (PyTorch pads symmetrically)
        theirs = TF.max_pool2d(torch.tensor(x), kernel_size, stride, (ph, pw), dilation)
        np.testing.assert_array_equal(pool.max_pool2d_reference(x, kernel_size, stride, padding, dilation),
                                      theirs.numpy())
        theirs = TF.avg_pool2d(torch.tensor(x), kernel_size, stride, (ph, pw), count_include_pad=True)
        np.testing.assert_allclose(pool.avg_pool2d_reference(x, kernel_size, stride, padding), theirs.numpy(),
                                   atol=1e-14)
    weight, bias = rng.standard_normal(4), rng.standard_normal(4)
    theirs = TF.batch_norm(torch.tensor(x), None, None, torch.tensor(weight), torch.tensor(bias), training=True)
    np.testing.assert_allclose(norm.batch_norm_reference(x, weight, bias)[0], theirs.numpy(), atol=1e-12)
