"""The edge cases of the functional API that a hostile-input probe found: each gives PyTorch's result, or
PyTorch's error (its text inside ours, which also names the op). Checked against the installed torch."""
import math

import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _inf_corner(lib, value=math.inf):
    x = lib.zeros(1, 1, 4, 4)
    x[0, 0, 0, 0] = value
    return x


INT = {"torch": torch.int64, "mt": mt.int64}

# label -> call(lib, F): the same call spelled for either library
CASES = {
    "adaptive_avg_pool2d inf stays in its bin": lambda lib, f: f.adaptive_avg_pool2d(_inf_corner(lib), 2),
    "adaptive_avg_pool2d nan stays in its bin": lambda lib, f: f.adaptive_avg_pool2d(_inf_corner(lib, math.nan), 2),
    "adaptive_avg_pool2d empty input, 1x1: nan": lambda lib, f: f.adaptive_avg_pool2d(lib.ones(1, 1, 0, 4), 1),
    "adaptive_avg_pool2d empty input": lambda lib, f: f.adaptive_avg_pool2d(lib.ones(1, 1, 0, 4), 2),
    "adaptive_avg_pool2d third size": lambda lib, f: f.adaptive_avg_pool2d(lib.ones(1, 1, 4, 4), (2, 2, 2)),
    "adaptive_avg_pool2d zero output": lambda lib, f: f.adaptive_avg_pool2d(lib.ones(1, 1, 2, 2), 0),
    "adaptive_max_pool2d empty window": lambda lib, f: f.adaptive_max_pool2d(lib.ones(1, 1, 0, 4), 2),
    "adaptive_max_pool2d last nan": lambda lib, f: f.adaptive_max_pool2d(
        lib.tensor([[[[math.nan, 1.0], [math.nan, 2.0]]]]), 1, return_indices=True),
    "max_pool2d last nan": lambda lib, f: f.max_pool2d(
        lib.tensor([[[[math.nan, 1.0], [math.nan, 2.0]]]]), 2, return_indices=True),
    "max_pool2d int64 with padding": lambda lib, f: f.max_pool2d(
        lib.arange(9).reshape(1, 1, 3, 3).to(INT["torch" if lib is torch else "mt"]), 2, padding=1),
    "max_pool2d third kernel number": lambda lib, f: f.max_pool2d(lib.ones(1, 1, 4, 4), (2, 2, 2)),
    "max_pool2d zero kernel": lambda lib, f: f.max_pool2d(lib.ones(1, 1, 4, 4), 0),
    "max_pool2d dilated pad": lambda lib, f: f.max_pool2d(lib.ones(1, 1, 7, 7), 3, padding=2, dilation=2),
    "avg_pool2d third stride number": lambda lib, f: f.avg_pool2d(lib.ones(1, 1, 4, 4), 2, (2, 2, 2)),
    "avg_pool2d no channels": lambda lib, f: f.avg_pool2d(lib.ones(1, 0, 4, 4), 2),
    "nearest inf stays put": lambda lib, f: f.interpolate(_inf_corner(lib), scale_factor=2, mode="nearest"),
    "bilinear inf": lambda lib, f: f.interpolate(_inf_corner(lib), scale_factor=2, mode="bilinear"),
    "bilinear inf align_corners": lambda lib, f: f.interpolate(_inf_corner(lib), size=(3, 3), mode="bilinear",
                                                               align_corners=True),
    "interpolate scale inf": lambda lib, f: f.interpolate(lib.ones(1, 1, 2, 2), scale_factor=math.inf),
    "interpolate scale nan": lambda lib, f: f.interpolate(lib.ones(1, 1, 2, 2), scale_factor=math.nan),
    "interpolate scale 0": lambda lib, f: f.interpolate(lib.ones(1, 1, 2, 2), scale_factor=0.0),
    "interpolate third size": lambda lib, f: f.interpolate(lib.ones(1, 1, 4, 4), size=(2, 2, 2)),
    "interpolate 3-D nearest": lambda lib, f: f.interpolate(lib.arange(6.0).reshape(1, 2, 3), size=5),
    "cross_entropy ignored row with inf": lambda lib, f: f.cross_entropy(
        lib.tensor([[math.inf, 0.0, 0.0], [1.0, 2.0, 3.0]]), lib.tensor([1, 2]), ignore_index=1),
    "cross_entropy zero classes": lambda lib, f: f.cross_entropy(lib.ones(2, 0), lib.tensor([0, 0])),
    "cross_entropy zero classes, all ignored": lambda lib, f: f.cross_entropy(
        lib.ones(2, 0), lib.tensor([1, 1]), ignore_index=1, reduction="sum"),
    "dropout p=nan": lambda lib, f: f.dropout(lib.ones(3), p=math.nan),
    "dropout p=2": lambda lib, f: f.dropout(lib.ones(3), p=2.0),
    "dropout int64": lambda lib, f: f.dropout(lib.ones(3).to(INT["torch" if lib is torch else "mt"]), p=0.5),
    "dropout int64 eval": lambda lib, f: f.dropout(lib.ones(3).to(INT["torch" if lib is torch else "mt"]), 0.5,
                                                   training=False),
    "linear wrong bias": lambda lib, f: f.linear(lib.ones(5, 2), lib.ones(1, 2), lib.ones(3)),
    "linear wrong weight": lambda lib, f: f.linear(lib.ones(5, 2), lib.ones(3, 3)),
    "local_response_norm huge size": lambda lib, f: f.local_response_norm(lib.arange(8.0).reshape(1, 2, 2, 2),
                                                                          size=10**5),  # (torch pads it)
    "local_response_norm size 0": lambda lib, f: f.local_response_norm(lib.ones(1, 1, 1, 1), size=0),
    "batch_norm no channels": lambda lib, f: f.batch_norm(lib.ones(2, 0, 3), lib.ones(0), lib.ones(0),
                                                          training=True),
    "batch_norm int64": lambda lib, f: f.batch_norm(lib.ones(2, 3).to(INT["torch" if lib is torch else "mt"]),
                                                    lib.zeros(3), lib.ones(3), training=True),
    "cat of 0-d": lambda lib, f: lib.cat([lib.tensor(1.0), lib.tensor(2.0)]),
    "cat of 0-d second": lambda lib, f: lib.cat([lib.ones(1), lib.tensor(2.0)]),
    "softmax of nothing": lambda lib, f: f.softmax(lib.ones(2, 0), dim=1),
    "conv2d third stride number": lambda lib, f: f.conv2d(lib.ones(1, 1, 4, 4), lib.ones(1, 1, 2, 2),
                                                          stride=(1, 1, 1)),
    "conv2d empty batch": lambda lib, f: f.conv2d(lib.ones(0, 2, 4, 4), lib.ones(3, 2, 3, 3), lib.ones(3)),
}

