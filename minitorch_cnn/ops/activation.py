"""Activations and (log-)softmax."""
import numpy as np

from ..autograd.function import Function
from .._threads import parallel_map
from ..backend import get_array_module
from . import dual
from .special import erf


class ReLU(Function):
    """max(x, 0); memory-bound, so the rows are split over the CPU's threads."""
    node_name = "ReluBackward0"  # PyTorch's name of this backward node

    def forward(self, x):
        xp = get_array_module(x)
        # against an array of zeros (one sample's worth, broadcast over the batch): NumPy's maximum
        # with a scalar 0 takes a slower loop (CuPy has no such slow path)
        zero = xp.zeros(x.shape[1:], dtype=x.dtype) if xp is np else 0
        out = parallel_map(lambda x, out: xp.maximum(x, zero, out=out), x, out=xp.empty_like(x))
        self.save_for_backward(out)
        return out

    def backward(self, g):
        # dX = dY * [x > 0]
        (y,) = self.saved_tensors
        xp = get_array_module(g)
        return parallel_map(lambda g, y, out: xp.multiply(g, y > 0, out=out), g, y, out=xp.empty_like(y, dtype=g.dtype))

    jvp = backward  # the Jacobian is diagonal (a 0/1 mask): J v = J^T v


class Sigmoid(Function):
    differentiable_backward = True  # s is the output

    def forward(self, x):
        xp = get_array_module(x)
        # stable for large |x|: exp of a non-positive number only
        e = xp.exp(-abs(x))
        out = xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        # dX = dY * s * (1 - s)
        (s,) = self.saved_tensors
        return g * s * (1 - s)


def log_sigmoid(x):
    """log sigmoid(x) = min(x, 0) - log1p(exp(-|x|)), PyTorch's stable form, on arrays or Tensors."""
    negative = dual.value(x) < 0
    return dual.where(negative, x, 0.0) - dual.log1p(dual.exp(dual.where(negative, x, -x)))


class LogSigmoid(Function):
    """log(sigmoid(x)) = -softplus(-x), elementwise, any shape: no overflow for any |x| (exp of a
    non-positive number only); -inf at -inf, 0 at +inf, NaN at NaN. Half precision computes in float32,
    as PyTorch's kernel."""
    differentiable_backward = True  # x is the input

    def forward(self, x):
        self.save_for_backward(x)
        if x.dtype == np.float16:
            return log_sigmoid(x.astype(np.float32)).astype(np.float16)
        return log_sigmoid(x)

    def backward(self, g):
        # dX = dY * sigmoid(-x)
        (x,) = self.saved_tensors
        return dual.apply(LogSigmoidGrad(), g, x)


class LogSigmoidGrad(Function):
    """LogSigmoid's backward g * sigmoid(-x) (g, x of one shape) as an op of its own, as PyTorch's
    ``log_sigmoid_backward``: its derivative in x, -g sigmoid(x) sigmoid(-x), is a product of two stable
    sigmoids, so second derivatives keep their tiny values at large |x| (1 - sigmoid would round them to 0)."""
    node_name = "LogSigmoidBackwardBackward0"  # PyTorch's name of this backward node
    differentiable_backward = True  # g and x are the inputs

    def forward(self, g, x):
        self.save_for_backward(g, x)
        xp = get_array_module(x)
        # PyTorch's kernel: z = exp(-|x|) in x's dtype (the buffer its forward keeps), then
        # 1 - z / (1 + z) for x < 0 and z / (1 + z) otherwise, in float32 for half
        z = xp.exp(-abs(x))
        if x.dtype == np.float16:
            z, x = z.astype(np.float32), x.astype(np.float32)
        d = z / (1 + z)
        return (g * xp.where(x < 0, 1 - d, d)).astype(g.dtype, copy=False)

    def backward(self, grad):
        # dG = dY * sigmoid(-x) (this op again);  dX = -dY * g * sigmoid(x) * sigmoid(-x)
        g, x = self.saved_tensors
        return (dual.apply(LogSigmoidGrad(), grad, x),
                -(grad * g) * (dual.apply(Sigmoid(), x) * dual.apply(Sigmoid(), -x)))


class Tanh(Function):
    differentiable_backward = True  # tanh is the output

    def forward(self, x):
        out = get_array_module(x).tanh(x)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        # dX = dY * (1 - tanh^2)
        (t,) = self.saved_tensors
        return g * (1 - t * t)


class Softmax(Function):
    """softmax along ``dim``: exp(x - max) / sum exp(x - max)."""
    differentiable_backward = True  # y is the output

    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        xp = get_array_module(x)
        e = xp.exp(x - x.max(axis=self.dim, keepdims=True))
        out = e / e.sum(axis=self.dim, keepdims=True)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        # dX = y * (dY - sum(dY * y))
        (y,) = self.saved_tensors
        return y * (g - dual.sum(g * y, (self.dim,), keepdims=True))


class LogSoftmax(Function):
    """log_softmax along ``dim``: x - max - log(sum exp(x - max)), stable for huge logits."""
    differentiable_backward = True

    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        xp = get_array_module(x)
        shifted = x - x.max(axis=self.dim, keepdims=True)
        e = xp.exp(shifted)
        total = e.sum(axis=self.dim, keepdims=True)
        # softmax = e / total: kept as its two factors, so backward needs no second exp
        out = shifted - xp.log(total)
        self.save_for_backward(e, total, out)
        return out

    def backward(self, g):
        # dX = dY - softmax(x) * sum(dY)
        e, total, out = self.saved_tensors
        total_g = dual.sum(g, (self.dim,), keepdims=True)
        if dual.is_graph(out):  # recorded: softmax as a function of the output, exp(out)
            return g - dual.exp(out) * total_g
        return g - e * (total_g / total)


