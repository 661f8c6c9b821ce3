"""More hostile calls for ``fuzz_cases.compare``: activations, every loss, norms, pooling with huge
windows, softmax, pad, embedding, one_hot, stack and the reductions, over int64, bool, float16, float32
and float64 inputs with zero-size axes, NaN/inf, and arguments at and past their limits.

``make_case(op, rng)`` returns ``(args, kwargs)`` of one call of ``F.<op>``, or of ``torch.<name>`` /
``mt.<name>`` for an ``op`` spelled ``"torch.<name>"``.
"""
import numpy as np

from fuzz_cases import FLOATS, Arr, _array, _dim, _image, _size_arg

DTYPES = ["float32", "float32", "float64", "int64", "bool", "float16"]
ACTIVATIONS = ["relu", "relu6", "hardtanh", "leaky_relu", "elu", "celu", "selu", "gelu", "silu", "mish", "sigmoid",
               "tanh", "softplus", "softsign", "logsigmoid", "hardsigmoid", "hardswish", "threshold"]
LOSSES = ["cross_entropy_wide", "nll_loss_wide", "binary_cross_entropy", "binary_cross_entropy_with_logits",
          "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div"]
REDUCTIONS = ["torch.sum", "torch.mean", "torch.amax", "torch.amin", "torch.max", "torch.min", "torch.prod",
              "torch.std", "torch.var", "torch.logsumexp", "torch.argmax", "torch.argmin", "torch.all", "torch.any",
              "torch.count_nonzero", "torch.norm", "torch.cumsum"]
OPS = ACTIVATIONS + LOSSES + REDUCTIONS + [
    "prelu", "normalize", "cosine_similarity", "pairwise_distance", "log_softmax", "softmax_wide", "pad",
    "embedding", "one_hot", "torch.stack", "cat_wide", "layer_norm", "group_norm", "batch_norm_wide",
    "local_response_norm_wide", "dropout_wide", "dropout2d", "max_pool1d", "avg_pool1d", "max_pool2d_huge",
    "avg_pool2d_huge", "adaptive_avg_pool2d_wide", "adaptive_max_pool2d_wide", "interpolate_wide", "linear_wide"]

HOSTILE = [0.0, -1.0, 1.0, 0.5, 2.0, float("nan"), float("inf"), -float("inf"), 1e30, -1e30, 10**6]


def _any(rng, ndim_max=4, dtypes=DTYPES, big=6):
    """A tensor of any rank 0..ndim_max and any dtype of ``dtypes``."""
    shape = [_dim(rng, big) for _ in range(int(rng.integers(0, ndim_max + 1)))]
    return Arr(_typed(rng, shape, str(rng.choice(dtypes))))


def _typed(rng, shape, dtype):
    if dtype == "bool":
        return np.asarray(rng.random(shape) < 0.5)
    if dtype in ("int32", "uint8"):
        return np.asarray(rng.integers(-5 if dtype == "int32" else 0, 6, size=shape), dtype=dtype)
    if dtype == "float16":
        with np.errstate(all="ignore"):
            return _array(rng, shape, "float32").astype(np.float16)  # (1e30 overflows to inf)
    return _array(rng, shape, dtype)


def _modest(rng, shape, dtype):
    """Values of moderate size, with a NaN or inf now and then."""
    a = _typed(rng, shape, dtype)
    if a.dtype.kind == "f":
        a = np.where(np.abs(a) > 1e3, np.float16(rng.choice([np.nan, np.inf, 2.0])), a).astype(a.dtype)
    return a


def _moderate(x, rng):
    """``x`` with its huge values (1e30) made NaN or inf: the statistics of a normalisation that pass the float
    range come out of PyTorch's vectorised Welford lanes, which differ between AVX2 and AVX-512 builds."""
    a = x.array
    if a.dtype.kind == "f":
        a = np.where(np.isfinite(a) & (np.abs(a) > 1e3), a.dtype.type(rng.choice([np.nan, np.inf])), a)
    return Arr(a)


def _float(rng):
    return float(rng.choice(HOSTILE[:10]))


def _reduction(rng):
    return str(rng.choice(["mean", "sum", "none", "none", "batchmean", "bogus"][:5 if rng.random() < 0.95 else 6]))


