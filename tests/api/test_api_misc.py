"""Small API surface that tutorials touch: f-string formatting of tensors, the device questions
(accelerator, mps, cuda, cudnn), out=, inference_mode, print options, finfo/iinfo, and a probe of
everyday calls against PyTorch."""
import warnings

import numpy as np
import pytest

import minitorch_cnn as mt
from core_checks import requires_torch, torch


def test_format_zero_dim_tensors_like_python_numbers():
    loss = mt.tensor(1.23456)
    assert f"{loss:.4f}" == "1.2346" and "{:.2f}".format(loss) == "1.23" and f"{mt.tensor(3):d}" == "3"
    assert f"{loss}" == "1.2345600128173828" == str(loss.item())  # an empty spec prints the number, as PyTorch
    assert f"{mt.tensor([1.0, 2.0])}" == str(mt.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="unsupported format string passed to Tensor.__format__"):
        f"{mt.tensor([1.0, 2.0]):.2f}"
    with pytest.raises(TypeError, match="unsupported format string passed to Tensor.__format__"):
        f"{mt.tensor([1.0]):.2f}"  # PyTorch formats only 0-d tensors this way


@requires_torch
def test_format_matches_torch():
    for value, spec in [(1.23456, ".4f"), (2.5, ".2e"), (-0.125, "+.3f"), (7.0, "10.2f"), (3.0, "")]:
        assert format(mt.tensor(value), spec) == format(torch.tensor(value), spec)
    assert format(mt.tensor(5), "03d") == format(torch.tensor(5), "03d")


def test_device_questions_answer_on_a_cpu_machine():
    if mt.cuda.is_available():
        pytest.skip("this machine has a GPU")
    assert mt.accelerator.is_available() is False and mt.accelerator.current_accelerator() is None
    assert mt.accelerator.device_count() == 0 and mt.accelerator.current_device_index() == -1
    mt.accelerator.synchronize()
    assert mt.backends.mps.is_available() is False and mt.backends.mps.is_built() is False
    assert mt.cuda.is_available() is False and mt.cuda.device_count() == 0
    device = mt.accelerator.current_accelerator() if mt.accelerator.is_available() else mt.device("cpu")
    assert mt.ones(2, device=device).device == mt.device("cpu")
    device = mt.device("cuda" if mt.cuda.is_available() else "mps" if mt.backends.mps.is_available() else "cpu")
    assert str(device) == "cpu"


def test_cudnn_flags_are_settable():
    assert mt.backends.cudnn.enabled is True and mt.backends.cudnn.benchmark is False
    assert mt.backends.cudnn.deterministic is False and mt.backends.cudnn.is_available() is False
    mt.backends.cudnn.benchmark = True
    mt.backends.cudnn.deterministic = True
    try:
        assert mt.backends.cudnn.benchmark and mt.backends.cudnn.deterministic
    finally:
        mt.backends.cudnn.benchmark = False
        mt.backends.cudnn.deterministic = False


def test_out_keyword():
    a, b = mt.tensor([[1.0, 2.0]]), mt.tensor([[3.0], [4.0]])
    out = mt.empty(0)
    assert mt.matmul(a, b, out=out) is out and out.tolist() == [[11.0]]
    out = mt.empty(1, 2)
    assert mt.add(a, a, out=out) is out and out.tolist() == [[2.0, 4.0]]
    mt.mul(a, 3, out=out)
    assert out.tolist() == [[3.0, 6.0]]
    mt.sub(a, 1, out=out), mt.div(a, 2, out=out)
    assert out.tolist() == [[0.5, 1.0]]
    mt.sin(a, out=out)
    np.testing.assert_allclose(out.numpy(), np.sin([[1.0, 2.0]]), rtol=1e-6)
    total = mt.empty(0)
    mt.sum(a, dim=1, out=total)
    assert total.tolist() == [3.0]
    values, indices = mt.empty(0), mt.empty(0, dtype=mt.int64)
    result = mt.max(mt.tensor([[1.0, 5.0], [7.0, 2.0]]), 1, out=(values, indices))
    assert result.values is values and values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    as_double = mt.empty(1, 2, dtype=mt.float64)
    mt.add(a, a, out=as_double)
    assert as_double.dtype == mt.float64 and as_double.tolist() == [[2.0, 4.0]]
    with pytest.warns(UserWarning, match="An output with one or more elements was resized"):
        mt.add(a, a, out=mt.empty(5))
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        mt.add(a, a, out=mt.empty(1, 2, dtype=mt.int64))
    with pytest.raises(RuntimeError, match=r"^add\(\): functions with out=\.\.\. arguments don't support automatic "
                                           r"differentiation, but one of the arguments requires grad\.$"):
        mt.add(mt.ones(2, requires_grad=True), 1, out=mt.empty(2))
    with mt.no_grad():  # fine without a graph
        mt.add(mt.ones(2, requires_grad=True), 1, out=mt.empty(2))
    cat_out = mt.empty(0)
    mt.cumsum(mt.tensor([1.0, 2.0]), 0, out=cat_out)
    assert cat_out.tolist() == [1.0, 3.0]