inf, nan = math.inf, math.nan
_T = lambda lib, values, dtype=None: lib.tensor(values, dtype=None if dtype is None else getattr(lib, dtype))  # noqa: E731

# the cases a wider fuzz (fuzz_wide.py) found, one per fix
CASES.update({
    # bilinear: the source index is one fused multiply-add (1/3 * 1.5 - 0.5 > 0 in float32), a 1x1 kept axis
    "bilinear fused index float32": lambda lib, f: f.interpolate(_T(lib, [[[[1.0, -inf]]]]), size=(3, 3),
                                                                 mode="bilinear"),
    "bilinear fused index float64": lambda lib, f: f.interpolate(_T(lib, [[[[1.0, -inf]]]], "float64"), size=(3, 3),
                                                                 mode="bilinear"),
    "bilinear 1x4 inf x3": lambda lib, f: f.interpolate(_T(lib, [[[[-0.4, -inf, 0.4, inf]]]]), scale_factor=3.0,
                                                        mode="bilinear"),
    "bilinear large output": lambda lib, f: f.interpolate(_T(lib, [[[[0.0, inf], [1.0, 2.0]]]]), size=(130, 3),
                                                          mode="bilinear"),
    # nearest: the vectorised kernel's shortcuts (twice the size: i // 2) against the generic kernel's floor
    "nearest x2.1 small output": lambda lib, f: f.interpolate(lib.arange(3.0).reshape(1, 1, 1, 3),
                                                              scale_factor=(1, 2.1)),
    "nearest x2.1 large output": lambda lib, f: f.interpolate(lib.arange(3.0).reshape(1, 1, 1, 3),
                                                              scale_factor=(200, 2.1)),
    "nearest 3-D x2.1": lambda lib, f: f.interpolate(lib.arange(3.0).reshape(1, 1, 3), scale_factor=2.1),
    "nearest x1.1 same size": lambda lib, f: f.interpolate(lib.arange(3.0).reshape(1, 1, 1, 3),
                                                           scale_factor=(1, 1.1)),
    "interpolate size length before rank": lambda lib, f: f.interpolate(lib.ones(4, 4, 5), size=(3, 7),
                                                                        mode="bilinear"),
    # pooling windows far larger than the input: only the offsets that reach it are walked
    "max_pool2d huge window": lambda lib, f: f.max_pool2d(lib.ones(1, 1, 1, 1), 2 * 10**9, padding=10**9),
    "avg_pool2d huge window": lambda lib, f: f.avg_pool2d(lib.ones(1, 1, 1, 1), 2 * 10**9, padding=10**9),
    "max_pool2d huge stride ceil": lambda lib, f: f.max_pool2d(
        lib.arange(24.0).reshape(1, 2, 3, 4), (1, 2 * 10**9), (1, 10**9), (0, 10**9), ceil_mode=True,
        return_indices=True),
    "avg_pool2d huge stride ceil": lambda lib, f: f.avg_pool2d(
        lib.arange(24.0).reshape(1, 2, 3, 4), (2 * 10**9 + 1, 5), (10**9 - 1, 2), (10**9, 2), ceil_mode=True),
    "avg_pool2d int64 truncates": lambda lib, f: f.avg_pool2d(lib.arange(16).reshape(1, 1, 4, 4) - 7, 3, 2, 1,
                                                              divisor_override=-2),
    "avg_pool2d 2-D input": lambda lib, f: f.avg_pool2d(lib.ones(4, 1), 2),
    "max_pool2d pad before kernel sign": lambda lib, f: f.max_pool2d(lib.ones(1, 1, 4, 4), 0, padding=1),
    "avg_pool1d negative kernel": lambda lib, f: f.avg_pool1d(lib.ones(6, 3, 3), -1, 2),
    "max_pool1d kernel 0": lambda lib, f: f.max_pool1d(lib.ones(1, 4, 5), 0),
    "max_pool1d 4-D": lambda lib, f: f.max_pool1d(lib.ones(4, 3, 1, 1), 1),
    "max_pool1d int64": lambda lib, f: f.max_pool1d(lib.ones(2, 3).to(INT["torch" if lib is torch else "mt"]), 2),
    "max_pool1d indices": lambda lib, f: f.max_pool1d(_T(lib, [[[1.0, 3.0, 2.0, 5.0]]]), 2, return_indices=True),
    "avg_pool1d 4-D": lambda lib, f: f.avg_pool1d(lib.ones(1, 1, 2, 6), 2),
    "adaptive_avg_pool2d int64 to nothing": lambda lib, f: f.adaptive_avg_pool2d(
        lib.ones(2, 5, 2, 4).to(INT["torch" if lib is torch else "mt"]), (3, 0)),
    "adaptive_max_pool2d tuple on 2-D": lambda lib, f: f.adaptive_max_pool2d(lib.ones(5, 1), (1, 1)),
    # activations: PyTorch's dtype rules, and its branches at 0 and NaN
    "leaky_relu int64": lambda lib, f: f.leaky_relu(lib.arange(3)),
    "relu bool": lambda lib, f: f.relu(lib.ones(2).bool()),
    "hardtanh int64 truncated bounds": lambda lib, f: f.hardtanh(lib.arange(-3, 4), -1.5, 1.7),
    "hardtanh int64 inf bound": lambda lib, f: f.hardtanh(lib.arange(3), -inf, 1.0),
    "hardtanh half huge bound": lambda lib, f: f.hardtanh(lib.ones(3).half(), -1e30, 1.0),
    "threshold keeps NaN": lambda lib, f: f.threshold(_T(lib, [nan, 1.0, -1.0]), 0.0, 5.0),
    "threshold half huge threshold": lambda lib, f: f.threshold(_T(lib, [inf, 1.0], "float16"), 1e30, -inf),
    "elu NaN alpha at 0": lambda lib, f: f.elu(_T(lib, [1.0, 0.0, -0.0, -1.0]), alpha=nan),
    "celu alpha 0": lambda lib, f: f.celu(lib.ones(2), alpha=0.0),
    "celu alpha -inf": lambda lib, f: f.celu(_T(lib, [1.0, 0.0, -1.0, -inf]), alpha=-inf),
    "selu inf": lambda lib, f: f.selu(_T(lib, [inf, -inf, nan, 0.0])),
    "gelu float32 inf": lambda lib, f: f.gelu(_T(lib, [inf, -inf, 1e4])),
    "prelu 0-d": lambda lib, f: f.prelu(_T(lib, -2.0), _T(lib, [0.5])),
    "prelu int64": lambda lib, f: f.prelu(lib.ones(2, 3).long(), _T(lib, [1, 2, 4])),
    "softplus half beta": lambda lib, f: f.softplus(_T(lib, [1.0, -1.0], "float16"), beta=-1e30, threshold=nan),
    "softsign bool": lambda lib, f: f.softsign(lib.ones(2).bool()),
    # losses
    "cross_entropy smoothing -0.1 is none": lambda lib, f: f.cross_entropy(_T(lib, [[1.0, 2.0]]), _T(lib, [1]),
                                                                           label_smoothing=-0.1),
    "cross_entropy smoothing 1.5": lambda lib, f: f.cross_entropy(_T(lib, [[1.0, 2.0]]), _T(lib, [7]),
                                                                  label_smoothing=1.5),
    "cross_entropy smoothing with no classes": lambda lib, f: f.cross_entropy(
        lib.ones(0, 0, 0), lib.ones(0, 0).long(), reduction="sum", label_smoothing=1.0),
    "cross_entropy probabilities, no classes": lambda lib, f: f.cross_entropy(lib.ones(1, 0), lib.ones(1, 0)),
    "cross_entropy integer probabilities": lambda lib, f: f.cross_entropy(lib.ones(2, 3), lib.ones(2, 3).long()),
    "cross_entropy probabilities ignore_index": lambda lib, f: f.cross_entropy(lib.ones(2, 3), lib.ones(2, 3),
                                                                                ignore_index=0),
    "cross_entropy int32 target": lambda lib, f: f.cross_entropy(lib.ones(2, 3), lib.zeros(2).int()),
    "cross_entropy empty 3-D": lambda lib, f: f.cross_entropy(lib.ones(6, 0, 2), lib.zeros(6, 2).long()),
    "nll_loss 1-D target size": lambda lib, f: f.nll_loss(lib.ones(3), lib.zeros(2).long()),
    "nll_loss multi-target": lambda lib, f: f.nll_loss(lib.ones(6, 2), lib.zeros(6, 3).long()),
    "bce NaN input": lambda lib, f: f.binary_cross_entropy(_T(lib, [0.5, nan]), _T(lib, [0.5, 0.5])),
    "bce target range": lambda lib, f: f.binary_cross_entropy(_T(lib, [0.5, 0.5]), _T(lib, [0.5, 2.0])),
    "bce target dtype": lambda lib, f: f.binary_cross_entropy(_T(lib, [0.5]), _T(lib, [1])),
    "bce_with_logits int64": lambda lib, f: f.binary_cross_entropy_with_logits(lib.ones(3).long(), lib.ones(3).long()),
    "bce_with_logits pos_weight widens": lambda lib, f: f.binary_cross_entropy_with_logits(
        lib.ones(4, 1), lib.ones(4, 1), pos_weight=lib.ones(3)),
    "bce_with_logits bool target": lambda lib, f: f.binary_cross_entropy_with_logits(lib.ones(2), lib.ones(2).bool()),
    "mse_loss int64": lambda lib, f: f.mse_loss(lib.ones(2).long(), lib.ones(2).long()),
    "mse_loss int64 and float": lambda lib, f: f.mse_loss(lib.ones(2).long(), lib.ones(2)),
    "huber_loss int64 and float": lambda lib, f: f.huber_loss(lib.ones(2).long(), lib.ones(2)),
    "huber_loss delta NaN": lambda lib, f: f.huber_loss(lib.ones(2), lib.ones(2), delta=nan),
    "smooth_l1_loss beta NaN": lambda lib, f: f.smooth_l1_loss(lib.ones(2), lib.ones(2), beta=nan),
    "smooth_l1_loss int64 beta 0": lambda lib, f: f.smooth_l1_loss(lib.ones(2).long(), lib.ones(2).long(), beta=0.0),
    "kl_div int64": lambda lib, f: f.kl_div(lib.ones(2), lib.ones(2).long()),
    # reductions
    "sum 0-d dim 1": lambda lib, f: lib.sum(_T(lib, 1.0), 1),
    "sum dim ()": lambda lib, f: lib.sum(lib.arange(6.0).reshape(2, 3), dim=()),
    "var dim () keepdim": lambda lib, f: lib.var(lib.arange(6.0).reshape(2, 3), dim=(), keepdim=True),
    "amax of nothing": lambda lib, f: lib.amax(lib.ones(0, 3)),
    "amax over an empty dim": lambda lib, f: lib.amax(lib.ones(0, 3), 0),
    "max over a full dim of an empty input": lambda lib, f: lib.max(lib.ones(0, 3), 1),
    "max over an empty dim": lambda lib, f: lib.max(lib.ones(3, 0), 1),
    "argmax bool": lambda lib, f: lib.argmax(lib.ones(2).bool()),
    "argmax 0-d keepdim": lambda lib, f: lib.argmax(_T(lib, 1.0), 0, keepdim=True),
    "argmin of nothing": lambda lib, f: lib.argmin(lib.ones(0, 2)),
    "var int64": lambda lib, f: lib.var(lib.ones(3).long()),
    "var of nothing": lambda lib, f: lib.var(lib.ones(0), correction=-1),
    "std float32 past its range": lambda lib, f: lib.std(_T(lib, [1e30, -1e30, 0.0, 1.0])),
    "logsumexp of nothing": lambda lib, f: lib.logsumexp(lib.ones(0, 6).long(), 0),
    "logsumexp dim ()": lambda lib, f: lib.logsumexp(lib.ones(2, 3), dim=()),
    "cumsum 0-d dim -2": lambda lib, f: lib.cumsum(_T(lib, 1.0), -2),
    "norm of one huge element": lambda lib, f: lib.linalg.vector_norm(_T(lib, [[1e30], [2.0]]), 3, dim=1),
    "norm over an empty dim": lambda lib, f: lib.linalg.vector_norm(lib.ones(3, 0), float("inf"), dim=1),
    "dim twice": lambda lib, f: lib.sum(lib.ones(3, 4), (0, 0)),
    # the rest of the functional API
    "one_hot int32": lambda lib, f: f.one_hot(lib.ones(1).int()),
    "one_hot of nothing": lambda lib, f: f.one_hot(lib.ones(0).long()),
    "softmax int64": lambda lib, f: f.softmax(lib.ones(2, 3).long(), 0),
    "log_softmax int64 last dim": lambda lib, f: f.log_softmax(lib.ones(2, 3).long(), 1),
    "softmax of nothing keeps bool": lambda lib, f: f.softmax(lib.ones(4, 0, 4).bool(), 0),
    "dropout bool p=1": lambda lib, f: f.dropout(lib.ones(1, 5).bool(), 1.0),
    "dropout2d 1-D": lambda lib, f: f.dropout2d(lib.ones(3), 0.5),
    "dropout2d empty bool": lambda lib, f: f.dropout2d(lib.ones(2, 0, 6, 5).bool(), 0.5),
    "embedding out of range": lambda lib, f: f.embedding(_T(lib, [0, 6]), lib.ones(5, 2)),
    "embedding padding_idx": lambda lib, f: f.embedding(_T(lib, [0]), lib.ones(2, 5), padding_idx=2),
    "embedding 1-D weight": lambda lib, f: f.embedding(_T(lib, [0]), lib.ones(4)),
    "embedding no rows": lambda lib, f: f.embedding(_T(lib, [0]), lib.ones(0, 3)),
    "cosine_similarity broadcast": lambda lib, f: f.cosine_similarity(_T(lib, [[[0.7]], [[-0.8]], [[0.5]]]),
                                                                      _T(lib, [[[-1.0]]]), dim=0, eps=0.0),
    "cosine_similarity int64": lambda lib, f: f.cosine_similarity(lib.ones(3).long(), lib.ones(3).long(), 0),
    "normalize one huge element": lambda lib, f: f.normalize(_T(lib, [[1e30], [2.0]]), dim=1),
    "pairwise_distance 0-d": lambda lib, f: f.pairwise_distance(_T(lib, -1e30), _T(lib, -0.6), keepdim=True),
    "pad int64 inf value": lambda lib, f: f.pad(lib.ones(4).long(), (1, 1), value=inf),
    "pad int64 value truncated": lambda lib, f: f.pad(lib.ones(4).long(), (1, 1), value=2.7),
    "pad constant negative length": lambda lib, f: f.pad(lib.ones(6, 0, 4, 0), (3, -1), value=-1.0),
    "pad replicate negative": lambda lib, f: f.pad(lib.arange(5.0).reshape(1, 5), (2, -1), mode="replicate"),
    "pad reflect negative": lambda lib, f: f.pad(lib.arange(5.0).reshape(1, 5), (-3, 4), mode="reflect"),
    "pad reflect too far": lambda lib, f: f.pad(lib.arange(5.0).reshape(1, 5), (5, -1), mode="reflect"),
    "pad replicate empty channel": lambda lib, f: f.pad(lib.ones(0, 0, 1), (1, 1), mode="replicate"),
    "pad replicate 2-D empty": lambda lib, f: f.pad(lib.ones(0, 3), (1, 1), mode="replicate"),
    "cat of nothing": lambda lib, f: lib.cat([]),
    "stack of nothing": lambda lib, f: lib.stack([]),
    "stack dim before sizes": lambda lib, f: lib.stack([lib.ones(6), lib.ones(2)], 4),
    "linear 1-D weight, bias": lambda lib, f: f.linear(lib.ones(2, 6), lib.ones(6), lib.ones(1)),
    "linear 1-D weight, 0-d bias on 3-D": lambda lib, f: f.linear(lib.ones(3, 2, 6), lib.ones(6), _T(lib, 1.0)),
    "linear 3-D weight": lambda lib, f: f.linear(lib.ones(2, 5), lib.ones(1, 5, 1)),
    "linear int64 input": lambda lib, f: f.linear(lib.ones(5).long(), lib.ones(1, 5).double()),
    "layer_norm no shape": lambda lib, f: f.layer_norm(lib.ones(4), []),
    "layer_norm int64": lambda lib, f: f.layer_norm(lib.ones(6, 5).long(), [5]),
    "layer_norm weight shape": lambda lib, f: f.layer_norm(lib.ones(6, 5), [5], lib.ones(4)),
    "group_norm 1-D": lambda lib, f: f.group_norm(lib.ones(4), 2),
    "group_norm one value per group": lambda lib, f: f.group_norm(lib.ones(1, 2, 1), 2),
    "group_norm -1 groups": lambda lib, f: f.group_norm(lib.ones(1, 1, 6), -1),
    "group_norm empty batch": lambda lib, f: f.group_norm(lib.ones(0, 2, 1), 2),
    "group_norm inf weight": lambda lib, f: f.group_norm(lib.arange(8.0).reshape(2, 4), 2, _T(lib, [1.0, inf, 1.0, 1.0])),
    "batch_norm eps 0 training": lambda lib, f: f.batch_norm(lib.ones(5, 6), lib.zeros(6), lib.ones(6), training=True,
                                                             eps=0.0),
    "batch_norm 1-D": lambda lib, f: f.batch_norm(lib.ones(5), lib.zeros(2), lib.ones(2), training=True),
    "batch_norm half, float32 statistics": lambda lib, f: f.batch_norm(
        lib.arange(16.0).reshape(4, 4).half(), lib.zeros(4), lib.ones(4), lib.ones(4), lib.ones(4)),
    "gelu one float32 inf": lambda lib, f: f.gelu(_T(lib, [inf])),
    "prelu at 0, NaN weight": lambda lib, f: f.prelu(_T(lib, [0.0, -1.0]), _T(lib, [nan])),
    "cosine_similarity 0-d huge": lambda lib, f: f.cosine_similarity(_T(lib, 1e30), _T(lib, 1.3), dim=-1),
    "norm 0-d huge": lambda lib, f: lib.norm(_T(lib, 1e30)),
    "pad circular empty channels": lambda lib, f: f.pad(lib.ones(1, 0, 2), (0, 1), mode="circular"),
    "adaptive_max_pool2d empty batch, huge output": lambda lib, f: f.adaptive_max_pool2d(lib.ones(0, 6, 4, 4),
                                                                                        10**6),
    "kl_div reduction before dtype": lambda lib, f: f.kl_div(lib.ones(2).long(), lib.ones(2).long(),
                                                             reduction="bogus"),
    "batch_norm no channels, a weight": lambda lib, f: f.batch_norm(lib.ones(4, 0, 3), None, None, lib.ones(0),
                                                                    training=True),
})


