"""Hostile calls of the functional API, and their comparison with PyTorch.

``make_case(op, rng)`` draws one call: shapes with zero or one sized axes, float32/float64/int64
inputs holding NaN, +-inf and huge values, and arguments at and past their limits (zero, negative,
NaN, inf, huge, too many numbers). ``compare(op, args, kwargs)`` runs it through ``minitorch_cnn``
and ``torch`` and classifies the outcome:

- ``same``: equal results (dtype, shape, values to float tolerance, NaN where torch has NaN);
- ``both_raise``: both refuse, ours with a clear message (it names the op or says what torch says);
- ``wrong``: a different result, or one side raising where the other does not;
- ``unclear``: both refuse, ours with a raw error from deep inside (no op name, no torch wording);
- ``hang``: ours ran past the per-call time limit;
- ``promotion``: torch promotes two float dtypes (float32 with float64 ...) where minitorch_cnn refuses by
  design (``tensor._check_same_device_and_dtype``: no silent promotion), counted apart.
"""
import math
import signal

import numpy as np

OPS = ["adaptive_avg_pool2d", "adaptive_max_pool2d", "max_pool2d", "avg_pool2d", "interpolate", "cross_entropy",
       "nll_loss", "dropout", "linear", "local_response_norm", "batch_norm", "cat", "conv2d", "softmax"]

FLOATS = [0.0, 1.0, -1.0, 0.5, 3.0, float("nan"), float("inf"), -float("inf"), 1e30, -1e30]


class Arr:
    """A tensor argument: the NumPy array both libraries get a copy of."""

    def __init__(self, array):
        self.array = np.asarray(array)  # (NumPy gives a scalar for some 0-d results)

    def __repr__(self):
        return f"Arr({self.array.dtype}{list(self.array.shape)})"


def _dim(rng, big=6):
    return int(rng.choice([0, 1, 1, 2, 3, 4, 5, big]))


def _array(rng, shape, dtype=None):
    dtype = dtype or rng.choice(["float32", "float32", "float64", "int64"])
    if dtype == "int64":
        return np.asarray(rng.integers(-5, 6, size=shape), dtype=np.int64)
    a = np.asarray(rng.standard_normal(shape), dtype=dtype)  # (an ndarray also for shape [])
    if a.size and rng.random() < 0.5:  # sprinkle hostile values
        flat = a.reshape(-1)
        for _ in range(int(rng.integers(1, 3))):
            flat[int(rng.integers(0, flat.size))] = rng.choice(FLOATS)
    return a


def _image(rng, dtype=None, ranks=(2, 3, 5)):
    shape = [_dim(rng) for _ in range(4 if rng.random() < 0.85 else int(rng.choice(ranks)))]
    if rng.random() < 0.7:
        shape = [max(s, 1) for s in shape]
    return Arr(_array(rng, shape, dtype))


