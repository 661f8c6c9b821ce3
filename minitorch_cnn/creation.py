"""Tensor creation: ``mt.tensor``, ``zeros``, ``arange``, ``randn`` ..."""
import builtins

import numpy as np

from . import backend
from .dtypes import as_dtype, get_default_dtype, int64
from .random import normal_array, permutation_array, randint_array, uniform_array
from .tensor import Tensor


def _infer_np_dtype(data):
    """PyTorch's inference: Python floats -> default float, ints -> int64, bools -> bool;
    NumPy arrays and scalars keep their dtype."""
    arr = np.asarray(data)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"tensor(): can't build a tensor from {type(data).__name__} of dtype {arr.dtype}")
    if isinstance(data, (np.ndarray, np.generic)):
        return arr.dtype
    if arr.dtype.kind == "f":
        return get_default_dtype().np_dtype
    return np.int64 if arr.dtype.kind in "iu" else arr.dtype


_default_device = None  # set_default_device: where creation functions put tensors when device=None


def set_default_device(device):
    """Make ``device`` ('cpu', 'cuda', an index...) where new tensors go when no device is given
    (``mt.set_default_device(None)`` restores the CPU), as ``torch.set_default_device``."""
    global _default_device
    _default_device = None if device is None else backend.as_device(device)


def get_default_device():
    """Where new tensors go when no device is given."""
    return _default_device or backend.as_device("cpu")


def _device(device):
    return _default_device if device is None else device


def _finish(data, dtype, device, requires_grad):
    device = backend.as_device(_device(device))
    if dtype is not None:
        data = data.astype(as_dtype(dtype).np_dtype, copy=False)
    if device.type != "cpu" or backend.device_of(data) != device:
        data = backend.to_device(data, device)
    t = Tensor._from_op(data, None)
    if requires_grad:
        t.requires_grad = True
    return t


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (nested lists, scalars, arrays or a tensor)."""
    if isinstance(data, Tensor):
        array = data._data.copy()
        if device is None:
            device = data.device
    elif backend.is_array(data):
        array = data.copy()
        if device is None:
            device = _default_device or backend.device_of(data)
    else:
        if isinstance(data, (list, tuple)) and builtins.any(isinstance(x, Tensor) for x in _flatten(data)):
            data = _tensors_to_nested(data)
        try:
            array = np.array(data, dtype=None if dtype is not None else _infer_np_dtype(data))
        except ValueError as e:  # ragged nested lists
            raise ValueError(f"tensor(): expected a rectangular nested sequence of numbers: {e}") from None
    return _finish(array, dtype, device, requires_grad)


def _flatten(seq):
    for x in seq:
        if isinstance(x, (list, tuple)):
            yield from _flatten(x)
        else:
            yield x


def _tensors_to_nested(seq):
    return [(_tensors_to_nested(x) if isinstance(x, (list, tuple)) else (x.tolist() if isinstance(x, Tensor) else x)) for x in seq]


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype) if (device or dtype) else data
    if isinstance(data, np.ndarray):
        return _finish(data, dtype, device, False)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray):
    """Shares memory with ``ndarray``, as ``torch.from_numpy`` does."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(ndarray).__name__})")
    return Tensor._from_op(ndarray, None)


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    size = tuple(int(s) for s in size)
    if builtins.any(s < 0 for s in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(size)}")
    return size