def _run(lib, f, call):
    try:
        out = call(lib, f)
    except Exception as e:  # noqa: BLE001 - the error is what is compared
        return None, e
    outs = out if isinstance(out, tuple) else (out,)
    return [(str(o.dtype).split(".")[-1], o.detach().numpy()) for o in outs], None


@pytest.mark.parametrize("label", sorted(CASES))
def test_edge_case_matches_torch(label):
    theirs, their_error = _run(torch, TF, CASES[label])
    ours, our_error = _run(mt, F, CASES[label])
    if their_error is not None:
        assert our_error is not None, f"torch raises {their_error!r}, ours returns {ours}"
        assert str(their_error).splitlines()[0].strip()[:60] in str(our_error)
        builtin = next(t for t in type(their_error).__mro__ if t.__module__ == "builtins")
        assert isinstance(our_error, builtin), f"torch raises {type(their_error).__name__}, ours {our_error!r}"
        return
    assert our_error is None, f"ours raises {our_error!r}"
    assert [(d, a.shape) for d, a in ours] == [(d, a.shape) for d, a in theirs]
    for (_, a), (_, b) in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)  # NaN where torch has NaN, inf where inf


def test_huge_arguments_are_refused_or_clamped_quickly():
    import time

    start = time.perf_counter()
    assert F.local_response_norm(mt.ones(1, 1, 1, 1), size=10**6).tolist() == [[[[1.0]]]]
    with pytest.raises(RuntimeError, match="adaptive_max_pool2d: DefaultCPUAllocator: can't allocate memory"):
        F.adaptive_max_pool2d(mt.ones(6, 1, 6, 3), 10**6)
    with pytest.raises(RuntimeError, match="interpolate: DefaultCPUAllocator: can't allocate memory"):
        F.interpolate(mt.ones(1, 1, 2, 2), scale_factor=1e7)
    assert F.adaptive_avg_pool2d(mt.ones(6, 0, 6, 3), 10**6).shape == (6, 0, 10**6, 10**6)
    assert time.perf_counter() - start < 2.0


