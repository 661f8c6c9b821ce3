"""The hand-written CUDA kernels against plain NumPy / PyTorch-CPU references.

Each test runs on the GPU ("cuda", where CuPy sees one) and on the CPU through
``cuda_emulator`` ("emulated": the same kernel source compiled with g++), so the kernels'
index math is checked on machines without a GPU too.
float64 must agree to 1e-10; float32 to 1e-5 (different summation order).
"""
import numpy as np
import pytest

from minitorch_cnn import backend, ops
from conftest import requires_cuda, requires_torch
from cuda_emulator import CXX, emulated_cupy, emulated_kernels

TOLERANCE = {np.float64: dict(rtol=1e-10, atol=1e-10), np.float32: dict(rtol=1e-5, atol=1e-5)}
DTYPES = [np.float64, np.float32]
requires_gxx = pytest.mark.skipif(CXX is None, reason="the CPU emulation of the kernels needs g++")


@pytest.fixture(scope="module", params=[pytest.param("cuda", marks=[pytest.mark.cuda, requires_cuda]),
                                        pytest.param("emulated", marks=[pytest.mark.slow, requires_gxx])])
def array_module_and_kernels(request):
    if request.param == "cuda":
        from minitorch_cnn.cuda import kernels

        return backend.cupy_module(), kernels
    return emulated_cupy(), emulated_kernels()


@pytest.fixture
def cp(array_module_and_kernels):
    return array_module_and_kernels[0]


@pytest.fixture
def K(array_module_and_kernels):
    return array_module_and_kernels[1]


def close(gpu, ref, dtype):
    np.testing.assert_allclose(backend.to_device(gpu, "cpu"), ref, **TOLERANCE[dtype])


# ------------------------------------------------------------------ references
def im2col_ref(x, k, s, p, d):
    N, C, H, W = x.shape
    OH, OW = (H + 2 * p - d * (k - 1) - 1) // s + 1, (W + 2 * p - d * (k - 1) - 1) // s + 1
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    cols = np.empty((N, C, k, k, OH, OW), x.dtype)
    for i in range(k):
        for j in range(k):
            cols[:, :, i, j] = xp[:, :, i * d: i * d + s * (OH - 1) + 1: s, j * d: j * d + s * (OW - 1) + 1: s]
    return cols


def col2im_ref(cols, shape, k, s, p, d):
    N, C, H, W = shape
    OH, OW = cols.shape[-2:]
    xp = np.zeros((N, C, H + 2 * p, W + 2 * p), cols.dtype)
    for i in range(k):
        for j in range(k):
            xp[:, :, i * d: i * d + s * (OH - 1) + 1: s, j * d: j * d + s * (OW - 1) + 1: s] += cols[:, :, i, j]
    return xp[:, :, p: p + H, p: p + W]


CONV_CASES = [(3, 1, 1, 1), (3, 2, 1, 1), (1, 1, 0, 1), (3, 1, 2, 2), (2, 2, 0, 1), (5, 3, 2, 1)]


def to_layout(cols, K):
    """(N, C, KH, KW, OH, OW) -> the cols layout of ops.im2col and the kernels."""
    return cols.transpose(K.COLS_AXES)


def geometry(k, s, p, d):
    """The (kernel, stride, padding-per-side, dilation) arguments of ops.im2col."""
    return (k, k), (s, s), ((p, p), (p, p)), (d, d)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k,s,p,d", CONV_CASES)
