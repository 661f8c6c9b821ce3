"""The ops' CUDA fast paths (``ops.kernel(name, xp)`` call sites), exercised on the CPU.

``wired`` makes every call site see the kernels compiled by ``cuda_emulator`` (their CUDA
source run by g++), so the ops, the optimizers and cross_entropy take their CUDA branch on
NumPy arrays. A small CNN training step through that branch must match the generic xp code
to 1e-12 in float64, and every wired kernel must have been used.
"""
import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from cuda_emulator import CXX, emulated_kernels

pytestmark = [pytest.mark.slow, pytest.mark.skipif(CXX is None, reason="the CPU emulation needs g++")]

WIRED_MODULES = ["minitorch_cnn.ops.im2col", "minitorch_cnn.ops.pool", "minitorch_cnn.ops.loss",
                 "minitorch_cnn.nn.functional_losses", "minitorch_cnn.optim.sgd", "minitorch_cnn.optim.adam"]
TRAIN_STEP_KERNELS = {"col2im", "max_pool2d_forward", "max_pool2d_backward", "avg_pool2d_forward",
                      "avg_pool2d_backward", "cross_entropy_forward", "cross_entropy_backward"}


@pytest.fixture(scope="module")
def emulated():
    return emulated_kernels().KERNELS


@pytest.fixture
def wired(monkeypatch, emulated):
    """Route every ``kernel(name, xp)`` call site to the emulated kernels; yields the names used."""
    used = set()

    def kernel(name, xp):
        used.add(name)
        return emulated[name]

    for module in WIRED_MODULES:
        monkeypatch.setattr(f"{module}.kernel", kernel)
    return used


def make_params(rng):
    shapes = dict(conv=(4, 2, 3, 3), gamma=(4,), beta=(4,), fc=(3, 4 * 2 * 2), fc_b=(3,))
    return {k: rng.standard_normal(s) for k, s in shapes.items()}


def forward(p, x, y, running):
    h = F.conv2d(x, p["conv"], stride=2, padding=1)  # no bias before batch norm: its gradient would be ~0
    h = F.relu(F.batch_norm(h, *running, p["gamma"], p["beta"], training=True))
    h = F.max_pool2d(h, 3, stride=2, padding=1)                              # 4x4 -> 2x2
    h = F.avg_pool2d(h, 2, stride=2, padding=1, count_include_pad=False)     # 2x2 -> 2x2
    return F.cross_entropy(F.linear(F.flatten(h, 1), p["fc"], p["fc_b"]), y, ignore_index=1)


def train(arrays, optimizer, steps=2):
    """``steps`` optimizer steps from ``arrays``; returns the losses and the final parameters."""
    rng = np.random.default_rng(1)
    x = mt.tensor(rng.standard_normal((5, 2, 8, 8)), requires_grad=True)  # (so conv's backward runs col2im)
    y = mt.tensor(np.array([0, 2, 1, 2, 0]))
    params = {k: mt.tensor(v.copy(), requires_grad=True) for k, v in arrays.items()}
    running = (mt.zeros(4, dtype=mt.float64), mt.ones(4, dtype=mt.float64))
    opt = optimizer(list(params.values()))
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = forward(params, x, y, running)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, {k: v.detach().numpy() for k, v in params.items()}, [r.numpy() for r in running]


OPTIMIZERS = {
    "sgd": (lambda ps: mt.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-2), {"sgd_step"}),
    "adamw": (lambda ps: mt.optim.AdamW(ps, lr=1e-2), {"adam_step"}),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_training_step_through_the_cuda_branch_matches_the_generic_code(request, name):
    optimizer, optimizer_kernels = OPTIMIZERS[name]
    arrays = make_params(np.random.default_rng(0))
    generic = train(arrays, optimizer)
    used = request.getfixturevalue("wired")
    fast = train(arrays, optimizer)
    assert used == TRAIN_STEP_KERNELS | optimizer_kernels
    np.testing.assert_allclose(fast[0], generic[0], rtol=1e-12)
    for k in arrays:
        np.testing.assert_allclose(fast[1][k], generic[1][k], rtol=1e-12, atol=1e-12, err_msg=k)
    for r_fast, r_generic in zip(fast[2], generic[2]):  # running statistics
        np.testing.assert_allclose(r_fast, r_generic, rtol=1e-12, atol=1e-12)