def test_empty_and_ignored_inputs_keep_their_gradients():
    x = mt.zeros(0, 2, 4, 4, requires_grad=True)
    w = mt.ones(3, 2, 3, 3, requires_grad=True)
    F.conv2d(x, w).sum().backward()
    assert x.grad.shape == x.shape and w.grad.tolist() == mt.zeros(3, 2, 3, 3).tolist()
    logits = mt.tensor([[math.inf, 0.0, 0.0], [1.0, 2.0, 3.0]], requires_grad=True)
    F.cross_entropy(logits, mt.tensor([1, 2]), ignore_index=1).backward()
    grad = logits.grad.numpy()  # PyTorch's too: the ignored row's log_softmax backward is NaN, the other exact
    assert np.isnan(grad[0]).all()
    np.testing.assert_allclose(grad[1], [0.09003057, 0.24472847, -0.33475904], rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_resize_weights_are_pytorchs_to_the_bit(dtype):
    """Bilinear weights (PyTorch's fused source index, its clamps) and nearest sources (its vectorised
    kernel's shortcuts below H + W = 129, the generic kernel's floor above), read off one-hot rows."""
    for n in (1, 2, 3, 4, 7):
        eye = np.eye(n, dtype=dtype).reshape(1, n, 1, n)  # channel k: one-hot at k
        for kw in [dict(size=(1, 3)), dict(size=(1, 5)), dict(scale_factor=(1.0, 2.1)), dict(scale_factor=(1.0, 1 / 3)),
                   dict(scale_factor=(130.0, 1.5)), dict(size=(130, 9))]:
            for mode, corners in (("nearest", None), ("bilinear", False), ("bilinear", True)):
                if kw.get("scale_factor", (0, 1))[1] * n < 1:
                    continue
                ref = TF.interpolate(torch.from_numpy(eye), mode=mode, align_corners=corners, **kw)[0, :, 0].numpy()
                out = F.interpolate(mt.from_numpy(eye), mode=mode, align_corners=corners, **kw)[0, :, 0].numpy()
                np.testing.assert_array_equal(out, ref, err_msg=f"{n} {kw} {mode} {corners}")


def test_huge_pooling_windows_are_quick_and_differentiable():
    import time

    start = time.perf_counter()  # 2e9-wide windows around a few pixels: no padded image, no 2e9-step loop
    x = mt.tensor(np.random.default_rng(0).standard_normal((1, 2, 3, 4)), requires_grad=True)
    kw = dict(kernel_size=(1, 2 * 10**9), stride=(1, 10**9), padding=(0, 10**9), ceil_mode=True)
    out, idx = F.max_pool2d(x, return_indices=True, **kw)
    ref, ref_idx = TF.max_pool2d(torch.tensor(x.detach().numpy()), return_indices=True, **kw)
    np.testing.assert_array_equal(out.detach().numpy(), ref.numpy())
    np.testing.assert_array_equal(idx.numpy(), ref_idx.numpy())
    (out.sum() + F.avg_pool2d(x, **kw).sum()).backward()
    t = torch.tensor(x.detach().numpy(), requires_grad=True)
    (TF.max_pool2d(t, **kw).sum() + TF.avg_pool2d(t, **kw).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-25)
    assert F.avg_pool1d(mt.ones(1, 1, 5), 2 * 10**9, padding=10**9).shape == (1, 1, 1)
    assert time.perf_counter() - start < 2.0