def _activation(op, rng):
    x = _any(rng)
    kw = {}
    if op == "hardtanh" and rng.random() < 0.6:
        kw = {"min_val": _float(rng), "max_val": _float(rng)}
    elif op == "leaky_relu" and rng.random() < 0.5:
        kw = {"negative_slope": _float(rng)}
    elif op in ("elu", "celu") and rng.random() < 0.5:
        kw = {"alpha": _float(rng)}
    elif op == "gelu" and rng.random() < 0.5:
        kw = {"approximate": str(rng.choice(["tanh", "none", "bogus"]))}
    elif op == "softplus" and rng.random() < 0.6:
        kw = {"beta": _float(rng), "threshold": _float(rng)}
    elif op == "threshold":
        return (x, _float(rng), _float(rng)), {}
    return (x,), kw


def _class_input(rng, dtypes=("float32", "float64")):
    """(input, target shape, C): (N, C), (C,) or (N, C, d)."""
    n, c = _dim(rng), _dim(rng)
    r = rng.random()
    shape = [c] if r < 0.15 else [n, c] + ([_dim(rng)] if r > 0.8 else [])
    target_shape = [] if len(shape) == 1 else [n] + shape[2:]
    if rng.random() < 0.07:  # a target of the wrong shape
        target_shape = target_shape + [2]
    return Arr(_typed(rng, shape, str(rng.choice(dtypes)))), target_shape, c


def _loss(op, rng):
    kw = {}
    if op in ("cross_entropy_wide", "nll_loss_wide"):
        x, t_shape, c = _class_input(rng)
        if op == "cross_entropy_wide" and rng.random() < 0.3:  # class probabilities
            target = Arr(_typed(rng, list(x.array.shape) if rng.random() < 0.9 else t_shape, str(x.array.dtype)))
            if rng.random() < 0.7:
                target = Arr(np.abs(target.array))
        else:
            t_dtype = "int64" if rng.random() < 0.9 else str(rng.choice(["int32", "float32", "bool"]))
            target = Arr(np.asarray(rng.integers(-2, max(c, 1) + 2, size=t_shape)).astype(t_dtype))
        kw["reduction"] = _reduction(rng)
        if rng.random() < 0.4:
            kw["ignore_index"] = int(rng.choice([-100, -1, 0, 1, 2, 10**12]))
        if rng.random() < 0.3:
            wc = c if rng.random() < 0.85 else c + 1
            kw["weight"] = Arr(np.abs(_typed(rng, [wc], str(x.array.dtype))))
        if op == "cross_entropy_wide" and rng.random() < 0.4:
            kw["label_smoothing"] = float(rng.choice([0.0, 0.1, 0.5, 1.0, -0.1, 1.5, float("nan")]))
        return (x, target), kw
    dtypes = ["float32", "float64", "float32", "int64", "float16"]
    shape = [_dim(rng) for _ in range(int(rng.integers(0, 4)))]
    x = Arr(_typed(rng, shape, str(rng.choice(dtypes))))
    t_shape = shape if rng.random() < 0.85 else ([1] + shape[1:] if shape else [2])
    t = Arr(_typed(rng, t_shape, str(x.array.dtype) if rng.random() < 0.85 else str(rng.choice(dtypes))))
    if rng.random() < 0.8:
        kw["reduction"] = _reduction(rng)
    if op == "binary_cross_entropy":
        if rng.random() < 0.8 and x.array.dtype.kind == "f":
            x = Arr((1 / (1 + np.exp(-x.array.astype(np.float64)))).astype(x.array.dtype))
        if rng.random() < 0.8 and t.array.dtype.kind == "f":
            t = Arr(np.clip(np.abs(t.array), 0, 1))
        if rng.random() < 0.2:
            kw["weight"] = Arr(_typed(rng, t_shape[-1:] if rng.random() < 0.5 else t_shape, str(x.array.dtype)))
    if op == "binary_cross_entropy_with_logits":  # (weights of 1e30 would turn float noise into mismatches)
        if rng.random() < 0.2:
            kw["weight"] = Arr(_modest(rng, t_shape[-1:], str(x.array.dtype)))
        if rng.random() < 0.3:
            kw["pos_weight"] = Arr(_modest(rng, t_shape[-1:] if rng.random() < 0.8 else [3], str(x.array.dtype)))
    if op == "smooth_l1_loss" and rng.random() < 0.5:
        kw["beta"] = float(rng.choice([0.0, 1.0, 0.5, -1.0, float("nan"), float("inf")]))
    if op == "huber_loss" and rng.random() < 0.5:
        kw["delta"] = float(rng.choice([0.0, 1.0, 0.5, -1.0, float("nan"), float("inf")]))
    if op == "kl_div" and rng.random() < 0.5:
        kw["log_target"] = bool(rng.random() < 0.5)
    elif op != "kl_div" and kw.get("reduction") == "batchmean":
        kw["reduction"] = "bogus"
    return (x, t), kw


