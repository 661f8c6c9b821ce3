"""Shape ops and indexing: forward vs NumPy, gradcheck, PyTorch parity, error messages."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
from core_checks import DEVICES, HAS_TORCH, arrays, check_op, nonscalar_shapes, requires_torch, shapes, torch


SHAPE_OPS = {  # name: (shape, minitorch/torch fn (same spelling), numpy fn)
    "reshape": ((2, 3), lambda t: t.reshape(3, 2), lambda a: a.reshape(3, 2)),
    "reshape_infer": ((2, 3, 2), lambda t: t.reshape(-1, 4), lambda a: a.reshape(-1, 4)),
    "view": ((2, 3), lambda t: t.view(6), lambda a: a.reshape(6)),
    "flatten": ((2, 3, 2), lambda t: t.flatten(1), lambda a: a.reshape(2, 6)),
    "flatten_0d": ((), lambda t: t.flatten(), lambda a: a.reshape(1)),
    "unflatten": ((2, 6), lambda t: t.unflatten(1, (3, 2)), lambda a: a.reshape(2, 3, 2)),
    "squeeze": ((1, 3, 1), lambda t: t.squeeze(), lambda a: a.squeeze()),
    "squeeze_dim": ((1, 3, 1), lambda t: t.squeeze(-1), lambda a: a.squeeze(-1)),
    "squeeze_non1": ((2, 3), lambda t: t.squeeze(0), lambda a: a),
    "unsqueeze": ((2, 3), lambda t: t.unsqueeze(1), lambda a: a[:, None]),
    "unsqueeze_neg": ((2, 3), lambda t: t.unsqueeze(-1), lambda a: a[..., None]),
    "permute": ((2, 3, 4), lambda t: t.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1)),
    "transpose": ((2, 3, 4), lambda t: t.transpose(0, 2), lambda a: a.swapaxes(0, 2)),
    "T": ((2, 3), lambda t: t.T, lambda a: a.T),
    "t": ((2, 3), lambda t: t.t(), lambda a: a.T),
    "expand": ((3, 1), lambda t: t.expand(2, 3, 4), lambda a: np.broadcast_to(a, (2, 3, 4))),
    "expand_keep": ((3, 1), lambda t: t.expand(-1, 2), lambda a: np.broadcast_to(a, (3, 2))),
    "repeat": ((2, 3), lambda t: t.repeat(2, 1, 3), lambda a: np.tile(a, (2, 1, 3))),
    "getitem_int": ((3, 4), lambda t: t[1], lambda a: a[1]),
    "getitem_neg_int": ((3, 4), lambda t: t[-1, -2], lambda a: a[-1, -2]),
    "getitem_slice": ((4, 5), lambda t: t[1:3, ::2], lambda a: a[1:3, ::2]),
    "getitem_none_ellipsis": ((2, 3, 4), lambda t: t[None, ..., 1:], lambda a: a[None, ..., 1:]),
    "getitem_ellipsis_int": ((2, 3, 4), lambda t: t[..., 0], lambda a: a[..., 0]),
    "clone": ((2, 3), lambda t: t.clone(), lambda a: a.copy()),
    "contiguous": ((2, 3), lambda t: t.t().contiguous(), lambda a: a.T.copy()),
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_op(name, device):
    shape, fn, np_fn = SHAPE_OPS[name]
    x = np.random.default_rng(0).standard_normal(shape)
    check_op(fn, [x], np_fn, fn, device=device)


@pytest.mark.parametrize("device", DEVICES)
def test_advanced_indexing_with_masks_and_repeated_indices(device):
    x = np.random.default_rng(0).standard_normal((4, 3))
    mask = x[:, 0] > 0
    idx = np.array([0, 2, 2, 0, 3])  # repeats: gradients must add up
    cases = [
        (lambda t: t[mt.tensor(idx)], lambda a: a[idx], lambda t: t[torch.tensor(idx)]),
        (lambda t: t[[1, 1, 3]], lambda a: a[[1, 1, 3]], lambda t: t[[1, 1, 3]]),
        (lambda t: t[mt.tensor(mask)], lambda a: a[mask], lambda t: t[torch.tensor(mask)]),
        (lambda t: t[t > 0], lambda a: a[a > 0], lambda t: t[t > 0]),
        (lambda t: t[mt.tensor(idx), 1:], lambda a: a[idx, 1:], lambda t: t[torch.tensor(idx), 1:]),
        (lambda t: t[mt.tensor([0, 0, 3]), mt.tensor([2, 2, 1])], lambda a: a[[0, 0, 3], [2, 2, 1]],
         lambda t: t[torch.tensor([0, 0, 3]), torch.tensor([2, 2, 1])]),
    ]
    for fn, np_fn, torch_fn in cases:
        check_op(fn, [x], np_fn, torch_fn, device=device)
    # the repeated row receives its gradient twice
    t = mt.tensor(x, requires_grad=True)
    t[mt.tensor(idx)].sum().backward()
    np.testing.assert_array_equal(t.grad.numpy()[:, 0], [2, 0, 2, 1])


def test_indexing_errors_name_the_shape():
    with pytest.raises(IndexError, match=r"out of bounds.*\[3, 4\]"):
        mt.ones(3, 4)[5]


@st.composite
def cat_inputs(draw):
    base = draw(nonscalar_shapes)
    dim = draw(st.integers(-len(base), len(base) - 1))
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    shapes_ = [tuple(s if i != dim % len(base) else n for i, s in enumerate(base)) for n in sizes]
    return shapes_, dim


@pytest.mark.parametrize("device", DEVICES)
@given(inp=cat_inputs(), data=st.data())
def test_cat(device, inp, data):
    shapes_, dim = inp
    xs = [data.draw(arrays(s)) for s in shapes_]
    check_op(lambda *ts: mt.cat(ts, dim), xs, lambda *a: np.concatenate(a, dim),
             lambda *ts: torch.cat(ts, dim), device=device)


@pytest.mark.parametrize("device", DEVICES)
@given(shape=shapes, n=st.integers(1, 3), data=st.data())
def test_stack(device, shape, n, data):
    dim = data.draw(st.integers(-len(shape) - 1, len(shape)))
    xs = [data.draw(arrays(shape)) for _ in range(n)]
    check_op(lambda *ts: mt.stack(ts, dim), xs, lambda *a: np.stack(a, dim),
             lambda *ts: torch.stack(ts, dim), device=device)


@given(shape=nonscalar_shapes, data=st.data())
def test_split_and_chunk(shape, data):
    dim = data.draw(st.integers(0, len(shape) - 1))
    size = data.draw(st.integers(1, 4))
    x = data.draw(arrays(shape))
    pieces = mt.tensor(x).split(size, dim)
    expected = np.array_split(x, range(size, x.shape[dim], size), axis=dim)
    assert len(pieces) == len(expected)
    for p, e in zip(pieces, expected):
        np.testing.assert_allclose(p.numpy(), e.astype(np.float32))
    chunks = data.draw(st.integers(1, 4))
    t_chunks = mt.tensor(x).chunk(chunks, dim)
    if HAS_TORCH:
        ref = torch.tensor(x).chunk(chunks, dim)
        assert [tuple(c.shape) for c in t_chunks] == [tuple(c.shape) for c in ref]
    # the gradient of every piece lands in its own slice
    check_op(lambda t: mt.cat([p * (i + 1) for i, p in enumerate(t.split(size, dim))], dim), [x],
             None, lambda t: torch.cat([p * (i + 1) for i, p in enumerate(t.split(size, dim))], dim))


def test_split_with_sizes_and_errors():
    x = mt.arange(10.0)
    assert [p.shape[0] for p in x.split([2, 3, 5])] == [2, 3, 5]
    assert [p.shape[0] for p in mt.split(x, 4)] == [4, 4, 2]
    assert [p.shape[0] for p in x.chunk(3)] == [4, 4, 2]
    with pytest.raises(RuntimeError, match="sum exactly to 10"):
        x.split([2, 3])


@pytest.mark.parametrize("device", DEVICES)
@given(shape=nonscalar_shapes, data=st.data())
def test_constant_pad(device, shape, data):
    n = data.draw(st.integers(1, len(shape)))
    pads = [data.draw(st.integers(-(shape[len(shape) - 1 - i // 2] // 2), 2)) for i in range(2 * n)]
    value = data.draw(st.sampled_from([0.0, -1.5]))
    x = data.draw(arrays(shape))

    def reference(a):
        out = a
        for i in range(n):
            axis = a.ndim - 1 - i
            before, after = pads[2 * i], pads[2 * i + 1]
            widths = [(0, 0)] * a.ndim
            widths[axis] = (max(before, 0), max(after, 0))
            out = np.pad(out, widths, constant_values=value)
            index = [slice(None)] * a.ndim
            index[axis] = slice(-min(before, 0), out.shape[axis] + min(after, 0))
            out = out[tuple(index)]
        return out

    check_op(lambda t: mt.pad(t, pads, value=value), [x], reference,
             lambda t: torch.nn.functional.pad(t, pads, value=value), device=device)


def test_shape_errors_follow_pytorch():
    with pytest.raises(RuntimeError, match=r"shape '\[4\]' is invalid for input of size 6"):
        mt.ones(2, 3).reshape(4)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        mt.ones(2, 3).reshape(-1, -1)
    with pytest.raises(RuntimeError, match=r"expanded size of the tensor \(4\) must match the existing size \(3\)"):
        mt.ones(3, 1).expand(4, 2)
    with pytest.raises(RuntimeError, match=r"Sizes of tensors must match except in dimension 0. Expected size 3 but "
                                           r"got size 4 for tensor number 1 in the list"):
        mt.cat([mt.ones(2, 3), mt.ones(2, 4)])
    with pytest.raises(RuntimeError, match=r"zero-dimensional tensor \(at position 1\) cannot be concatenated"):
        mt.cat([mt.ones(1), mt.tensor(2.0)])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        mt.stack([mt.ones(2), mt.ones(3)])
    assert mt.cat([mt.ones(2), mt.ones(2, dtype=mt.float64)]).dtype == mt.float64  # (promoted, as PyTorch)
    with pytest.raises(RuntimeError, match="permute.*does not match"):
        mt.ones(2, 3).permute(1, 0, 2)
    with pytest.raises(RuntimeError, match="pad.*even"):
        mt.pad(mt.ones(2), (1,))


@requires_torch
def test_sizes_of_squeeze_unsqueeze_and_friends_match_torch():
    x, xt = mt.ones(1, 3, 1, 2), torch.ones(1, 3, 1, 2)
    for fn in (lambda t: t.squeeze((0, 2)), lambda t: t.unsqueeze(4), lambda t: t.flatten(1, 2),
               lambda t: t.flatten(0, -1), lambda t: t.transpose(-1, 0), lambda t: t.repeat(2, 1, 1, 1, 1),
               lambda t: t[:, None, 1:], lambda t: t.view(-1, 2)):
        assert tuple(fn(x).shape) == tuple(fn(xt).shape)


@pytest.mark.parametrize("device", DEVICES)
@given(shape=nonscalar_shapes, data=st.data())
def test_random_permute_reshape_expand_repeat(device, shape, data):
    x = data.draw(arrays(shape))
    perm = tuple(data.draw(st.permutations(range(len(shape)))))
    check_op(lambda t: t.permute(perm), [x], lambda a: a.transpose(perm), lambda t: t.permute(perm), device=device)
    flat = (-1,) if data.draw(st.booleans()) else (x.size,)
    check_op(lambda t: t.reshape(flat).unsqueeze(0), [x], lambda a: a.reshape(1, -1),
             lambda t: t.reshape(flat).unsqueeze(0), device=device)
    target = (2,) + tuple(data.draw(st.sampled_from([s, 2])) if s == 1 else s for s in shape)
    check_op(lambda t: t.expand(target), [x], lambda a: np.broadcast_to(a, target), lambda t: t.expand(target),
             device=device)
    reps = tuple(data.draw(st.integers(1, 2)) for _ in range(len(shape) + data.draw(st.integers(0, 1))))
    check_op(lambda t: t.repeat(reps), [x], lambda a: np.tile(a, reps), lambda t: t.repeat(reps), device=device)


@given(shape=nonscalar_shapes, data=st.data())
def test_random_integer_array_indexing_with_repeats(shape, data):
    x = data.draw(arrays(shape))
    idx = np.array(data.draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=5)))
    check_op(lambda t: t[mt.tensor(idx)], [x], lambda a: a[idx], lambda t: t[torch.tensor(idx)])


def test_cat_and_stack_promote_ints_to_the_float_dtype():
    assert mt.cat([mt.ones(2), mt.tensor([1, 2])]).dtype == mt.float32
    assert mt.stack([mt.tensor([1, 2]), mt.tensor([True, False])]).dtype == mt.int64
    x = mt.ones(2, requires_grad=True)
    mt.cat([x, mt.tensor([1, 2])]).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1, 1])
