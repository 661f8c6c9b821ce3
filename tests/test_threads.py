"""CPU threads: ops that split their work over threads give the same bits as one thread."""
import threading

import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import _threads
from minitorch_cnn.ops.im2col import col2im, im2col


@pytest.fixture
def threads(monkeypatch):
    """Set the thread count (restored afterwards); every job is split, however small."""
    monkeypatch.setattr(_threads, "PARALLEL_MIN_ELEMENTS", 0)
    before = mt.get_num_threads()
    yield mt.set_num_threads
    mt.set_num_threads(before)


def test_parallel_slices_cover_the_range_once_and_reraise(threads):
    threads(3)
    seen = np.zeros(10, dtype=int)

    def work(start, stop):
        seen[start:stop] += 1

    _threads.parallel_slices(work, 10, np, 10)
    np.testing.assert_array_equal(seen, np.ones(10, dtype=int))

    def fail(start, stop):
        if start > 0:
            raise ValueError(f"slice {start}:{stop} failed")

    with pytest.raises(ValueError, match="slice 3:6 failed"):
        _threads.parallel_slices(fail, 10, np, 10)


def _forward_backward(seed):
    """Outputs and gradients of relu, batch norm, max-pool and conv on one input."""
    rng = np.random.default_rng(seed)
    x = mt.tensor(rng.standard_normal((5, 6, 9, 9)), requires_grad=True)
    w = mt.tensor(rng.standard_normal((6, 6, 3, 3)), requires_grad=True)
    gamma = mt.tensor(rng.standard_normal(6), requires_grad=True)
    h = F.conv2d(x, w, padding=1)
    h = F.relu(F.batch_norm(h, mt.zeros(6, dtype=mt.float64), mt.ones(6, dtype=mt.float64), gamma, training=True))
    out = F.max_pool2d(h, 3, stride=2, padding=1)[:, :, :4, :4] + F.max_pool2d(h, 2)  # (5x5, 4x4)
    out.backward(mt.tensor(rng.standard_normal(out.shape)))
    return [out.detach().numpy(), x.grad.numpy(), w.grad.numpy(), gamma.grad.numpy()]


def test_ops_give_the_same_bits_on_one_and_on_three_threads(threads):
    threads(1)
    one = _forward_backward(0)
    threads(3)
    three = _forward_backward(0)
    for a, b in zip(one, three):
        np.testing.assert_array_equal(a, b)


def test_im2col_and_col2im_give_the_same_arrays_on_one_and_on_three_threads(threads):
    x = np.random.default_rng(0).standard_normal((2, 9, 7, 6)).astype(np.float32)
    geometry = ((3, 2), (2, 1), ((1, 2), (0, 1)), (2, 1))
    results = []
    for n in (1, 3):
        threads(n)
        cols = im2col(x, *geometry, out_size=(3, 6))
        batch_last = np.ascontiguousarray(cols.transpose(0, 1, 2, 4, 5, 3))
        results.append([cols, col2im(cols, x.shape, *geometry), col2im(batch_last, x.shape, *geometry, batch_last=True)])
    for one, three in zip(*results):
        np.testing.assert_array_equal(three, one)


def test_set_num_threads_rejects_nonsense():
    with pytest.raises(ValueError, match="set_num_threads expects a positive number of threads, but got 0"):
        mt.set_num_threads(0)


def test_work_in_a_pool_thread_is_not_split_again(threads):
    """A job started inside a worker runs in place there (splitting it would wait on itself)."""
    threads(2)
    inner = []

    def outer(start, stop):
        _threads.parallel_slices(lambda a, b: inner.append((a, b)), 4, np, 1 << 30)

    runner = threading.Thread(target=_threads.parallel_slices, args=(outer, 2, np, 1 << 30), daemon=True)
    runner.start()
    runner.join(timeout=30)
    assert not runner.is_alive(), "a nested split waited on itself"
    assert sorted(inner) == [(0, 2), (0, 4), (2, 4)]  # the calling thread's half split, the worker's not


def test_a_forked_child_gets_a_pool_of_its_own(threads):
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    threads(2)
    _threads.parallel_slices(lambda a, b: None, 2, np, 1 << 30)  # the parent's pool exists now
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        assert pool.apply_async(_split_sum_in_child).get(timeout=60) == 45


def _split_sum_in_child():
    _threads.PARALLEL_MIN_ELEMENTS = 0
    total = np.zeros(10)
    _threads.parallel_slices(lambda a, b: total.__setitem__(slice(a, b), np.arange(a, b)), 10, np, 10)
    return int(total.sum())
