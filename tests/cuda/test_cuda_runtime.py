"""The GPU runtime: moving tensors, device errors, random numbers, memory stats, TF32, CUDA graphs (GPU only)."""
import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import backend
from conftest import requires_cuda

pytestmark = [pytest.mark.cuda, requires_cuda]


def test_round_trip_and_ops_match_cpu():
    a = mt.randn(4, 5, dtype=mt.float64)
    b = mt.randn(5, 3, dtype=mt.float64)
    ga, gb = a.to("cuda"), b.cuda()
    assert ga.device == mt.device("cuda", 0) and ga.is_cuda
    np.testing.assert_allclose((ga @ gb).cpu().numpy(), (a @ b).numpy(), rtol=1e-12)
    np.testing.assert_allclose(mt.softmax(ga, dim=1).cpu().numpy(), mt.softmax(a, dim=1).numpy(), rtol=1e-12)


def test_numpy_on_cuda_says_to_call_cpu():
    with pytest.raises(TypeError, match=r"cpu\(\)"):
        mt.ones(2, device="cuda").numpy()


def test_mixing_devices_names_both():
    with pytest.raises(RuntimeError, match="cpu") as info:
        mt.ones(2) + mt.ones(2, device="cuda")
    assert "cuda:0" in str(info.value)


@pytest.mark.parametrize("make", [
    lambda: mt.randn(3, 4, device="cuda"), lambda: mt.rand(3, 4, device="cuda"),
    lambda: mt.randint(0, 5, (3, 4), device="cuda"), lambda: mt.randperm(7, device="cuda"),
    lambda: mt.empty(3, 4, device="cuda").uniform_(), lambda: mt.empty(3, 4, device="cuda").normal_(),
])
def test_random_creation_on_cuda_is_seeded(make):
    mt.manual_seed(5)
    first = make().cpu().numpy()
    mt.manual_seed(5)
    np.testing.assert_array_equal(make().cpu().numpy(), first)
    mt.cuda.manual_seed(5)
    np.testing.assert_array_equal(make().cpu().numpy(), first)


def test_memory_stats_track_the_peak():
    mt.cuda.synchronize()
    mt.cuda.reset_peak_memory_stats()
    base = mt.cuda.memory_allocated()
    x = mt.empty(1024, 1024, device="cuda")  # 4 MiB
    assert mt.cuda.memory_allocated() >= base + 4 * 2**20
    del x
    assert mt.cuda.memory_allocated() < base + 4 * 2**20
    assert mt.cuda.max_memory_allocated() >= base + 4 * 2**20
    assert mt.cuda.memory_reserved() >= mt.cuda.memory_allocated()
    mt.cuda.empty_cache()


def test_out_of_memory_reports_the_size_asked_for():
    with pytest.raises(mt.cuda.OutOfMemoryError, match=r"Tried to allocate 4\.00 TiB|Tried to allocate 4096\.00 GiB"):
        mt.empty(2**40, device="cuda")  # 4 TiB of float32


def test_device_queries():
    assert mt.cuda.current_device() == 0
    assert isinstance(mt.cuda.get_device_name(), str)
    assert len(mt.cuda.get_device_capability()) == 2
    with mt.cuda.device(0):
        mt.cuda.synchronize()


def test_tf32_switch_changes_cublas_compute_type():
    cp = backend.cupy_module()
    a = cp.asarray(np.random.randn(256, 256).astype(np.float32))
    exact = backend.to_device(a, "cpu").astype(np.float64) @ backend.to_device(a, "cpu").astype(np.float64)
    assert mt.backends.cuda.matmul.allow_tf32 is False
    np.testing.assert_allclose(backend.to_device(a @ a, "cpu"), exact, rtol=1e-4, atol=1e-3)
    try:
        mt.backends.cuda.matmul.allow_tf32 = True
        assert mt.backends.cuda.matmul.allow_tf32 is (mt.cuda.get_device_capability()[0] >= 8)
        np.testing.assert_allclose(backend.to_device(a @ a, "cpu"), exact, rtol=5e-2, atol=1.0)
    finally:
        mt.backends.cuda.matmul.allow_tf32 = False


def _tiny_training_step(matmul=False):
    """Least squares on 16 samples; elementwise (``x * w``) unless ``matmul`` (``x @ w``, a cuBLAS GEMM)."""
    w_shape, y_shape = ((8, 4), (16, 4)) if matmul else ((16, 8), (16, 8))
    w = mt.randn(*w_shape, device="cuda", requires_grad=True)
    x = mt.randn(16, 8, device="cuda")
    y = mt.randn(*y_shape, device="cuda")

    def step(x, y):
        w.grad = None
        d = (x @ w if matmul else x * w) - y
        loss = (d * d).mean()  # (not d ** 2: Pow's backward copies its exponent from the host)
        loss.backward()
        with mt.no_grad():
            w.data -= 0.1 * w.grad.data
        return loss

    return w, x, y, step


def test_graphed_step_replays_the_eager_step():
    w, x, y, step = _tiny_training_step()
    w_start = w.detach().clone()
    graphed = mt.cuda.make_graphed_step(step, x, y, warmup_steps=1)
    # eager reference from the weights after warm-up (capture records the step, it does not run it)
    w_ref = mt.tensor(w.detach().cpu().numpy(), requires_grad=True)
    x2, y2 = mt.randn(16, 8), mt.randn(16, 8)
    loss = graphed(x2.cuda(), y2.cuda())
    mt.cuda.synchronize()
    ref_loss = ((x2 * w_ref - y2) ** 2).mean()
    ref_loss.backward()
    np.testing.assert_allclose(loss.item(), ref_loss.item(), rtol=1e-5)
    np.testing.assert_allclose(w.detach().cpu().numpy(), (w_ref - 0.1 * w_ref.grad).detach().numpy(), rtol=1e-5)
    assert not np.allclose(w.detach().cpu().numpy(), w_start.cpu().numpy())


def test_capture_of_a_matmul_says_cupy_cannot_capture_cublas():
    _, x, y, step = _tiny_training_step(matmul=True)
    with pytest.raises(RuntimeError, match="CuPy cannot capture cuBLAS"):
        mt.cuda.make_graphed_step(step, x, y, warmup_steps=1)
    mt.ones(2, device="cuda").sum().item()  # the device is usable afterwards


def test_capture_refuses_host_sync_with_a_clear_error():
    w, x, y, _ = _tiny_training_step()

    def bad_step(x, y):
        d = x * w - y
        loss = (d * d).mean()
        print(loss.item())  # waits for the GPU: cannot be captured
        return loss

    with pytest.raises(RuntimeError, match="host synchronisation"):
        mt.cuda.make_graphed_step(bad_step, x, y, warmup_steps=1)
    mt.ones(2, device="cuda").sum().item()  # the device is usable afterwards


def test_graph_context_manager():
    g = mt.cuda.CUDAGraph()
    a = mt.ones(4, device="cuda")
    b = a * 2  # warm-up: kernel compiled outside the capture
    with mt.cuda.graph(g):
        b = a * 2
    a.data[...] = 3
    g.replay()
    mt.cuda.synchronize()
    np.testing.assert_array_equal(b.cpu().numpy(), [6, 6, 6, 6])