def outputs_and_grads(fn, x):
    """fn(x), and the gradient of <fn(x), a random cotangent> with respect to x."""
    x = mt.tensor(x, requires_grad=True)
    out = fn(x)
    out.backward(mt.tensor(np.random.default_rng(2).standard_normal(out.shape)))
    return out.detach().numpy(), x.grad.numpy()


TARGET = np.arange(28) % 7
IGNORED_ROW = np.where(np.arange(28) == 3, -100, TARGET)


@pytest.mark.parametrize("fn", [
    pytest.param(lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), id="max_pool-ceil"),
    pytest.param(lambda x: F.max_pool2d(x, 2, 1, 0, dilation=2), id="max_pool-dilated"),
    pytest.param(lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, divisor_override=5), id="avg_pool-override"),
    pytest.param(lambda x: F.cross_entropy(x.reshape(-1, 7), mt.tensor(IGNORED_ROW), reduction="sum"),
                 id="cross_entropy-sum-ignored"),
    pytest.param(lambda x: F.cross_entropy(x.reshape(-1, 7), mt.tensor(IGNORED_ROW)), id="cross_entropy-mean"),
    pytest.param(lambda x: F.cross_entropy(x.reshape(-1, 7), mt.tensor(TARGET), reduction="none"),
                 id="cross_entropy-none"),
])
def test_op_through_the_cuda_branch_matches_the_generic_code(request, fn):
    x = np.random.default_rng(3).standard_normal((2, 2, 7, 7))
    generic = outputs_and_grads(fn, x)
    used = request.getfixturevalue("wired")
    fast = outputs_and_grads(fn, x)
    assert used, "no kernel was asked for"
    for a, b in zip(fast, generic):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_max_pool_indices_through_the_cuda_branch(request):
    x = mt.tensor(np.random.default_rng(4).standard_normal((2, 2, 7, 7)))
    generic = F.max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True)[1].numpy()
    request.getfixturevalue("wired")
    np.testing.assert_array_equal(F.max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True)[1].numpy(), generic)


@pytest.mark.parametrize("batch_last", [False, True], ids=["batch-major", "batch-last"])
def test_col2im_kernel_reads_both_column_layouts(emulated, batch_last):
    """The gather kernel indexes cols through their strides: (C, kh, kw, N, OH, OW) or (C, kh, kw, OH, OW, N)."""
    from minitorch_cnn.ops.im2col import col2im

    rng = np.random.default_rng(5)
    geometry = ((3, 2), (2, 1), ((1, 2), (0, 1)), (2, 1))
    cols = rng.standard_normal((3, 3, 2, 2, 3, 6))  # for x (2, 3, 7, 6), out (3, 6)
    expected = col2im(cols, (2, 3, 7, 6), *geometry)
    if batch_last:
        cols = np.ascontiguousarray(cols.transpose(0, 1, 2, 4, 5, 3))
    np.testing.assert_allclose(emulated["col2im"](cols, (2, 3, 7, 6), *geometry, batch_last), expected, atol=1e-12)


def test_every_module_that_asks_for_a_kernel_is_wired():
    """The modules importing ``ops.kernel`` are exactly WIRED_MODULES, so every CUDA branch runs above."""
    import ast
    import pathlib

    root = pathlib.Path(mt.__file__).parent
    askers = set()
    for path in root.rglob("*.py"):
        parts = ("minitorch_cnn",) + path.relative_to(root).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        here = ".".join(parts[:-1])  # the package a relative import starts from
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and any(a.name == "kernel" for a in node.names):
                package = here.rsplit(".", node.level - 1)[0] if node.level > 1 else (here if node.level else "")
                source = ".".join(filter(None, (package, node.module)))
                if source == "minitorch_cnn.ops":
                    askers.add(module)
    assert askers == set(WIRED_MODULES)