def test_inference_mode_print_options_and_dtype_info():
    w = mt.ones(2, requires_grad=True)
    with mt.inference_mode():
        assert (w * 2).requires_grad is False and mt.is_inference_mode_enabled()

    @mt.inference_mode()
    def predict(x):
        return x * w

    assert predict(mt.ones(2)).requires_grad is False and (w * 2).requires_grad
    with mt.inference_mode(False):
        assert (w * 2).requires_grad
    try:
        mt.set_printoptions(precision=2)
        assert repr(mt.tensor([1.23456, 2.0])) == "tensor([1.23, 2.00])"
        mt.set_printoptions(sci_mode=False, precision=4)
        assert repr(mt.tensor([1e-6, 1.0])) == "tensor([0.0000, 1.0000])"
    finally:
        mt.set_printoptions(profile="default")
    assert repr(mt.tensor([1.23456])) == "tensor([1.2346])" and mt.get_printoptions()["precision"] == 4
    assert mt.finfo(mt.float32).eps == np.finfo(np.float32).eps and mt.finfo().max == np.finfo(np.float32).max
    assert mt.iinfo(mt.int64).max == 2**63 - 1 and mt.iinfo(mt.uint8).min == 0
    with pytest.raises(TypeError, match="requires a floating point input type"):
        mt.finfo(mt.int64)
    assert mt.is_floating_point(mt.ones(1)) and not mt.is_floating_point(mt.tensor([1]))
    assert mt.is_nonzero(mt.tensor([2])) and mt.compile(mt.nn.Linear(2, 2)).in_features == 2


@requires_torch
def test_everyday_calls_match_torch():
    """What the tutorials do between the interesting lines, run on both libraries."""

    def program(lib):
        lib.manual_seed(0)
        x = lib.arange(12, dtype=lib.float32).view(3, 4)
        y = lib.cat([x, lib.zeros_like(x)], dim=0)
        z = lib.stack([x, x], dim=1)
        out = {
            "view": x.view(-1).tolist(), "flatten": lib.flatten(z, 1).shape[1], "unsqueeze": x.unsqueeze(0).shape,
            "cat": y.shape, "linspace": lib.linspace(0, 1, 5).tolist(), "eye": lib.eye(3).sum().item(),
            "full": lib.full((2, 2), 7.0).tolist(), "from_numpy": lib.from_numpy(np.arange(3)).tolist(),
            "long": x.long().dtype == lib.int64, "float": lib.tensor([1, 2]).float().dtype == lib.float32,
            "type": x.type(lib.float64).dtype == lib.float64, "item": x[1, 2].item(),
            "numpy": x.numpy().sum().item(), "argmax": x.argmax(dim=1).tolist(), "argmax_axis": x.argmax(axis=0).tolist(),
            "topk": x.topk(2).indices.tolist(), "sort": lib.sort(-x[0]).values.tolist(),
            "cumsum": x[0].cumsum(0).tolist(), "norm": round(x.norm().item(), 4),
            "masked_fill": x.masked_fill(x > 5, 0.0).sum().item(), "where": lib.where(x > 5, x, -x).sum().item(),
            "clamp": x.clamp(2, 5).tolist(), "round": lib.round(x / 3, decimals=1).tolist(),
            "einsum": lib.einsum("ij,ij->i", x, x).tolist(), "allclose": lib.allclose(x, x + 1e-9),
            "numel": x.numel(), "sin": round(lib.sin(x).sum().item(), 4), "erf": round(lib.erf(x / 10).sum().item(), 4),
            "any": bool(lib.any(x > 10)), "all": bool((x >= 0).all()), "prod": lib.prod(x[0] + 1).item(),
            "gather": x.gather(1, lib.tensor([[0], [1], [2]])).tolist(), "std": round(x.std().item(), 4),
            "max_axis": x.max(axis=1, keepdims=True).values.tolist(), "sum_tuple": x.sum(dim=(0, 1)).item(),
            "isclose": lib.isclose(x, x).all().item(), "lerp": lib.lerp(x, x * 2, 0.5).sum().item(),
            "remainder": (x % 5).tolist(), "sign": lib.sign(x - 5).tolist(), "tril": lib.tril(lib.ones(3, 3)).sum().item(),
        }
        with lib.no_grad():
            out["no_grad"] = (lib.ones(2, requires_grad=True) * 2).requires_grad
        return out

    ours, theirs = program(mt), program(torch)
    for key in theirs:
        assert ours[key] == theirs[key], key