def _size_arg(rng, big=8):
    """A kernel/stride/size-like argument: an int, a pair, or something hostile."""
    r = rng.random()
    if r < 0.45:
        return int(rng.integers(1, 4))
    if r < 0.75:
        return (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    return [0, -1, big, 10**6, (2, 2, 2), (1,), (2, 0), (None, 2)][int(rng.integers(0, 8))]


def make_case(op, rng):
    """(args, kwargs) of one hostile call of ``F.<op>`` (or ``torch.cat`` / ``torch.softmax`` style for cat)."""
    if op in ("adaptive_avg_pool2d", "adaptive_max_pool2d"):
        kwargs = {"return_indices": True} if op == "adaptive_max_pool2d" and rng.random() < 0.5 else {}
        # (torch's adaptive_avg_pool2d also takes 2-D and 5-D input through its mean shortcut: not fuzzed)
        ranks = (3,) if op == "adaptive_avg_pool2d" else (2, 3, 5)
        return (_image(rng, rng.choice(["float32", "float64"]), ranks), _size_arg(rng)), kwargs
    if op == "max_pool2d":
        x = _image(rng, rng.choice(["float32", "float64", "int64"]))
        kw = dict(stride=_size_arg(rng) if rng.random() < 0.5 else None, padding=int(rng.choice([0, 0, 1, 2, -1])),
                  dilation=int(rng.choice([1, 1, 2, 0])), ceil_mode=bool(rng.random() < 0.3),
                  return_indices=bool(rng.random() < 0.4))
        return (x, _size_arg(rng)), kw
    if op == "avg_pool2d":
        x = _image(rng, rng.choice(["float32", "float64"]))
        kw = dict(stride=_size_arg(rng) if rng.random() < 0.5 else None, padding=int(rng.choice([0, 0, 1, 2, -1])),
                  ceil_mode=bool(rng.random() < 0.4), count_include_pad=bool(rng.random() < 0.5))
        if rng.random() < 0.15:
            kw["divisor_override"] = int(rng.choice([0, 1, 3, -2]))
        return (x, _size_arg(rng)), kw
    if op == "interpolate":
        x = _image(rng, rng.choice(["float32", "float64"]), (2, 3))  # (5-D trilinear/nearest: not implemented)
        mode = str(rng.choice(["nearest", "bilinear"]))
        kw = {"mode": mode}
        if mode == "bilinear" and rng.random() < 0.5:
            kw["align_corners"] = bool(rng.random() < 0.5)
        if rng.random() < 0.5:
            kw["size"] = _size_arg(rng, big=9)
        else:
            kw["scale_factor"] = [0.5, 1.5, 2.0, 3.0, (2.0, 0.5), 0.0, -1.0, float("inf"), float("nan"), 1e30,
                                  (2.0, 2.0, 2.0)][int(rng.integers(0, 11))]
        return (x,), kw
    if op in ("cross_entropy", "nll_loss"):
        n, c = _dim(rng), _dim(rng)
        shape = [n, c] + ([_dim(rng)] if rng.random() < 0.2 else [])
        x = Arr(_array(rng, shape, rng.choice(["float32", "float64"])))
        t_shape = [n] + shape[2:]
        target = Arr(np.asarray(rng.integers(-1, max(c, 1) + 1, size=t_shape), dtype=np.int64))
        kw = {"reduction": str(rng.choice(["mean", "sum", "none"]))}
        if rng.random() < 0.5:
            kw["ignore_index"] = int(rng.choice([-100, -1, 0, 1, 2]))
        if op == "cross_entropy" and rng.random() < 0.2:
            kw["label_smoothing"] = float(rng.choice([0.0, 0.1, 1.0]))
        return (x, target), kw
    if op == "dropout":
        x = Arr(_array(rng, [_dim(rng) for _ in range(int(rng.integers(1, 4)))]))
        p = float(rng.choice([0.0, 1.0, 0.5, float("nan"), -0.1, 1.5, float("inf")]))
        training = bool(rng.random() < 0.6)
        return (x,), {"p": p, "training": training}
    if op == "linear":
        n, i, o = _dim(rng), _dim(rng), _dim(rng)
        dtype = str(rng.choice(["float32", "float64"]))
        x = Arr(_array(rng, [n, i], dtype))
        w = Arr(_array(rng, [o, i if rng.random() < 0.8 else i + 1], dtype))
        b = None if rng.random() < 0.3 else Arr(_array(rng, [[o], [o + 1], [1], [1, o], [o, 1]][int(rng.integers(0, 5))], dtype))
        return (x, w, b), {}
    if op == "local_response_norm":
        x = _image(rng, rng.choice(["float32", "float64"]))
        size = int(rng.choice([1, 2, 3, 5, 0, -1, 10**4]))  # (torch pads the channels by size // 2)
        return (x, size), {}
    if op == "batch_norm":
        shape = [_dim(rng) for _ in range(int(rng.choice([2, 3, 4, 1])))]
        dtype = str(rng.choice(["float32", "float32", "float64", "int64"]))
        x = Arr(_array(rng, shape, dtype))
        c = shape[1] if len(shape) > 1 else 1
        if rng.random() < 0.15:
            c += 1
        stats_dtype = "float64" if dtype == "float64" else "float32"
        mean = Arr(np.zeros(c, stats_dtype))
        var = Arr(np.ones(c, stats_dtype))
        return (x, mean, var), {"training": bool(rng.random() < 0.5)}
    if op == "cat":
        ndim = int(rng.choice([0, 1, 2, 3]))
        base = [_dim(rng) for _ in range(ndim)]
        parts = []
        for _ in range(int(rng.integers(1, 4))):
            shape = list(base)
            if ndim and rng.random() < 0.7:
                shape[0] = _dim(rng)
            if rng.random() < 0.1:
                shape = []
            parts.append(Arr(_array(rng, shape, "float32")))
        return (parts,), {"dim": int(rng.choice([0, 0, -1, 1, 3]))}
    if op == "conv2d":
        x = _image(rng, "float32")
        c = x.array.shape[1] if x.array.ndim > 1 else 1
        # finite weights: an inf weight against zero padding is 0 * inf (see the report: conv's own arithmetic)
        w = Arr(rng.standard_normal([_dim(rng, 3), c, int(rng.integers(1, 4)), int(rng.integers(1, 4))]).astype("float32"))
        kw = {"stride": _size_arg(rng), "padding": int(rng.choice([0, 1, -1])), "dilation": int(rng.choice([1, 2, 0]))}
        return (x, w), kw
    if op == "softmax":
        x = Arr(_array(rng, [_dim(rng) for _ in range(int(rng.integers(0, 4)))], rng.choice(["float32", "float64"])))
        return (x,), {"dim": int(rng.choice([0, -1, 1, 2, 5]))}
    import fuzz_wide

    return fuzz_wide.make_case(op, rng)


def _convert(value, to):
    if isinstance(value, Arr):
        return to(value.array.copy())
    if isinstance(value, list):
        return [_convert(v, to) for v in value]
    return value


def called(op):
    """The function an op of the fuzz calls: ``F.<name>``, or ``torch.<name>`` / ``mt.<name>``."""
    import fuzz_wide

    name = fuzz_wide.CALLS.get(op, op)
    return "torch.cat" if name == "cat" else name


def _call(lib, op, args, kwargs):
    import torch
    import torch.nn.functional as TF

    import minitorch_cnn as mt
    import minitorch_cnn.nn.functional as F

    if lib == "torch":
        to, module, top = torch.from_numpy, TF, torch
    else:
        to, module, top = mt.from_numpy, F, mt
    args = [_convert(a, to) for a in args]
    kwargs = {k: getattr(top, v) if k == "dtype" else _convert(v, to) for k, v in kwargs.items()}
    name = called(op)
    if name.startswith("torch."):
        return getattr(top, name[6:])(*args, **kwargs)
    if name == "batch_norm":  # running stats are updated in place: return them too
        return module.batch_norm(*args, **kwargs), args[1], args[2]
    return getattr(module, name)(*args, **kwargs)


def _numpy(result):
    if isinstance(result, (tuple, list)):
        return [_numpy(r) for r in result]
    if hasattr(result, "detach"):
        result = result.detach()
        dtype = str(result.dtype).split(".")[-1]
        return dtype, result.cpu().numpy() if hasattr(result, "cpu") else result.numpy()
    return result


def _same(ours, theirs, op):
    """Equal dtype, shape and values (NaN exactly where torch has NaN)."""
    if isinstance(theirs, list):
        return isinstance(ours, list) and len(ours) == len(theirs) and all(
            _same(a, b, op) for a, b in zip(ours, theirs))
    if isinstance(theirs, tuple):
        if not (isinstance(ours, tuple) and ours[0] == theirs[0] and ours[1].shape == theirs[1].shape):
            return False
        a, b = ours[1], theirs[1]
        if a.dtype.kind != "f":
            return np.array_equal(a, b)
        tol = {np.dtype(np.float16): 1e-2, np.dtype(np.float32): 1e-3}.get(a.dtype, 1e-9)
        return np.allclose(a, b, rtol=tol, atol=tol, equal_nan=True) and np.array_equal(np.isnan(a), np.isnan(b))
    return ours == theirs or (isinstance(ours, float) and math.isnan(ours) and math.isnan(theirs))


PROMOTION = "expected all floating-point tensors to have the same dtype"


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


_RAW = ("index", "axis", "broadcast", "operands could not", "shape mismatch", "cannot reshape", "invalid value",
        "division by zero", "object has no attribute", "unsupported operand", "not subscriptable", "argmax of an empty",
        "zero-size array", "out of bounds for axis", "negative dimensions are not allowed", "Maximum allowed",
        "cannot convert float", "arange", "'NoneType'", "can't multiply sequence")


def clear_message(op, message, torch_message):
    """Our refusal is clear when it says what torch says, or names the op without NumPy's wording."""
    first = torch_message.strip().splitlines()[0] if torch_message.strip() else ""
    if len(first) >= 12 and first[:60] in message:
        return True
    op = called(op).split(".")[-1]
    names = {op, op.replace("_", "")}
    return any(n in message for n in names) and not any(raw in message for raw in _RAW)


def same_kind(ours, theirs):
    """Our exception is of PyTorch's Python type (the builtin one under torch's own classes)."""
    builtin = next(t for t in type(theirs).__mro__ if t.__module__ == "builtins")
    return isinstance(ours, builtin)


def compare(op, args, kwargs, time_limit=5.0):
    """One of 'same', 'both_raise', 'wrong', 'unclear', 'hang', and a line saying why."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs, their_error = _numpy(_call("torch", op, args, kwargs)), None
    except Exception as e:  # noqa: BLE001
        theirs, their_error = None, e
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, time_limit)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours, our_error = _numpy(_call("ours", op, args, kwargs)), None
    except Hang:
        return "hang", f"{op} ran past {time_limit} s"
    except Exception as e:  # noqa: BLE001
        ours, our_error = None, e
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    if their_error is not None and our_error is not None:
        if clear_message(op, str(our_error), str(their_error)) and same_kind(our_error, their_error):
            return "both_raise", ""
        return "unclear", (f"ours {type(our_error).__name__}: {str(our_error)[:200]} | torch "
                           f"{type(their_error).__name__}: {str(their_error)[:200]}")
    if their_error is not None:
        return "wrong", f"torch raises {type(their_error).__name__}: {str(their_error)[:200]}; ours returns"
    if our_error is not None and PROMOTION in str(our_error):
        return "promotion", f"ours refuses to mix float dtypes (by design); torch promotes: {str(our_error)[:120]}"
    if our_error is not None:
        return "wrong", f"ours raises {type(our_error).__name__}: {str(our_error)[:200]}; torch returns"
    if called(op).startswith("dropout") and kwargs.get("training", True) and 0 < kwargs["p"] < 1:
        # random: the shape and dtype, and zero where the input is zero
        return ("same", "") if ours[0] == theirs[0] and ours[1].shape == theirs[1].shape else ("wrong", "dropout")
    if _same(ours, theirs, op):
        return "same", ""
    return "wrong", "results differ"
