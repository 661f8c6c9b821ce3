"""The op catalogue of gradient checks: every differentiable op, with inputs that suit finite differences.

Each case runs ``mt.autograd.gradcheck`` in float64 on tiny random inputs: the analytic vector-Jacobian
product (one backward with a random cotangent) must match central differences for every input element.
Inputs are kept away from kinks (relu and abs at 0, ties of max and max-pool) where a derivative does not
exist; dropout is re-seeded before every evaluation so each sees the same mask. The whole table takes a
few seconds.
"""
import time

import numpy as np

from . import functions as mt_fn
from .autograd.gradcheck import GradcheckError, gradcheck
from .creation import tensor
from .dtypes import float64
from .nn import functional as F
from .random import manual_seed


class _Inputs:
    """Makes the float64 inputs of one case on ``device``, from a fixed NumPy generator."""

    def __init__(self, device, seed=0):
        self.device = device
        self.rng = np.random.default_rng(seed)

    def _tensor(self, array, requires_grad=True):
        return tensor(array, dtype=float64, device=self.device, requires_grad=requires_grad)

    def randn(self, *shape):
        return self._tensor(self.rng.standard_normal(shape))

    def positive(self, *shape, requires_grad=True):
        """Values in [0.5, 1.5]: safe for log, sqrt, division and powers."""
        return self._tensor(self.rng.uniform(0.5, 1.5, shape), requires_grad)

    def away_from_kinks(self, *shape):
        """Distinct values at least 0.05 apart and from 0: no ties for max, no zero for relu/abs."""
        n = int(np.prod(shape))
        values = (self.rng.permutation(n) - n / 2 + 0.5) * 0.1
        return self._tensor(values.reshape(shape))

    def labels(self, n, classes):
        return tensor(self.rng.integers(0, classes, n), device=self.device)

    def probabilities(self, *shape):
        return self._tensor(self.rng.uniform(0.1, 0.9, shape))

    def constant(self, *shape):
        return self._tensor(self.rng.standard_normal(shape), requires_grad=False)

    def zeros(self, *shape):
        return self._tensor(np.zeros(shape), requires_grad=False)


def _seeded(op, **kwargs):
    """``op`` with the random generator reset first, so every evaluation draws the same mask."""
    def run(x):
        manual_seed(0)
        return op(x, **kwargs)
    return run


