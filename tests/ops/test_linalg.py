"""matmul/@, mm, bmm: NumPy's 1-D, batched and broadcasting rules; gradients reduced to each input's shape."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
from core_checks import DEVICES, arrays, check_op


@st.composite
def matmul_shapes(draw):
    """(a_shape, b_shape) covering vector-vector, matrix-vector, vector-matrix and broadcast batches."""
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    a_kind = draw(st.sampled_from(["vector", "matrix", "batched"]))
    b_kind = draw(st.sampled_from(["vector", "matrix", "batched"]))
    batch = draw(st.lists(st.integers(1, 2), min_size=1, max_size=2))

    def batch_for():  # drop leading dims and/or set some to 1, so the batches broadcast
        keep = batch[len(batch) - draw(st.integers(0, len(batch))):]
        return [1 if draw(st.booleans()) else s for s in keep]

    a = (k,) if a_kind == "vector" else tuple((batch_for() if a_kind == "batched" else []) + [n, k])
    b = (k,) if b_kind == "vector" else tuple((batch_for() if b_kind == "batched" else []) + [k, m])
    return a, b


@pytest.mark.parametrize("device", DEVICES)
@given(ab=matmul_shapes(), data=st.data())
def test_matmul(device, ab, data):
    a, b = data.draw(arrays(ab[0])), data.draw(arrays(ab[1]))
    check_op(lambda x, y: x @ y, [a, b], np.matmul, lambda x, y: x @ y, device=device)


@pytest.mark.parametrize("device", DEVICES)
def test_mm_and_bmm(device):
    rng = np.random.default_rng(0)
    check_op(mt.mm, [rng.standard_normal((2, 3)), rng.standard_normal((3, 4))], np.matmul,
             lambda x, y: x.mm(y), device=device)
    check_op(mt.bmm, [rng.standard_normal((2, 2, 3)), rng.standard_normal((2, 3, 1))], np.matmul,
             lambda x, y: x.bmm(y), device=device)


def test_matmul_errors_follow_pytorch():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x2\)"):
        mt.ones(2, 3) @ mt.ones(4, 2)
    with pytest.raises(RuntimeError, match="both arguments.*at least 1"):
        mt.ones(()) @ mt.ones(2)
    with pytest.raises(RuntimeError, match="mm.*2-D"):
        mt.mm(mt.ones(2), mt.ones(2, 2))
    with pytest.raises(RuntimeError, match="bmm.*batch"):
        mt.bmm(mt.ones(2, 2, 2), mt.ones(3, 2, 2))
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype, but got: float != double"):
        mt.ones(2, 2) @ mt.ones(2, 2, dtype=mt.float64)


def test_matmul_of_int_tensors_stays_int():
    out = mt.tensor([[1, 2], [3, 4]]) @ mt.tensor([1, 1])
    assert out.dtype == mt.int64
    np.testing.assert_array_equal(out.numpy(), [3, 7])
