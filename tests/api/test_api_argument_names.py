"""The top-level functions take PyTorch's argument names, so keyword calls port unchanged
(``torch.matmul(input=g, other=x)`` in the tutorials' polynomial_tensor.py)."""
import inspect

import numpy as np
import pytest

import minitorch_cnn as mt
from core_checks import requires_torch, torch

# name -> PyTorch's leading parameter names (from its documented signature)
NAMES = {
    "add": ["input", "other"], "sub": ["input", "other"], "mul": ["input", "other"], "div": ["input", "other"],
    "pow": ["input", "exponent"], "matmul": ["input", "other"], "mm": ["input", "mat2"], "bmm": ["input", "mat2"],
    "maximum": ["input", "other"], "minimum": ["input", "other"], "where": ["condition", "input", "other"],
    "eq": ["input", "other"], "ne": ["input", "other"], "lt": ["input", "other"], "le": ["input", "other"],
    "gt": ["input", "other"], "ge": ["input", "other"], "logical_and": ["input", "other"],
    "logical_or": ["input", "other"], "allclose": ["input", "other"], "equal": ["input", "other"],
    "neg": ["input"], "abs": ["input"], "exp": ["input"], "log": ["input"], "sqrt": ["input"], "tanh": ["input"],
    "sigmoid": ["input"], "relu": ["input"], "clamp": ["input", "min", "max"], "isnan": ["input"],
    "isfinite": ["input"], "logical_not": ["input"], "clone": ["input"], "numel": ["input"],
    "sum": ["input"], "mean": ["input"], "var": ["input"], "std": ["input"], "amax": ["input"], "amin": ["input"],
    "argmin": ["input"], "logsumexp": ["input"], "softmax": ["input", "dim"], "log_softmax": ["input", "dim"],
    "flatten": ["input", "start_dim", "end_dim"], "unflatten": ["input", "dim", "sizes"], "squeeze": ["input"],
    "unsqueeze": ["input", "dim"], "transpose": ["input", "dim0", "dim1"], "t": ["input"],
    "split": ["tensor", "split_size_or_sections", "dim"], "chunk": ["input", "chunks", "dim"],
    "zeros_like": ["input"], "ones_like": ["input"], "empty_like": ["input"], "full_like": ["input", "fill_value"],
    "rand_like": ["input"], "randn_like": ["input"], "dot": ["input", "tensor"], "broadcast_to": ["input", "shape"],
    "swapdims": ["input", "dim0", "dim1"], "swapaxes": ["input", "axis0", "axis1"], "from_numpy": ["ndarray"],
}


@pytest.mark.parametrize("name", NAMES)
def test_leading_parameter_names_are_pytorchs(name):
    params = list(inspect.signature(getattr(mt, name)).parameters)
    assert params[:len(NAMES[name])] == NAMES[name], (name, params)


@requires_torch
def test_the_table_is_pytorchs():
    checked = 0
    for name, expected in NAMES.items():
        fn = torch.__dict__[name]
        try:
            listed = list(inspect.signature(fn).parameters)
        except (ValueError, TypeError):  # a builtin: its docstring's first line is its signature
            if not fn.__doc__:
                continue
            first = fn.__doc__.strip().splitlines()[0]
            inside = first[first.index("(") + 1:first.index(")")]
            listed = [p.strip().split("=")[0].split(":")[0] for p in inside.split(",")]
        assert listed[:len(expected)] == expected, (name, listed)
        checked += 1
    assert checked >= len(NAMES) - 3


def test_keyword_calls_with_pytorchs_names():
    g, x = mt.tensor([1.0, 2.0]), mt.tensor([3.0, 4.0])
    assert mt.matmul(input=g, other=x).item() == 11.0
    m = mt.ones(2, 2)
    np.testing.assert_array_equal(mt.mm(input=m, mat2=m).numpy(), np.full((2, 2), 2.0))
    assert mt.pow(input=x, exponent=2).tolist() == [9.0, 16.0]
    assert mt.where(condition=g > 1, input=g, other=x).tolist() == [3.0, 2.0]
    assert mt.clamp(input=x, max=3.5).tolist() == [3.0, 3.5]
    assert mt.sum(input=m, dim=0).tolist() == [2.0, 2.0]
    assert mt.flatten(input=mt.ones(2, 3, 4), start_dim=1).shape == (2, 12)
    assert [t.shape[0] for t in mt.split(tensor=mt.arange(5), split_size_or_sections=2)] == [2, 2, 1]
    assert mt.zeros_like(input=x).tolist() == [0.0, 0.0]
