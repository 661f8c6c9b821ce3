"""Creation functions: dtype inference, shapes, values, devices and seeded randomness."""
import numpy as np
import pytest

import minitorch_cnn as mt
from core_checks import DEVICES, requires_torch


def test_dtype_inference_follows_pytorch():
    assert mt.tensor([1.0, 2.0]).dtype == mt.float32        # Python floats -> default float
    assert mt.tensor([1, 2.5]).dtype == mt.float32
    assert mt.tensor([1, 2]).dtype == mt.int64              # Python ints -> int64
    assert mt.tensor([True, False]).dtype == mt.bool
    assert mt.tensor(3.0).dtype == mt.float32 and mt.tensor(3.0).shape == ()
    assert mt.tensor(np.array([1.0, 2.0])).dtype == mt.float64  # NumPy keeps its dtype
    assert mt.tensor(np.array([1, 2], dtype=np.int32)).dtype == mt.int32
    assert mt.tensor(np.float64(3.0)).dtype == mt.float64
    assert mt.tensor([1, 2], dtype=mt.float64).dtype == mt.float64
    assert mt.tensor([]).dtype == mt.float32 and mt.tensor([]).shape == (0,)
    assert mt.tensor([[1.0], [2.0]]).shape == (2, 1)


@requires_torch
def test_dtype_inference_matches_torch():
    import torch

    for data in ([1.0, 2.0], [1, 2], [True], [1, 2.5], 3.0, 7, np.array([1.0]), np.array([1], dtype=np.int32),
                 np.float64(2.0), np.float32(2.0), np.array([1], dtype=np.uint8), [[1, 2], [3, 4]]):
        assert mt.tensor(data).dtype.name == str(torch.tensor(data).dtype).split(".")[1], data


def test_tensor_copies_and_from_numpy_shares():
    a = np.ones(3)
    t, shared = mt.tensor(a), mt.from_numpy(a)
    a[0] = 5.0
    assert t.numpy()[0] == 1.0 and shared.numpy()[0] == 5.0
    with pytest.raises(TypeError, match="from_numpy.*ndarray"):
        mt.from_numpy([1, 2])


def test_tensor_of_a_list_of_tensors():
    t = mt.tensor([mt.tensor(1.0), mt.tensor(2.0)])
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])


def test_bad_data_gives_a_clear_error():
    with pytest.raises(ValueError, match="tensor"):
        mt.tensor([[1, 2], [3]])
    with pytest.raises(TypeError, match="tensor"):
        mt.tensor("abc")


@pytest.mark.parametrize("device", DEVICES)
def test_filled_creation_functions(device):
    for fn, value in ((mt.zeros, 0), (mt.ones, 1)):
        for args in ((2, 3), ((2, 3),), ([2, 3],), (mt.Size([2, 3]),)):
            t = fn(*args, device=device)
            assert t.shape == (2, 3) and t.dtype == mt.float32 and t.device == mt.device(device)
            assert (t.cpu().numpy() == value).all()
    assert mt.zeros(()).shape == () and mt.empty(4).shape == (4,)
    assert mt.ones(2, dtype=mt.int64).dtype == mt.int64
    assert mt.full((2,), 1.5).dtype == mt.float32
    assert mt.full((2,), 3).dtype == mt.int64
    assert mt.full((2,), True).dtype == mt.bool
    assert mt.full((2, 2), 7.0, device=device).cpu().numpy().tolist() == [[7.0, 7.0], [7.0, 7.0]]
    assert mt.zeros(2, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="negative dimension"):
        mt.zeros(-1)


def test_like_functions_keep_shape_dtype_device():
    x = mt.ones(2, 3, dtype=mt.float64)
    for fn in (mt.zeros_like, mt.ones_like, mt.randn_like, mt.rand_like, mt.empty_like):
        y = fn(x)
        assert y.shape == (2, 3) and y.dtype == mt.float64
    assert mt.zeros_like(mt.tensor([1, 2])).dtype == mt.int64
    assert mt.ones_like(x, dtype=mt.float32).dtype == mt.float32
    assert (mt.full_like(x, 4.0).numpy() == 4.0).all()


def test_arange_linspace_eye():
    assert mt.arange(5).dtype == mt.int64 and mt.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert mt.arange(1, 4).tolist() == [1, 2, 3]
    assert mt.arange(5.0).dtype == mt.float32
    np.testing.assert_allclose(mt.arange(0, 1, 0.25).numpy(), [0, 0.25, 0.5, 0.75])
    np.testing.assert_allclose(mt.arange(0.0, 1.0, 0.3).numpy(), [0, 0.3, 0.6, 0.9], rtol=1e-6)
    assert mt.arange(10, 0, -3).tolist() == [10, 7, 4, 1]
    assert mt.arange(3, dtype=mt.float64).dtype == mt.float64
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        mt.arange(0, 1, 0)
    np.testing.assert_allclose(mt.linspace(0, 1, 5).numpy(), [0, 0.25, 0.5, 0.75, 1])
    assert mt.linspace(0, 1, 5).dtype == mt.float32
    np.testing.assert_array_equal(mt.eye(2, 3).numpy(), np.eye(2, 3))
    assert mt.eye(3).dtype == mt.float32


def test_random_shapes_dtypes_and_ranges():
    assert mt.rand(2, 3).shape == (2, 3) and mt.rand(2, 3).dtype == mt.float32
    assert mt.randn((4,), dtype=mt.float64).dtype == mt.float64
    u = mt.rand(1000).numpy()
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.05
    n = mt.randn(2000).numpy()
    assert abs(n.mean()) < 0.1 and abs(n.std() - 1) < 0.1
    p = mt.randperm(10)
    assert p.dtype == mt.int64 and sorted(p.tolist()) == list(range(10))


def test_randint_signatures_follow_pytorch():
    for t in (mt.randint(10, (3,)), mt.randint(10, size=(3,)), mt.randint(0, 10, (3,)),
              mt.randint(low=0, high=10, size=(3,))):
        assert t.shape == (3,) and t.dtype == mt.int64 and 0 <= t.min().item() and t.max().item() < 10
    t = mt.randint(3, 5, (2, 50))
    assert t.shape == (2, 50) and set(t.numpy().ravel().tolist()) == {3, 4}
    with pytest.raises(TypeError, match="size"):
        mt.randint(3, 10)
    with pytest.raises(RuntimeError, match="low < high"):
        mt.randint(5, 5, (2,))


def test_manual_seed_reproduces_every_draw():
    def draws():
        return [mt.rand(3).numpy(), mt.randn(3).numpy(), mt.randint(0, 100, (3,)).numpy(), mt.randperm(5).numpy(),
                mt.empty(3).normal_().numpy(), mt.empty(3).uniform_(-1, 1).numpy()]

    mt.manual_seed(123)
    first = draws()
    mt.manual_seed(123)
    second = draws()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    mt.manual_seed(124)
    assert not np.array_equal(draws()[1], first[1])


def test_generator_object_is_independent_of_the_global_seed():
    g = mt.Generator().manual_seed(7)
    a = mt.randn(3, generator=g)
    mt.manual_seed(0)
    mt.randn(5)
    b = mt.randn(3, generator=mt.Generator().manual_seed(7))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    state = mt.get_rng_state()
    x = mt.randn(3)
    mt.set_rng_state(state)
    np.testing.assert_array_equal(mt.randn(3).numpy(), x.numpy())
