"""Second derivatives: gradgradcheck over the op catalogue, in float64 with random cotangents.

Every case of ``gradcheck_suite.CASES`` either passes ``gradgradcheck`` (finite differences of the
first derivative, built with create_graph=True, against its own backward), or is listed in
``NO_SECOND_DERIVATIVE`` and must then fail loudly, naming its op, when differentiated twice.
"""
import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn.gradcheck_suite import CASES, _Inputs

# case name -> the backward node whose second derivative is not implemented
NO_SECOND_DERIVATIVE = {}


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_gradgradcheck_op_catalogue(case):
    name, fn, make = case
    inputs = make(_Inputs("cpu"))
    if name in NO_SECOND_DERIVATIVE:
        with pytest.raises(RuntimeError, match=f"the derivative of {NO_SECOND_DERIVATIVE[name]} is not implemented"):
            mt.autograd.gradgradcheck(fn, inputs)
        return
    assert mt.autograd.gradgradcheck(fn, inputs, atol=1e-5, rtol=1e-3)


# ops beyond the catalogue whose backward is recorded too (einsum's backward is einsums again;
# cumsum and gather are linear maps)
EXTRA_CASES = [
    ("einsum (matmul)", lambda a, b: mt.einsum("ij,jk->ik", a * a, b), ((3, 4), (4, 2))),
    ("einsum (diagonal)", lambda c: mt.einsum("ii->i", c) ** 2, ((3, 3),)),
    ("cumsum", lambda x: mt.cumsum(x * x, 1), ((2, 4),)),
    ("gather", lambda x: mt.gather(x ** 3, 1, mt.tensor([[0, 2], [1, 1]])), ((2, 3),)),
]


@pytest.mark.parametrize("case", EXTRA_CASES, ids=[c[0] for c in EXTRA_CASES])
def test_gradgradcheck_beyond_the_catalogue(case):
    _, fn, shapes = case
    rng = np.random.default_rng(0)
    inputs = [mt.tensor(rng.standard_normal(s), dtype=mt.float64, requires_grad=True) for s in shapes]
    assert mt.autograd.gradgradcheck(fn, inputs)