def _reduction_case(op, rng):
    x = _any(rng)
    name, kw = op.split(".")[1], {}
    nd = max(x.array.ndim, 1)
    dims = [None, 0, -1, 1, nd, -nd - 1, (0, 1), (0, 0), ()]
    if rng.random() < 0.75:
        dim = dims[int(rng.integers(0, len(dims)))]
        # (prod takes a tuple of dims here, a documented superset of PyTorch's int)
        if name in ("argmax", "argmin", "cumsum", "max", "min", "prod") and isinstance(dim, tuple):
            dim = 0
        if dim is not None or name in ("logsumexp", "cumsum"):
            kw["dim"] = 0 if dim is None and name in ("logsumexp", "cumsum") else dim
        if rng.random() < 0.5 and name not in ("cumsum", "count_nonzero") and "dim" in kw:
            kw["keepdim"] = bool(rng.random() < 0.5)
    elif name in ("logsumexp", "cumsum"):
        kw["dim"] = 0
    if name in ("std", "var") and rng.random() < 0.5:
        kw["correction"] = int(rng.choice([0, 1, 2, -1, 10]))
    if name in ("sum", "mean", "prod", "cumsum") and rng.random() < 0.2:
        kw["dtype"] = "float64"
    if name == "norm" and rng.random() < 0.5:
        kw["p"] = [1, 2, float("inf"), -float("inf"), 0, 3, "fro", -1][int(rng.integers(0, 8))]
    return (x,), kw


def _pool_kernel(rng):
    return [1, 2, 3, 4, 0, -1, 10**6, 2 * 10**9][int(rng.integers(0, 8))]


