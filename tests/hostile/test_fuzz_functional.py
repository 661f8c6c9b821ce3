"""Differential fuzz of the functional API against PyTorch: hostile shapes, dtypes, NaN/inf, zero-size
and huge arguments (``fuzz_cases.py``, ``fuzz_wide.py``). Every call gives PyTorch's result, or both refuse
and ours says clearly why, with PyTorch's exception type; no call runs past its time limit. Mixing two float
dtypes, which minitorch_cnn refuses by design, is the one counted exception. Bounded by the hypothesis
profile (ci: 15 per op)."""
import os
import sys

import numpy as np
import pytest
from hypothesis import given, strategies as st

pytest.importorskip("torch")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzz_cases  # noqa: E402
import fuzz_wide  # noqa: E402


@pytest.mark.parametrize("op", fuzz_cases.OPS + fuzz_wide.OPS)
@given(seed=st.integers(0, 2**32 - 1))
def test_functional_agrees_with_torch_on_hostile_calls(op, seed):
    args, kwargs = fuzz_cases.make_case(op, np.random.default_rng(seed))
    outcome, why = fuzz_cases.compare(op, args, kwargs, time_limit=5.0)
    assert outcome in ("same", "both_raise", "promotion"), f"{op}{tuple(args)} {kwargs}: {outcome}: {why}"


def test_the_classifier_tells_clear_from_unclear():
    assert fuzz_cases.clear_message("cat", "cat(): zero-dimensional tensor (at position 0) cannot be concatenated",
                                    "zero-dimensional tensor (at position 0) cannot be concatenated")
    assert not fuzz_cases.clear_message("cat", "tuple index out of range",
                                        "zero-dimensional tensor (at position 0) cannot be concatenated")
    assert not fuzz_cases.clear_message("linear", "linear: index 3 is out of bounds for axis 0 with size 2", "x")