class Hardtanh(Function):
    """clamp(x, min_val, max_val); relu6 is Hardtanh(0, 6)."""

    def __init__(self, min_val, max_val):
        self.min_val, self.max_val = min_val, max_val

    def forward(self, x):
        self.save_for_backward(x)
        return get_array_module(x).clip(x, self.min_val, self.max_val)

    def backward(self, g):
        # dX = dY * [min_val < x < max_val]
        (x,) = self.saved_tensors
        return g * ((x > self.min_val) & (x < self.max_val))

    jvp = backward  # the Jacobian is diagonal (a 0/1 mask): J v = J^T v


class LeakyReLU(Function):
    node_name = "LeakyReluBackward0"  # PyTorch's name of this backward node

    def __init__(self, negative_slope):
        self.negative_slope = negative_slope

    def forward(self, x):
        self.save_for_backward(x)
        return get_array_module(x).where(x > 0, x, x * self.negative_slope)

    def backward(self, g):
        # dX = dY * (1 if x > 0 else slope)
        (x,) = self.saved_tensors
        return get_array_module(g).where(x > 0, g, g * self.negative_slope)

    jvp = backward  # the Jacobian is diagonal: J v = J^T v


class ELU(Function):
    """scale * x if x >= 0 else alpha * scale * (exp(input_scale * x) - 1): PyTorch's elu kernel, which also
    gives selu (alpha, scale = its constants) and celu (input_scale = 1 / alpha). A zero takes the linear
    branch, so no alpha (NaN, inf) touches it; half precision computes in float32, as PyTorch's kernel."""
    node_name = "EluBackward0"  # PyTorch's name of this backward node
    differentiable_backward = True  # out is the output

    def __init__(self, alpha, scale=1.0, input_scale=1.0):
        self.alpha, self.scale, self.input_scale = alpha, scale, input_scale

    def forward(self, x):
        xp = get_array_module(x)
        wide = x.astype(np.float32) if x.dtype == np.float16 else x
        with np.errstate(invalid="ignore", over="ignore"):
            negative = xp.expm1(wide * wide.dtype.type(self.input_scale)) * wide.dtype.type(self.alpha * self.scale)
            out = xp.where(wide < 0, negative, wide * wide.dtype.type(self.scale)).astype(x.dtype, copy=False)
        self.save_for_backward(x, out)
        return out

    def backward(self, g):
        # dX = dY * (scale if x >= 0 else input_scale * (out + alpha * scale))
        x, out = self.saved_tensors
        return dual.where(dual.value(x) < 0, g * ((out + self.alpha * self.scale) * self.input_scale),
                          g * self.scale)


class GELU(Function):
    """x * Phi(x): exact with erf, or PyTorch's 'tanh' approximation."""
    node_name = "GeluBackward0"  # PyTorch's name of this backward node
    differentiable_backward = True

    def __init__(self, approximate):
        self.approximate = approximate

    def forward(self, x):
        xp = get_array_module(x)
        if self.approximate == "tanh":
            t = xp.tanh(0.7978845608028654 * (x + 0.044715 * x**3))
            self.save_for_backward(x, t)
            return 0.5 * x * (1 + t)
        self.save_for_backward(x)
        out = (0.5 * x * (1 + erf(x * 0.7071067811865476))).astype(x.dtype, copy=False)
        if x.dtype == np.float32 and x.size > 1:  # PyTorch's vectorised float32 erf (used from 2 elements on)
            # gives NaN at +inf, and so does its gelu
            out = xp.where(x == np.inf, np.float32(np.nan), out)
        return out

    def backward(self, g):
        x = self.saved_tensors[0]
        xp = get_array_module(x)
        if self.approximate == "tanh":
            # dX = dY * (0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2))
            t = self.saved_tensors[1]
            if dual.is_graph(x):  # recorded: t as a function of x
                t = Tanh()(0.7978845608028654 * (x + 0.044715 * x**3))
            return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * 0.7978845608028654 * (1 + 3 * 0.044715 * x * x))
        # dX = dY * (Phi(x) + x * phi(x))
        if dual.is_graph(x):  # recorded: Phi through the erf op, phi through exp
            from .pointwise import Erf

            cdf = 0.5 * (1 + Erf()(x * 0.7071067811865476))
            return g * (cdf + x * dual.exp(-0.5 * x * x) * 0.3989422804014327)
        cdf = 0.5 * (1 + erf(x * 0.7071067811865476))
        pdf = xp.exp(-0.5 * x * x) * 0.3989422804014327
        return (g * (cdf + x * pdf)).astype(g.dtype, copy=False)


class SiLU(Function):
    """x * sigmoid(x)."""
    node_name = "SiluBackward0"  # PyTorch's name of this backward node
    differentiable_backward = True

    def forward(self, x):
        xp = get_array_module(x)
        e = xp.exp(-abs(x))
        s = xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        self.save_for_backward(x, s)
        return x * s

    def backward(self, g):
        # dX = dY * s * (1 + x (1 - s)), s = sigmoid(x)
        x, s = self.saved_tensors
        if dual.is_graph(x):  # recorded: s as a function of x
            s = Sigmoid()(x)
        return g * s * (1 + x * (1 - s))
