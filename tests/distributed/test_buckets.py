"""DDP's bucket assignment: reverse registration order, a small first bucket, no mixed dtypes."""
import minitorch_cnn as mt
from minitorch_cnn.nn.parallel.distributed import _assign_buckets


def params(*specs):
    return [mt.nn.Parameter(mt.zeros(n, dtype=dtype)) for n, dtype in specs]


def indices(buckets):
    return [[i for i, _ in bucket] for bucket in buckets]


def test_reverse_order_and_caps():
    ps = params(*[(256, mt.float32)] * 6)  # 1 KB each
    # first bucket closes at 1 KB, the others at 2 KB; the rest forms the last bucket
    assert indices(_assign_buckets(ps, cap_bytes=2048, first_bucket_bytes=1024)) == [[5], [4, 3], [2, 1], [0]]


def test_one_bucket_when_everything_fits():
    ps = params((10, mt.float32), (20, mt.float32))
    assert indices(_assign_buckets(ps, cap_bytes=25 << 20, first_bucket_bytes=1 << 20)) == [[1, 0]]


def test_dtypes_are_never_mixed():
    ps = params((4, mt.float32), (4, mt.float64), (4, mt.float32), (4, mt.float64))
    buckets = _assign_buckets(ps, cap_bytes=1 << 20, first_bucket_bytes=1 << 20)
    assert sorted(indices(buckets)) == [[2, 0], [3, 1]]
    for bucket in buckets:
        assert len({p.dtype for _, p in bucket}) == 1