def make_case(op, rng):  # noqa: C901 - one branch per op
    if op in ACTIVATIONS:
        return _activation(op, rng)
    if op in LOSSES:
        return _loss(op, rng)
    if op in REDUCTIONS:
        return _reduction_case(op, rng)
    if op == "prelu":
        x = _any(rng, dtypes=["float32", "float64", "int64"])
        c = x.array.shape[1] if x.array.ndim > 1 else 1
        w = Arr(_typed(rng, [[1], [c], [c + 1], []][int(rng.integers(0, 4))], str(x.array.dtype)))
        return (x, w), {}
    if op in ("normalize", "log_softmax", "softmax_wide"):
        x = _any(rng)
        kw = {"dim": int(rng.choice([0, 1, -1, 3, -5]))}
        if op == "normalize" and rng.random() < 0.5:
            kw.update(p=float(rng.choice([1.0, 2.0, 0.0, float("inf"), -1.0, 0.5])), eps=float(rng.choice([0, 1e-12, 1.0])))
        if op != "normalize" and rng.random() < 0.2:
            kw["dtype"] = "float64"
        return (x,), kw
    if op in ("cosine_similarity", "pairwise_distance"):
        a = _any(rng, ndim_max=3, dtypes=["float32", "float64", "int64"])
        shape = list(a.array.shape)
        if shape and rng.random() < 0.2:
            shape[0] = 1 if rng.random() < 0.5 else shape[0] + 1
        b = Arr(_typed(rng, shape, str(a.array.dtype)))
        if op == "cosine_similarity":
            return (a, b), {"dim": int(rng.choice([0, 1, -1, 2])), "eps": float(rng.choice([1e-8, 0.0, 1.0]))}
        return (a, b), {"p": float(rng.choice([2.0, 1.0, 0.0, float("inf"), -1.0, 3.0])),
                        "eps": float(rng.choice([1e-6, 0.0])), "keepdim": bool(rng.random() < 0.3)}
    if op == "pad":
        x = _any(rng, dtypes=["float32", "float64", "int64"])
        mode = str(rng.choice(["constant", "constant", "reflect", "replicate", "circular"]))
        n = int(rng.choice([2, 2, 4, 6, 1, 8]))
        # (no negative circular pads: PyTorch's come out of overlapping copies, even of unset memory)
        pad = tuple(int(rng.choice([0, 1, 2, 3, 7] + ([] if mode == "circular" else [-1]))) for _ in range(n))
        kw = {"mode": mode}
        if mode == "constant" and rng.random() < 0.5:
            kw["value"] = _float(rng)
        return (x, pad), kw
    if op == "embedding":
        n_emb = _dim(rng)
        w = Arr(_typed(rng, [n_emb, _dim(rng)] if rng.random() < 0.9 else [n_emb], str(rng.choice(["float32", "float64"]))))
        idx = Arr(np.asarray(rng.integers(-2, n_emb + 2, size=[_dim(rng) for _ in range(int(rng.integers(0, 3)))]),
                             dtype=str(rng.choice(["int64", "int64", "int32", "float32"]))))
        kw = {}
        if rng.random() < 0.3:
            kw["padding_idx"] = int(rng.choice([0, 1, -1, n_emb, -n_emb - 1]))
        return (idx, w), kw
    if op == "one_hot":
        t = Arr(np.asarray(rng.integers(-1, 5, size=[_dim(rng) for _ in range(int(rng.integers(0, 3)))]),
                           dtype=str(rng.choice(["int64", "int64", "int32", "float32", "bool"]))))
        return (t,), ({"num_classes": int(rng.choice([-1, 0, 3, 5, 10, -2]))} if rng.random() < 0.6 else {})
    if op in ("torch.stack", "cat_wide"):
        base = [_dim(rng) for _ in range(int(rng.integers(0, 4)))]
        parts = []
        for _ in range(int(rng.integers(0, 4))):
            shape = list(base)
            if shape and rng.random() < 0.3:
                shape[int(rng.integers(0, len(shape)))] = _dim(rng)
            parts.append(Arr(_typed(rng, shape, str(rng.choice(["float32", "float32", "float64", "int64", "bool"])))))
        return (parts,), {"dim": int(rng.choice([0, 0, -1, 1, 2, 4, -5]))}
    if op == "layer_norm":
        x = _moderate(_any(rng, dtypes=["float32", "float64", "int64", "float16"]), rng)
        shape = list(x.array.shape)
        k = int(rng.integers(0, len(shape) + 1))
        norm_shape = shape[len(shape) - k:] if rng.random() < 0.85 else ([3] if not shape else shape[-1:] + [2])
        kw = {"eps": float(rng.choice([1e-5, 0.0, 1.0, -1.0]))} if rng.random() < 0.3 else {}
        if rng.random() < 0.4:
            kw["weight"] = Arr(_typed(rng, norm_shape, str(x.array.dtype)))
            kw["bias"] = Arr(_typed(rng, norm_shape, str(x.array.dtype)))
        return (x, norm_shape), kw
    if op == "group_norm":
        x = _moderate(_any(rng, dtypes=["float32", "float64", "int64"]), rng)
        c = x.array.shape[1] if x.array.ndim > 1 else 1
        groups = int(rng.choice([1, 2, 3, c, 0, -1])) if c else int(rng.choice([1, 0]))
        kw = {"eps": float(rng.choice([1e-5, 0.0, 1.0]))} if rng.random() < 0.3 else {}
        if rng.random() < 0.4:  # (moderate weights: 1e30 times a rounding error of x - mean is no finding)
            kw["weight"] = _moderate(Arr(_typed(rng, [c if rng.random() < 0.9 else c + 1], str(x.array.dtype))), rng)
            kw["bias"] = Arr(_typed(rng, [c], str(x.array.dtype)))
        return (x, groups), kw
    if op == "batch_norm_wide":
        x = _moderate(_any(rng, ndim_max=5, dtypes=["float32", "float64", "float16"]), rng)
        c = x.array.shape[1] if x.array.ndim > 1 else 1
        dt = "float64" if x.array.dtype == np.float64 else "float32"
        kw = {"training": bool(rng.random() < 0.5), "momentum": float(rng.choice([0.1, 0.0, 1.0, -1.0])),
              "eps": float(rng.choice([1e-5, 0.0, 1.0]))}
        if rng.random() < 0.4:  # (no huge or inf weight either: see the zero variance below)
            kw["weight"] = Arr(np.where(np.abs(w := _typed(rng, [c], dt)) > 1e3, 2, w).astype(dt))
            kw["bias"] = Arr(_typed(rng, [c], dt))
        # (no zero variance: with eps = 0, PyTorch's shift bias - mean * weight / std is 0 * inf = NaN where
        # ops/norm.py gives +-inf; an inf weight is the same 0 * inf)
        var = np.abs(_typed(rng, [c], dt))
        stats = (Arr(np.zeros(c, dt)), Arr(np.where(var == 0, 1, var).astype(dt))) if rng.random() < 0.85 else (None, None)
        return (x,) + stats, kw
    if op == "local_response_norm_wide":
        x = _any(rng, ndim_max=5, dtypes=["float32", "float64"])
        return (x, int(rng.choice([1, 2, 3, 5, 0, -1]))), {"alpha": _float(rng), "beta": float(rng.choice([0.75, 0.0, -1.0, 2.0])),
                                                            "k": float(rng.choice([1.0, 0.0, 2.0]))}
    if op in ("dropout_wide", "dropout2d"):
        x = _any(rng)
        return (x,), {"p": float(rng.choice([0.0, 1.0, 0.5, float("nan"), -0.1, 1.5])), "training": bool(rng.random() < 0.6)}
    if op in ("max_pool1d", "avg_pool1d"):
        x = _any(rng, ndim_max=4, dtypes=["float32", "float64", "int64"])
        k = _pool_kernel(rng)
        kw = {"stride": [None, 1, 2, 3, 0, -1, 10**9][int(rng.integers(0, 7))],
              "padding": int(rng.choice([0, 0, 1, 2, -1, k // 2 if k > 0 else 0])), "ceil_mode": bool(rng.random() < 0.4)}
        if op == "max_pool1d" and rng.random() < 0.4:
            kw["dilation"] = int(rng.choice([1, 2, 0]))
        if op == "avg_pool1d" and rng.random() < 0.4:
            kw["count_include_pad"] = bool(rng.random() < 0.5)
        return (x, k), kw
    if op in ("max_pool2d_huge", "avg_pool2d_huge"):
        x = _image(rng, str(rng.choice(["float32", "float64"] + (["int64"] if op.startswith("max") else []))))
        k = (_pool_kernel(rng), _pool_kernel(rng))
        kw = {"stride": [None, (1, 1), (2, 3), (10**9, 1), (1, 10**9)][int(rng.integers(0, 5))],
              "padding": tuple(int(rng.choice([0, 1, kk // 2 if kk > 0 else 0, kk // 2 + 1 if kk > 0 else 0])) for kk in k),
              "ceil_mode": bool(rng.random() < 0.5)}
        if op.startswith("max"):
            kw["dilation"] = int(rng.choice([1, 1, 2, 3]))
            kw["return_indices"] = bool(rng.random() < 0.5)
        else:
            kw["count_include_pad"] = bool(rng.random() < 0.5)
        return (x, k), kw
    if op in ("adaptive_avg_pool2d_wide", "adaptive_max_pool2d_wide"):
        x = _image(rng, str(rng.choice(["float32", "float64", "int64", "float16"])), (2, 3, 5))
        kw = {"return_indices": True} if op.startswith("adaptive_max") and rng.random() < 0.5 else {}
        return (x, [_size_arg(rng), (None, 2), 0, (3, 0), 1][int(rng.integers(0, 5))]), kw
    if op == "interpolate_wide":
        x = _image(rng, str(rng.choice(["float32", "float64"])), (3,))
        mode = str(rng.choice(["nearest", "bilinear"]))
        kw = {"mode": mode}
        if mode == "bilinear" and rng.random() < 0.5:
            kw["align_corners"] = bool(rng.random() < 0.5)
        if rng.random() < 0.5:
            kw["size"] = (int(rng.integers(1, 12)) + (130 if rng.random() < 0.3 else 0), int(rng.integers(1, 12)))
        else:
            f = [0.3, 0.5, 0.9, 1.1, 1.5, 1.7, 2.0, 2.1, 2.5, 3.0, 1 / 3, 40.0]
            kw["scale_factor"] = (float(rng.choice(f)), float(rng.choice(f)))
            if rng.random() < 0.2:
                kw["recompute_scale_factor"] = True
        return (x,), kw
    if op == "linear_wide":
        dtype = str(rng.choice(["float32", "float64", "int64", "float16"]))
        i, o = _dim(rng), _dim(rng)
        x = Arr(_typed(rng, [_dim(rng) for _ in range(int(rng.integers(0, 4)))] + [i], dtype))
        w = Arr(_typed(rng, [[o, i], [i], [o, i + 1], [o, i, 1]][int(rng.integers(0, 4)) if rng.random() < 0.3 else 0],
                       dtype if rng.random() < 0.9 else "float64"))
        b = None if rng.random() < 0.4 else Arr(_typed(rng, [[o], [], [1]][int(rng.integers(0, 3))], dtype))
        return (x, w, b), {}
    raise KeyError(op)


# the names fuzz_cases calls for the ops above that share a function with another op
CALLS = {"cross_entropy_wide": "cross_entropy", "nll_loss_wide": "nll_loss", "softmax_wide": "softmax",
         "cat_wide": "torch.cat", "batch_norm_wide": "batch_norm", "local_response_norm_wide": "local_response_norm",
         "dropout_wide": "dropout", "max_pool2d_huge": "max_pool2d", "avg_pool2d_huge": "avg_pool2d",
         "interpolate_wide": "interpolate", "linear_wide": "linear", "adaptive_avg_pool2d_wide": "adaptive_avg_pool2d",
         "adaptive_max_pool2d_wide": "adaptive_max_pool2d"}
