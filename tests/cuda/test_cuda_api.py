"""mt.cuda and mt.backends.cuda: behave sensibly with or without a GPU."""
import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import backend, ops

NO_GPU = not backend.cupy_available()
requires_no_gpu = pytest.mark.skipif(not NO_GPU, reason="checks the no-GPU behaviour")


def test_is_available_matches_backend():
    assert mt.cuda.is_available() == backend.cupy_available()
    assert mt.cuda.device_count() == backend.cuda_device_count()


@requires_no_gpu
def test_without_gpu_counts_and_memory_are_zero():
    assert mt.cuda.device_count() == 0
    assert mt.cuda.memory_allocated() == 0
    assert mt.cuda.max_memory_allocated() == 0
    assert mt.cuda.memory_reserved() == 0
    mt.cuda.reset_peak_memory_stats()
    mt.cuda.empty_cache()


def test_cuda_seeding_leaves_the_cpu_stream_alone():
    mt.manual_seed(0)
    a = mt.randn(3).numpy()
    mt.manual_seed(0)
    mt.cuda.manual_seed(123)  # a no-op without a GPU, like PyTorch
    mt.cuda.manual_seed_all(123)
    np.testing.assert_array_equal(mt.randn(3).numpy(), a)


@requires_no_gpu
@pytest.mark.parametrize("make", [
    lambda: mt.zeros(2, device="cuda"),
    lambda: mt.tensor([1.0]).to("cuda"),
    lambda: mt.tensor([1.0]).cuda(),
    lambda: mt.cuda.current_device(),
    lambda: mt.cuda.synchronize(),
    lambda: mt.cuda.CUDAGraph(),
])
def test_without_gpu_cuda_requests_say_how_to_install_cupy(make):
    with pytest.raises(RuntimeError, match="CuPy") as info:
        make()
    message = str(info.value)
    assert "cuda" in message and ("pip install" in message or "no CUDA GPU" in message)


def test_tf32_is_off_by_default_and_switchable():
    settings = mt.backends.cuda.matmul
    assert settings.allow_tf32 is False
    try:
        settings.allow_tf32 = True
        assert settings.allow_tf32 is True
    finally:
        settings.allow_tf32 = False
    assert settings.allow_tf32 is False


def test_kernel_dispatch_is_none_for_numpy():
    for name in ("col2im", "max_pool2d_forward", "sgd_step", "no_such_kernel"):
        assert ops.kernel(name, np) is None


def test_kernels_can_be_switched_off_and_back():
    previous = ops.set_cuda_kernels_enabled(False)
    try:
        assert ops.set_cuda_kernels_enabled(False) is False
    finally:
        ops.set_cuda_kernels_enabled(previous)


def test_device_strings():
    assert str(mt.device("cuda")) == "cuda:0"
    assert mt.device("cuda:1").index == 1
    assert mt.device("cuda", 2) == "cuda:2"
    with pytest.raises(ValueError, match="Invalid device string"):
        mt.device("cuda:x")


def test_out_of_memory_error_is_a_runtime_error():
    assert issubclass(mt.cuda.OutOfMemoryError, RuntimeError)