def test_generic_im2col_gives_the_cols_layout_of_the_kernels(cp, K, dtype, k, s, p, d):
    """im2col stays generic on the GPU (its kernel measured 0.67x); col2im's kernel reads its layout."""
    from minitorch_cnn.ops import im2col as generic

    x = np.random.randn(2, 3, 7, 6).astype(dtype)
    ref = im2col_ref(x, k, s, p, d)
    args = geometry(k, s, p, d) + (ref.shape[-2:],)
    close(generic.im2col(cp.asarray(x), *args), to_layout(ref, K), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k,s,p,d", CONV_CASES)
def test_col2im_is_the_adjoint_of_im2col(cp, K, dtype, k, s, p, d):
    shape = (2, 3, 7, 6)
    cols = np.random.randn(*im2col_ref(np.zeros(shape, dtype), k, s, p, d).shape).astype(dtype)
    from minitorch_cnn.ops import im2col as generic

    ref = col2im_ref(cols, shape, k, s, p, d)
    laid_out = cp.asarray(np.ascontiguousarray(to_layout(cols, K)))
    close(K.col2im(laid_out, shape, *geometry(k, s, p, d)), ref, dtype)
    close(generic.col2im(laid_out, shape, *geometry(k, s, p, d)), ref, dtype)
    # a non-contiguous cols (here canonical memory order seen through the layout) works too
    close(K.col2im(to_layout(cp.asarray(cols), K), shape, *geometry(k, s, p, d)), ref, dtype)


def test_col2im_is_deterministic(cp, K):
    cols = cp.asarray(np.random.randn(8, 3, 3, 4, 16, 16).astype(np.float32))
    a = K.col2im(cols, (4, 8, 16, 16), *geometry(3, 1, 1, 1))
    b = K.col2im(cols, (4, 8, 16, 16), *geometry(3, 1, 1, 1))
    assert bool((a == b).all())


# ------------------------------------------------------------------ pooling (PyTorch CPU as reference)
POOL_CASES = [  # kernel, stride, padding, dilation, ceil_mode
    (2, 2, 0, 1, False), (3, 2, 1, 1, False), (3, 2, 1, 1, True), (3, 1, 1, 2, False), (2, 3, 1, 1, True),
]


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k,s,p,d,ceil", POOL_CASES)
def test_max_pool_forward_backward_match_torch(cp, K, dtype, k, s, p, d, ceil):
    import torch

    x = np.random.randn(2, 3, 9, 8).astype(dtype)
    xt = torch.tensor(x, requires_grad=True)
    yt, it = torch.nn.functional.max_pool2d(xt, k, s, p, d, ceil_mode=ceil, return_indices=True)
    g = np.random.randn(*yt.shape).astype(dtype)
    yt.backward(torch.tensor(g))
    kernel, stride, padding, dilation = geometry(k, s, p, d)
    y, idx = K.max_pool2d_forward(cp.asarray(x), kernel, stride, padding, dilation, tuple(yt.shape[-2:]))
    close(y, yt.detach().numpy(), dtype)
    np.testing.assert_array_equal(backend.to_device(idx, "cpu"), it.numpy())
    gx = K.max_pool2d_backward(cp.asarray(g), idx, x.shape, kernel, stride, padding, dilation)
    close(gx, xt.grad.numpy(), dtype)


def avg_divisor(size, out_size, k, s, p, count_include_pad):
    """PyTorch's (OH, OW) avg-pool divisors: the window clipped to the padded input, or to the input."""
    per_axis = []
    for n, o in zip(size, out_size):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        per_axis.append(end - start if count_include_pad else np.minimum(end, n) - np.maximum(start, 0))
    return np.outer(*per_axis).astype(np.float64)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k,s,p,ceil,include_pad,divisor", [
    (2, 2, 0, False, True, None), (3, 2, 1, False, True, None), (3, 2, 1, True, False, None),
    (3, 1, 1, False, False, 5), (2, 3, 1, True, True, None),
])
def test_avg_pool_forward_backward_match_torch(cp, K, dtype, k, s, p, ceil, include_pad, divisor):
    import torch

    x = np.random.randn(2, 3, 9, 8).astype(dtype)
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.functional.avg_pool2d(xt, k, s, p, ceil_mode=ceil, count_include_pad=include_pad,
                                        divisor_override=divisor)
    g = np.random.randn(*yt.shape).astype(dtype)
    yt.backward(torch.tensor(g))
    out_size = tuple(yt.shape[-2:])
    div = divisor or avg_divisor(x.shape[2:], out_size, k, s, p, include_pad)
    kernel, stride, padding, _ = geometry(k, s, p, 1)
    y = K.avg_pool2d_forward(cp.asarray(x), kernel, stride, padding, out_size, div)
    close(y, yt.detach().numpy(), dtype)
    gx = K.avg_pool2d_backward(cp.asarray(g), x.shape, kernel, stride, padding, div)
    close(gx, xt.grad.numpy(), dtype)


