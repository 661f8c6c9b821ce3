"""The lecture-8 examples run, their loss falls, and hand-written backprop equals autograd."""
import os
import runpy

import numpy as np
import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples")


def _train(name, iterations=12):
    main = runpy.run_path(os.path.join(EXAMPLES, name))["main"]
    return main(iterations=iterations, log_every=0)


@pytest.fixture(scope="module")
def losses():
    return {name: _train(name) for name in ("01_two_layer_manual_grads.py", "02_two_layer_autograd.py")}


def test_loss_falls(losses):
    for name, values in losses.items():
        assert values[-1] < 0.1 * values[0], name
        assert all(np.isfinite(values)), name


def test_manual_gradients_equal_autograd(losses):
    manual, auto = losses["01_two_layer_manual_grads.py"], losses["02_two_layer_autograd.py"]
    np.testing.assert_allclose(manual, auto, rtol=1e-4)
