"""The F API: PyTorch's signatures and defaults, the small helpers, and clear errors for bad arguments."""
import inspect

import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from conftest import requires_torch


def torch_parameters(fn):
    """Parameter names and defaults of a torch function; C builtins document theirs on the docstring's first line."""
    try:
        return {k: p.default for k, p in inspect.signature(fn).parameters.items()}
    except ValueError:
        line = fn.__doc__.strip().splitlines()[0]
        namespace = {}
        exec(f"def f({line[line.index('(') + 1:line.rindex(')')]}): pass", namespace)
        return {k: p.default for k, p in inspect.signature(namespace["f"]).parameters.items()}


@requires_torch
@pytest.mark.parametrize("name", F.__all__)
def test_signatures_and_defaults_match_torch(name):
    import torch
    import torch.nn.functional as TF

    theirs = getattr(TF, name, None) or getattr(torch, name)
    if name in ("max_pool2d", "adaptive_max_pool2d"):  # boolean_dispatch hides the signature
        theirs = getattr(TF, name + "_with_indices")
    ours = {k: p.default for k, p in inspect.signature(getattr(F, name)).parameters.items()}
    assert ours == torch_parameters(theirs)


def test_linear_one_hot_flatten():
    x, w, b = mt.randn(2, 3), mt.randn(4, 3), mt.randn(4)
    np.testing.assert_allclose(F.linear(x, w, b).numpy(), x.numpy() @ w.numpy().T + b.numpy(), rtol=1e-5)
    hot = F.one_hot(mt.tensor([[0, 2], [1, 0]]))
    assert hot.shape == (2, 2, 3) and hot.dtype == mt.int64 and hot.numpy()[0, 1].tolist() == [0, 0, 1]
    assert F.flatten(mt.randn(2, 3, 4), 1).shape == (2, 12)


def test_helper_errors():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        F.linear(mt.randn(2, 3), mt.randn(5, 4))
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes"):
        F.one_hot(mt.tensor([1, 5]), 3)
    with pytest.raises(RuntimeError, match="only applicable to index tensor"):
        F.one_hot(mt.tensor([1.0]))
    with pytest.raises(TypeError, match="argument 'input' must be Tensor"):
        F.conv2d(np.zeros((1, 1, 3, 3)), mt.randn(1, 1, 3, 3))
    with pytest.raises(TypeError, match="kernel_size"):
        F.max_pool2d(mt.randn(1, 1, 4, 4), 1.5)
    with pytest.raises(RuntimeError, match="elements of output_size must be greater than or equal to 0"):
        F.adaptive_avg_pool2d(mt.randn(1, 1, 3, 3), (-1, 2))
    assert F.adaptive_avg_pool2d(mt.randn(1, 1, 3, 3), (0, 2)).shape == (1, 1, 0, 2)  # empty, as in PyTorch
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0"):  # (PyTorch's type)
        F.cross_entropy(mt.randn(2, 3), mt.tensor([0, 1]), label_smoothing=1.5)
    with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 3 classes"):
        F.cross_entropy(mt.randn(2, 3), mt.tensor([0, 1]), weight=mt.ones(4))