def test_in_place_shape_methods():
    x = mt.ones(2, 3)
    assert x.unsqueeze_(0) is x and x.shape == (1, 2, 3)
    x.squeeze_()
    assert x.shape == (2, 3)
    x.t_()
    assert x.shape == (3, 2)
    x.transpose_(0, 1)
    assert x.shape == (2, 3)
    z = mt.arange(6.0)
    z.resize_(2, 2)
    assert z.tolist() == [[0.0, 1.0], [2.0, 3.0]]
    z.resize_(0)
    assert z.shape == (0,)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        mt.ones(2, requires_grad=True).unsqueeze_(0)


def test_random_sampling_functions():
    mt.manual_seed(0)
    counts = mt.multinomial(mt.tensor([0.2, 0.0, 0.8]), 4000, replacement=True).bincount(minlength=3)
    assert counts[1].item() == 0 and abs(counts[2].item() / 4000 - 0.8) < 0.03
    draws = mt.multinomial(mt.tensor([[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0]]), 2)
    assert draws.shape == (2, 2) and sorted(draws[1].tolist()) == [2, 3] and len(set(draws[0].tolist())) == 2
    with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist.size"):
        mt.multinomial(mt.tensor([0.5, 0.5]), 3)
    samples = mt.normal(2.0, 3.0, size=(20000,))
    assert abs(samples.mean().item() - 2.0) < 0.1 and abs(samples.std().item() - 3.0) < 0.1
    assert mt.normal(mt.zeros(3), mt.ones(3)).shape == (3,)
    coin = mt.bernoulli(mt.full((10000,), 0.3))
    assert set(coin.unique().tolist()) <= {0.0, 1.0} and abs(coin.mean().item() - 0.3) < 0.03
    ints = mt.empty(1000).random_(3, 7)
    assert ints.min().item() == 3 and ints.max().item() == 6
    assert abs(mt.empty(20000).exponential_(2.0).mean().item() - 0.5) < 0.03
    assert mt.randint_like(mt.ones(4, dtype=mt.int64), 5).dtype == mt.int64
    assert mt.logspace(0, 2, 3).tolist() == [1.0, 10.0, 100.0]
    mt.manual_seed(1)
    a = mt.multinomial(mt.ones(5), 3)
    mt.manual_seed(1)
    assert mt.multinomial(mt.ones(5), 3).tolist() == a.tolist()  # seeded like every other draw


def test_assert_close_and_switches():
    mt.testing.assert_close(mt.ones(3), mt.ones(3) + 1e-7)
    with pytest.raises(AssertionError, match="Tensor-likes are not close!"):
        mt.testing.assert_close(mt.ones(3), mt.ones(3) + 1e-3)
    with pytest.raises(AssertionError, match="dtype"):
        mt.testing.assert_close(mt.ones(3), mt.ones(3, dtype=mt.float64))
    mt.use_deterministic_algorithms(True)
    assert mt.are_deterministic_algorithms_enabled()
    mt.use_deterministic_algorithms(False)
    mt.set_float32_matmul_precision("high")
    try:
        assert mt.get_float32_matmul_precision() == "high" and mt.backends.cuda.matmul.allow_tf32
    finally:
        mt.set_float32_matmul_precision("highest")
    assert not mt.backends.cuda.matmul.allow_tf32
    assert mt.ones(2).clone(memory_format=mt.contiguous_format).tolist() == [1.0, 1.0]
    assert mt.ones(2).get_device() == -1 and mt.ones(3).apply_(lambda v: v * 3).tolist() == [3.0, 3.0, 3.0]


def test_set_default_device():
    try:
        mt.set_default_device("cpu")
        assert mt.get_default_device() == mt.device("cpu")
        assert mt.randn(2).device == mt.zeros(2).device == mt.tensor([1]).device == mt.device("cpu")
        if not mt.cuda.is_available():
            mt.set_default_device("cuda")
            with pytest.raises(RuntimeError, match="CuPy"):
                mt.zeros(2)
    finally:
        mt.set_default_device(None)
    assert mt.zeros(1).device == mt.device("cpu")