# ------------------------------------------------------------------ cross entropy
@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("C", [3, 10, 1000])
def test_cross_entropy_matches_torch(cp, K, dtype, C):
    import torch

    N = 16
    x = (np.random.randn(N, C) * 5).astype(dtype)
    t = np.random.randint(0, C, N).astype(np.int64)
    t[3] = -100  # ignored row
    xt = torch.tensor(x, requires_grad=True)
    loss_t = torch.nn.functional.cross_entropy(xt, torch.tensor(t), reduction="none")
    g = np.random.randn(N).astype(dtype)
    loss_t.backward(torch.tensor(g))
    loss, lse = K.cross_entropy_forward(cp.asarray(x), cp.asarray(t))
    close(loss, loss_t.detach().numpy(), dtype)
    close(K.cross_entropy_backward(cp.asarray(x), cp.asarray(t), lse, cp.asarray(g)), xt.grad.numpy(), dtype)


def test_cross_entropy_is_stable_for_huge_logits(cp, K):
    x = cp.asarray(np.array([[1e4, 0.0, -1e4]]))
    loss, _ = K.cross_entropy_forward(x, cp.asarray(np.array([1])))
    np.testing.assert_allclose(backend.to_device(loss, "cpu"), [1e4])


# ------------------------------------------------------------------ optimizers
@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", [
    dict(momentum=0.0), dict(momentum=0.9), dict(momentum=0.9, nesterov=True, weight_decay=1e-2),
    dict(momentum=0.9, dampening=0.1, maximize=True),
])
def test_sgd_step_matches_torch(cp, K, dtype, options):
    import torch

    p0 = np.random.randn(5, 4).astype(dtype)
    pt = torch.tensor(p0, requires_grad=True)
    opt = torch.optim.SGD([pt], lr=0.1, **options)
    p = cp.asarray(p0)
    buf = cp.zeros_like(p) if options.get("momentum") else None
    for step in range(3):
        g = np.random.randn(5, 4).astype(dtype)
        pt.grad = torch.tensor(g)
        opt.step()
        K.sgd_step(p, cp.asarray(g), buf, 0.1, first_step=step == 0, **options)
        close(p, pt.detach().numpy(), dtype)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("adamw,weight_decay,maximize", [(False, 0.0, False), (False, 0.1, False),
                                                          (True, 0.1, False), (False, 0.0, True)])
def test_adam_step_matches_torch(cp, K, dtype, adamw, weight_decay, maximize):
    import torch

    p0 = np.random.randn(5, 4).astype(dtype)
    pt = torch.tensor(p0, requires_grad=True)
    cls = torch.optim.AdamW if adamw else torch.optim.Adam
    opt = cls([pt], lr=1e-2, weight_decay=weight_decay, maximize=maximize)
    p, m, v = cp.asarray(p0), cp.zeros((5, 4), dtype), cp.zeros((5, 4), dtype)
    for step in range(1, 4):
        g = np.random.randn(5, 4).astype(dtype)
        pt.grad = torch.tensor(g)
        opt.step()
        K.adam_step(p, cp.asarray(g), m, v, step, 1e-2, weight_decay=weight_decay,
                    decoupled_weight_decay=adamw, maximize=maximize)
        close(p, pt.detach().numpy(), dtype)


@pytest.mark.cuda
@requires_cuda
def test_every_kernel_is_reachable_through_the_dispatch():
    from minitorch_cnn.cuda import kernels

    for name in kernels.KERNELS:
        assert ops.kernel(name, backend.cupy_module()) is kernels.KERNELS[name]
    assert ops.kernel("col2im", np) is None