def _filled(fill, size, dtype, device, requires_grad):
    dtype = as_dtype(dtype) or get_default_dtype()
    device = _device(device)
    xp = backend.array_module_for(device)
    with backend.device_context(device):
        data = xp.full(_size(size), fill, dtype=dtype.np_dtype)
    t = Tensor._from_op(data, None)
    if requires_grad:
        t.requires_grad = True
    return t


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _filled(0, size, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _filled(1, size, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    return _filled(0, size, dtype, device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = get_default_dtype() if isinstance(fill_value, float) else (
            "bool" if isinstance(fill_value, bool) else int64)
    return _filled(fill_value, (size,), dtype, device, requires_grad)


def _like(fn, x, dtype, device, requires_grad, *args):
    return fn(*args, tuple(x.shape), dtype=dtype or x.dtype, device=device or x.device, requires_grad=requires_grad)


def zeros_like(input, dtype=None, device=None, requires_grad=False):
    return _like(zeros, input, dtype, device, requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False):
    return _like(ones, input, dtype, device, requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False):
    return _like(empty, input, dtype, device, requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    return full(tuple(input.shape), fill_value, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if dtype is None:
        is_float = builtins.any(isinstance(v, float) for v in (start, end, step))
        dtype = get_default_dtype() if is_float else int64
    data = np.arange(start, end, step, dtype=np.float64).astype(as_dtype(dtype).np_dtype)
    return _finish(data, None, device, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    data = np.linspace(start, end, steps, dtype=np.float64).astype((as_dtype(dtype) or get_default_dtype()).np_dtype)
    return _finish(data, None, device, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    data = np.eye(n, m, dtype=(as_dtype(dtype) or get_default_dtype()).np_dtype)
    return _finish(data, None, device, requires_grad)


def _random(draw, size, dtype, device, requires_grad, generator):
    dtype = as_dtype(dtype) or get_default_dtype()
    device = backend.as_device(_device(device))
    with backend.device_context(device):
        data = draw(_size(size), dtype.np_dtype, device, generator)
    if not backend.is_array(data):  # a 0-d draw comes back as a NumPy scalar: make it a 0-d array
        data = np.asarray(data)
    t = Tensor._from_op(data, None)
    if requires_grad:
        t.requires_grad = True
    return t


def rand(*size, dtype=None, device=None, requires_grad=False, generator=None):
    """Uniform on [0, 1)."""
    return _random(lambda s, d, dev, g: uniform_array(s, 0.0, 1.0, d, dev, g), size, dtype, device, requires_grad, generator)


def randn(*size, dtype=None, device=None, requires_grad=False, generator=None):
    """Standard normal."""
    return _random(lambda s, d, dev, g: normal_array(s, 0.0, 1.0, d, dev, g), size, dtype, device, requires_grad, generator)


def rand_like(input, dtype=None, device=None, requires_grad=False):
    return rand(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def randn_like(input, dtype=None, device=None, requires_grad=False):
    return randn(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def randint(low, high=None, size=None, dtype=None, device=None, generator=None):
    """``randint(high, size)`` or ``randint(low, high, size)``: integers in [low, high)."""
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=size)
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing required argument 'size' (a tuple of ints)")
    if high <= low:
        raise RuntimeError(f"randint: expected low < high, got low={low}, high={high}")
    device = backend.as_device(_device(device))
    with backend.device_context(device):
        data = randint_array(low, high, _size((size,)), device, generator)
    return Tensor._from_op(data.astype((as_dtype(dtype) or int64).np_dtype, copy=False), None)


def randperm(n, dtype=None, device=None, generator=None):
    device = backend.as_device(_device(device))
    with backend.device_context(device):
        data = permutation_array(n, device, generator)  # drawn by the device's generator (mt.cuda.manual_seed)
    return Tensor._from_op(data.astype((as_dtype(dtype) or int64).np_dtype, copy=False), None)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, generator=None):
    """Integers in [low, high) with ``input``'s shape (``randint_like(x, high)`` or ``(x, low, high)``)."""
    if high is None:
        low, high = 0, low
    out = randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                  generator=generator)
    return out


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    """``base ** linspace(start, end, steps)``."""
    exponents = np.linspace(float(start), float(end), int(steps))
    data = (float(base) ** exponents).astype((as_dtype(dtype) or get_default_dtype()).np_dtype)
    return _finish(data, None, device, requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Normal samples: ``normal(mean_tensor, std_tensor)`` elementwise (broadcast), or
    ``normal(mean, std, size)`` with numbers."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        like = mean if isinstance(mean, Tensor) else std
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        xp = backend.get_array_module(like._data)
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        noise = normal_array(shape, 0.0, 1.0, like._data.dtype, like.device, generator)
        return Tensor._from_op(xp.asarray(noise * s + m, dtype=like._data.dtype), None)
    if size is None:
        raise TypeError("normal(): with numbers for mean and std, give size=")
    return _random(lambda sh, d, dev, g: normal_array(sh, mean, std, d, dev, g), (size,), dtype, device, requires_grad,
                   generator)


def bernoulli(input, p=None, *, generator=None):
    """1 with probability ``input`` (or ``p``) elementwise, else 0; input's dtype."""
    prob = input._data if p is None else p
    draw = uniform_array(tuple(input.shape), 0.0, 1.0, np.float64, input.device, generator)
    return Tensor._from_op((draw < prob).astype(input._data.dtype), None)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """``num_samples`` category indices per row, drawn with probabilities proportional to ``input``
    (1-D: one distribution; 2-D: one per row).

    With replacement: inverse transform sampling, index = the number of cumulative probabilities
    below a uniform draw. Without: the Gumbel-top-k trick, the indices of the num_samples largest
    log(p) + Gumbel noise, which draws each index at most once with PyTorch's distribution.
    """
    xp = backend.get_array_module(input._data)
    probs = input._data.astype(np.float64)
    rows = probs.reshape(-1, probs.shape[-1]) if probs.ndim else probs.reshape(1, 1)
    if bool((rows < 0).any()) or not bool(xp.isfinite(rows).all()):
        raise RuntimeError("multinomial(): probability tensor contains either `inf`, `nan` or element < 0")
    if bool((rows.sum(axis=1) <= 0).any()):
        raise RuntimeError("multinomial(): invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("multinomial(): cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    n, k = rows.shape
    u = uniform_array((n, num_samples if replacement else k), 0.0, 1.0, np.float64, input.device, generator)
    if replacement:
        cdf = xp.cumsum(rows / rows.sum(axis=1, keepdims=True), axis=1)
        out = (cdf[:, None, :-1] <= u[:, :, None]).sum(axis=2)
    else:
        with np.errstate(divide="ignore"):
            keys = xp.log(rows) - xp.log(-xp.log(u))  # log p + Gumbel(0, 1) noise
        out = xp.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    return Tensor._from_op(out.reshape(probs.shape[:-1] + (num_samples,)).astype(np.int64), None)