# (name, function, make inputs) - ``make`` receives an _Inputs and returns the tuple of arguments.
CASES = [
    # elementwise
    ("add (broadcast)", lambda a, b: a + b, lambda I: (I.randn(2, 3), I.randn(3))),
    ("sub", lambda a, b: a - b, lambda I: (I.randn(2, 3), I.randn(2, 1))),
    ("mul", lambda a, b: a * b, lambda I: (I.randn(2, 3), I.randn(2, 3))),
    ("div", lambda a, b: a / b, lambda I: (I.randn(2, 3), I.positive(2, 3))),
    ("pow", lambda a, b: a ** b, lambda I: (I.positive(2, 3), I.randn(2, 3))),
    ("neg", mt_fn.neg, lambda I: (I.randn(2, 3),)),
    ("abs", mt_fn.abs, lambda I: (I.away_from_kinks(2, 3),)),
    ("exp", mt_fn.exp, lambda I: (I.randn(2, 3),)),
    ("log", mt_fn.log, lambda I: (I.positive(2, 3),)),
    ("sqrt", mt_fn.sqrt, lambda I: (I.positive(2, 3),)),
    ("clamp", lambda x: mt_fn.clamp(x, -0.32, 0.27), lambda I: (I.away_from_kinks(3, 4),)),
    ("maximum", mt_fn.maximum, lambda I: (I.away_from_kinks(2, 3), I.away_from_kinks(2, 3) + 0.025)),
    ("minimum", mt_fn.minimum, lambda I: (I.away_from_kinks(2, 3), I.away_from_kinks(2, 3) + 0.025)),
    ("scalar on the left (2 / x - 1)", lambda x: 2 / x - 1, lambda I: (I.positive(2, 3),)),
    ("where", lambda a, b: mt_fn.where(a > 0, a, b), lambda I: (I.away_from_kinks(2, 3), I.randn(2, 3))),
    # reductions
    ("sum (dim)", lambda x: mt_fn.sum(x, dim=1), lambda I: (I.randn(2, 3, 4),)),
    ("mean (dims, keepdim)", lambda x: mt_fn.mean(x, dim=(0, 2), keepdim=True), lambda I: (I.randn(2, 3, 4),)),
    ("var", lambda x: mt_fn.var(x, dim=1), lambda I: (I.randn(3, 4),)),
    ("std", lambda x: mt_fn.std(x), lambda I: (I.randn(3, 4),)),
    ("max (dim)", lambda x: mt_fn.max(x, dim=1)[0], lambda I: (I.away_from_kinks(3, 4),)),
    ("min (all)", mt_fn.min, lambda I: (I.away_from_kinks(3, 4),)),
    ("amax", lambda x: mt_fn.amax(x, dim=0), lambda I: (I.away_from_kinks(3, 4),)),
    ("logsumexp", lambda x: mt_fn.logsumexp(x, dim=1), lambda I: (I.randn(3, 4),)),
    ("softmax", lambda x: F.softmax(x, dim=1), lambda I: (I.randn(3, 4),)),
    ("log_softmax", lambda x: F.log_softmax(x, dim=1), lambda I: (I.randn(3, 4),)),
    # linear algebra and shapes
    ("matmul", mt_fn.matmul, lambda I: (I.randn(3, 4), I.randn(4, 2))),
    ("matmul (batched, broadcast)", mt_fn.matmul, lambda I: (I.randn(2, 3, 4), I.randn(4, 2))),
    ("matmul (vector)", mt_fn.matmul, lambda I: (I.randn(4), I.randn(2, 4, 3))),
    ("bmm", mt_fn.bmm, lambda I: (I.randn(2, 3, 4), I.randn(2, 4, 2))),
    ("reshape / permute", lambda x: x.reshape(4, 6).permute(1, 0), lambda I: (I.randn(2, 3, 4),)),
    ("transpose / flatten", lambda x: mt_fn.flatten(x.transpose(0, 2), 1), lambda I: (I.randn(2, 3, 4),)),
    ("squeeze / unsqueeze", lambda x: x.squeeze(1).unsqueeze(0), lambda I: (I.randn(2, 1, 3),)),
    ("expand", lambda x: x.expand(3, 2, 4), lambda I: (I.randn(2, 1),)),
    ("repeat", lambda x: x.repeat(2, 3), lambda I: (I.randn(2, 2),)),
    ("split", lambda x: mt_fn.split(x, [1, 3], dim=1)[1], lambda I: (I.randn(2, 4),)),
    ("getitem (slices, index arrays)", lambda x: x[1:, [0, 2, 2]], lambda I: (I.randn(3, 4),)),
    ("cat", lambda a, b: mt_fn.cat([a, b], dim=1), lambda I: (I.randn(2, 3), I.randn(2, 2))),
    ("stack", lambda a, b: mt_fn.stack([a, b], dim=0), lambda I: (I.randn(2, 3), I.randn(2, 3))),
    ("pad", lambda x: F.pad(x, (1, 2, 0, 1)), lambda I: (I.randn(1, 2, 3, 3),)),
    # layers
    ("linear", F.linear, lambda I: (I.randn(3, 4), I.randn(2, 4), I.randn(2))),
    ("conv2d", F.conv2d, lambda I: (I.randn(2, 2, 5, 5), I.randn(3, 2, 3, 3), I.randn(3))),
    ("conv2d (stride 2, padding 1)", lambda x, w: F.conv2d(x, w, stride=2, padding=1),
     lambda I: (I.randn(1, 2, 5, 6), I.randn(2, 2, 3, 3))),
    ("conv2d (dilation 2)", lambda x, w: F.conv2d(x, w, dilation=2, padding="same"),
     lambda I: (I.randn(1, 2, 5, 5), I.randn(2, 2, 3, 3))),
    ("conv2d (groups 2)", lambda x, w, b: F.conv2d(x, w, b, groups=2, padding=1),
     lambda I: (I.randn(1, 4, 4, 4), I.randn(4, 2, 3, 3), I.randn(4))),
    ("conv2d (depthwise, 2x3 kernel)", lambda x, w: F.conv2d(x, w, groups=3, stride=(1, 2)),
     lambda I: (I.randn(2, 3, 4, 5), I.randn(3, 1, 2, 3))),
    ("conv_transpose2d (stride 2, output_padding 1)",
     lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
     lambda I: (I.randn(1, 2, 3, 3), I.randn(2, 3, 3, 3), I.randn(3))),
    ("conv_transpose2d (groups 2, dilation 2)",
     lambda x, w: F.conv_transpose2d(x, w, groups=2, stride=(1, 2), dilation=2, output_padding=(1, 0)),
     lambda I: (I.randn(1, 4, 3, 2), I.randn(4, 1, 2, 3))),
    ("pixel_shuffle / pixel_unshuffle", lambda x: F.pixel_unshuffle(F.pixel_shuffle(x, 2) * x.mean(), 2),
     lambda I: (I.randn(1, 8, 2, 3),)),
    ("max_pool2d", lambda x: F.max_pool2d(x, 2), lambda I: (I.away_from_kinks(1, 2, 4, 4),)),
    ("max_pool2d (3, stride 2, pad 1, ceil)", lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
     lambda I: (I.away_from_kinks(1, 2, 6, 6),)),
    ("max_pool2d (dilation 2)", lambda x: F.max_pool2d(x, 2, 1, dilation=2),
     lambda I: (I.away_from_kinks(1, 1, 5, 5),)),
    ("avg_pool2d (pad, no count_include_pad)", lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
     lambda I: (I.randn(1, 2, 5, 5),)),
    ("avg_pool2d (ceil_mode, divisor_override)", lambda x: F.avg_pool2d(x, 2, ceil_mode=True, divisor_override=3),
     lambda I: (I.randn(1, 2, 5, 5),)),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, 3)), lambda I: (I.randn(1, 2, 5, 5),)),
    ("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, 2), lambda I: (I.away_from_kinks(1, 2, 5, 5),)),
    ("batch_norm (training)", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
     lambda I: (I.randn(3, 2, 2, 2), I.randn(2), I.randn(2))),
    ("batch_norm (N, C) and (N, C, L)", lambda x, y: F.batch_norm(x, None, None, training=True).sum()
     + F.batch_norm(y, None, None, training=True).pow(2).sum(), lambda I: (I.randn(4, 3), I.randn(3, 2, 4))),
    ("batch_norm (eval)", lambda x, m, v, w, b: F.batch_norm(x, m, v, w, b, training=False),
     lambda I: (I.randn(3, 2, 2, 2), I.constant(2), I.positive(2, requires_grad=False), I.randn(2), I.randn(2))),
    ("local_response_norm", lambda x: F.local_response_norm(x, size=3, alpha=0.1, beta=0.75, k=2.0),
     lambda I: (I.randn(2, 4, 2, 2),)),
    ("dropout (fixed mask)", _seeded(F.dropout, p=0.5, training=True), lambda I: (I.randn(3, 4),)),
    ("dropout2d (fixed mask)", _seeded(F.dropout2d, p=0.5, training=True), lambda I: (I.randn(2, 3, 2, 2),)),
    ("interpolate (bilinear)", lambda x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False),
     lambda I: (I.randn(1, 2, 3, 3),)),
    ("interpolate (nearest)", lambda x: F.interpolate(x, size=(5, 4)), lambda I: (I.randn(1, 2, 3, 2),)),
    # activations
    ("relu", F.relu, lambda I: (I.away_from_kinks(3, 4),)),
    ("relu6", F.relu6, lambda I: (I.away_from_kinks(3, 4) * 20,)),
    ("hardtanh", F.hardtanh, lambda I: (I.away_from_kinks(3, 4) * 5,)),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.1), lambda I: (I.away_from_kinks(3, 4),)),
    ("elu", F.elu, lambda I: (I.away_from_kinks(3, 4),)),
    ("gelu", F.gelu, lambda I: (I.randn(3, 4),)),
    ("gelu (tanh)", lambda x: F.gelu(x, approximate="tanh"), lambda I: (I.randn(3, 4),)),
    ("silu", F.silu, lambda I: (I.randn(3, 4),)),
    ("sigmoid", F.sigmoid, lambda I: (I.randn(3, 4),)),
    ("tanh", F.tanh, lambda I: (I.randn(3, 4),)),
    # losses
    ("cross_entropy", lambda x, t: F.cross_entropy(x, t), lambda I: (I.randn(4, 5), I.labels(4, 5))),
    ("cross_entropy (weight, label_smoothing)", lambda x, t, w: F.cross_entropy(x, t, w, label_smoothing=0.1),
     lambda I: (I.randn(4, 5), I.labels(4, 5), I.positive(5, requires_grad=False))),
    ("cross_entropy (N, C, H, W)", lambda x, t: F.cross_entropy(x, t),
     lambda I: (I.randn(2, 3, 2, 2), I.labels(8, 3).reshape(2, 2, 2))),
    ("nll_loss", lambda x, t: F.nll_loss(x, t, reduction="sum"), lambda I: (I.randn(4, 5), I.labels(4, 5))),
    ("mse_loss", F.mse_loss, lambda I: (I.randn(3, 4), I.randn(3, 4))),
    ("l1_loss", F.l1_loss, lambda I: (I.away_from_kinks(3, 4), I.zeros(3, 4))),
    ("smooth_l1_loss", F.smooth_l1_loss, lambda I: (I.away_from_kinks(3, 4) * 10, I.zeros(3, 4))),
    ("binary_cross_entropy", F.binary_cross_entropy, lambda I: (I.probabilities(3, 4), I.probabilities(3, 4))),
    ("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits,
     lambda I: (I.randn(3, 4), I.probabilities(3, 4))),
]


def check_case(name, fn, make, device="cpu"):
    """('PASS' | 'FAIL' | 'ERROR', detail, seconds) for one case."""
    start = time.perf_counter()
    try:
        inputs = make(_Inputs(device))
        gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)
        status, detail = "PASS", ""
    except GradcheckError as e:
        status, detail = "FAIL", str(e)
    except Exception as e:  # a missing op or a crash is reported, not raised: the table goes on
        status, detail = "ERROR", f"{type(e).__name__}: {e}"
    return status, detail, time.perf_counter() - start
