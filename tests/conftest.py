"""Shared test setup: bounded hypothesis profiles, device parametrisation, torch availability."""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import minitorch_cnn as mt

settings.register_profile(
    "ci", max_examples=15, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.register_profile(
    "dev", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile("thorough", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

try:
    import torch  # noqa: F401

    HAS_TORCH = True
except ImportError:  # parity tests skip
    HAS_TORCH = False

requires_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")
HAS_CUDA = mt.backend.cupy_available()
requires_cuda = pytest.mark.skipif(not HAS_CUDA, reason="needs a CUDA GPU with CuPy")

DEVICES = ["cpu", pytest.param("cuda", marks=[pytest.mark.cuda, requires_cuda])]


@pytest.fixture(params=DEVICES)
def device(request):
    """Run a test once per device: CPU always, CUDA where a GPU is present."""
    return request.param


@pytest.fixture(autouse=True)
def _seed():
    mt.manual_seed(0)
    np.random.seed(0)
    yield
