"""More of ``torch.nn.functional``, each written with differentiable tensor functions (so its
gradient is autograd's, checked by gradcheck): softplus and other smooth activations, PReLU,
layer norm, embedding lookup, vector normalisation and distances, 1-D convolution and pooling,
pixel shuffle (a reshape and a permute).
``nn.functional`` re-exports them all.
"""
import builtins
import math

from .. import functions as T
from .. import indexing_functions as I
from .. import pointwise_functions as P
from .. import reduction_functions as R
from ..ops import activation
from ..tensor import Tensor
from ._checks import floating_only, scalar_for


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta; linear (x) where beta x > threshold, as PyTorch, for stability."""
    floating_only("softplus", "softplus_cpu", input)
    if input.dtype.name == "float16":  # PyTorch computes half in float32 (beta need not fit a half)
        return softplus(input.float(), beta, threshold).half()
    bx = T.mul(input, beta) if beta != 1 else input
    clamped = bx if threshold != threshold else T.clamp(bx, max=threshold)  # (a NaN threshold takes no x)
    soft = P.log1p(T.exp(clamped))  # (clamped: exp cannot overflow where it is not used)
    if beta != 1:
        soft = T.div(soft, beta)
    return T.where(T.gt(bx, threshold), input, soft)


def softsign(input):
    """x / (1 + |x|)."""
    if input.dtype.name == "bool":  # (integers divide to floats)
        floating_only("softsign", "abs_cpu", input)
    return T.div(input, T.add(T.abs(input), 1))


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), without overflow: one ``LogSigmoidBackward0`` node, as PyTorch."""
    floating_only("logsigmoid", "log_sigmoid_cpu", input)
    return activation.LogSigmoid()(input)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6: a piecewise-linear sigmoid."""
    floating_only("hardsigmoid", "hardsigmoid_cpu", input)
    return T.div(T.clamp(T.add(input, 3.0), 0.0, 6.0), 6.0)


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6 (MobileNetV3)."""
    floating_only("hardswish", "hardswish_cpu", input)
    return T.mul(input, hardsigmoid(input))


def mish(input, inplace=False):
    """x * tanh(softplus(x)) (Misra 2019)."""
    floating_only("mish", "mish_cpu", input)
    return T.mul(input, T.tanh(softplus(input)))


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1)), as PyTorch's elu kernel with input_scale 1 / alpha."""
    floating_only("celu", "elu_cpu", input)
    if alpha == 0:
        raise RuntimeError("celu: ZeroDivisionError: alpha cannot be 0 for CELU")
    return activation.ELU(alpha, 1.0, 1.0 / alpha)(input)


def selu(input, inplace=False):
    """scale * (max(0, x) + min(0, alpha (exp(x) - 1))) with the self-normalising constants."""
    floating_only("selu", "elu_cpu", input)
    return activation.ELU(_SELU_ALPHA, _SELU_SCALE)(input)


def prelu(input, weight):
    """x if x >= 0 else weight * x, with one learned slope (or one per channel, dim 1)."""
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
    if weight.numel() != 1 and (input.ndim < 2 or weight.numel() != input.shape[1]):
        raise RuntimeError(f"prelu: Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                           f"{weight.numel()} and channel size = {input.shape[1] if input.ndim > 1 else 1}.")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {input.dtype.scalar_name} and "
                           f"{weight.dtype.scalar_name}")
    floating_only("prelu", "prelu_cpu", input)
    slope = T.reshape(weight, (-1,) + (1,) * (input.ndim - 2) if weight.numel() != 1 else ())
    return T.where(T.gt(input, 0), input, T.mul(slope, input))  # (x = 0 takes weight * 0: NaN for a NaN weight)


def threshold(input, threshold, value, inplace=False):
    """value where x <= threshold, else x (NaN stays NaN); an integer input takes both numbers truncated."""
    if input.dtype.name == "bool":
        floating_only("threshold", "threshold_cpu", input)
    if not input.dtype.is_floating_point:  # (a float input compares in float32 at least: no range to check)
        threshold = scalar_for("threshold", input, threshold)
    value = scalar_for("threshold", input, value)
    probe = input.float() if input.dtype.name == "float16" else input
    return T.where(T.le(probe, threshold), value, input)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last len(normalized_shape) dims: (x - mean) / sqrt(var + eps) (biased
    variance), then weight * . + bias."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not shape:
        raise RuntimeError("layer_norm: Expected normalized_shape to be at least 1-dimensional, i.e., containing at "
                           "least one element, but got normalized_shape = []")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"layer_norm: Expected {name} to be of same shape as normalized_shape, but got {name} "
                               f"of shape {list(t.shape)} and normalized_shape = {list(shape)}")
    if input.ndim < len(shape) or tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [*, "
                           f"{', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    floating_only("layer_norm", "LayerNormKernelImpl", input)
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    mean = T.mean(input, dims, keepdim=True)
    centered = T.sub(input, mean)
    var = T.mean(T.mul(centered, centered), dims, keepdim=True)
    out = T.mul(centered, P.rsqrt(T.add(var, eps)))
    if weight is not None:
        out = T.mul(out, weight)
    if bias is not None:
        out = T.add(out, bias)
    return out


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise (N, C, *) over groups of C / num_groups channels and the spatial dims, then per-channel
    weight * . + bias."""
    if input.ndim < 2:
        raise RuntimeError(f"group_norm: Expected at least 2 dimensions for input tensor but received {input.ndim}")
    n, c = input.shape[0], input.shape[1]
    per_group = [n * c // num_groups, num_groups] + list(input.shape[2:])  # (PyTorch's Python check, // first)
    if per_group[0] * math.prod(per_group[2:]) == 1:
        raise ValueError(f"group_norm: Expected more than 1 value per channel when training, got input size "
                         f"{per_group}")
    if num_groups <= 0:
        raise RuntimeError(f"group_norm: Expected num groups to be greater than 0, got {num_groups}")
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != c):
            raise RuntimeError(f"group_norm: Expected {name} to be a vector of size equal to the number of channels in "
                               f"input, but got {name} of shape {list(t.shape)} and input of shape {list(input.shape)}")
    floating_only("group_norm", "GroupNormKernelImpl", input)
    if input.numel() == 0:
        return T.mul(input, 1.0)
    # PyTorch's kernel: per (n, c), y = x * scale + shift with scale = rstd * weight[c] and
    # shift = bias[c] - scale * mean (so an inf weight meets the mean as inf - inf, as there)
    grouped = T.reshape(input, (n, num_groups, c // num_groups, -1))
    mean = T.mean(grouped, (2, 3), keepdim=True)
    centered = T.sub(grouped, mean)
    rstd = P.rsqrt(T.add(T.mean(T.mul(centered, centered), (2, 3), keepdim=True), eps))
    per_channel = (1, num_groups, c // num_groups, 1)
    scale = rstd if weight is None else T.mul(rstd, T.reshape(weight, per_channel))
    shift = T.neg(T.mul(scale, mean))
    if bias is not None:
        shift = T.add(shift, T.reshape(bias, per_channel))
    return T.reshape(T.add(T.mul(grouped, scale), shift), input.shape)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """The rows ``weight[input]``: (*) int indices -> (*, embedding_dim); the row padding_idx gets no gradient."""
    rows_n = weight.shape[0] if weight.ndim else 0
    if padding_idx is not None and not -rows_n <= padding_idx < builtins.max(rows_n, 1):
        raise AssertionError("embedding: Padding_idx must be within num_embeddings")
    if weight.ndim != 2:
        raise RuntimeError("embedding: 'weight' must be 2-D")
    if not isinstance(input, Tensor) or input.dtype.name not in ("int64", "int32"):
        raise RuntimeError(f"embedding: Expected tensor for argument #1 'indices' to have one of the following scalar "
                           f"types: Long, Int; but got {getattr(input, 'dtype', None)} instead")
    index = input._data
    if index.size and rows_n == 0:
        raise RuntimeError("embedding: index_select(): self indexing axis dim should be positive")
    bad = (index < 0) | (index >= rows_n)
    if bool(bad.any()):  # (PyTorch's zero-width lookup says it otherwise)
        if weight.shape[1] == 0:
            raise RuntimeError(f"embedding: INDICES element is out of DATA bounds, id={int(index[bad].reshape(-1)[0])} "
                               f"axis_dim={rows_n}")
        raise IndexError("embedding: index out of range in self")
    if max_norm is not None or scale_grad_by_freq:
        raise NotImplementedError("embedding(): max_norm and scale_grad_by_freq are not implemented in minitorch_cnn")
    rows = T.getitem(weight, input)
    if padding_idx is not None:
        keep = Tensor._from_op((input._data != (padding_idx % weight.shape[0]))[..., None], None)
        rows = T.where(keep, rows, rows.detach())  # the same values; no gradient reaches that row
    return rows


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """x / max(||x||_p over dim, eps): unit vectors along ``dim``."""
    norm = R.vector_norm(input, p, dim, keepdim=True)
    result = T.div(input, T.clamp(norm, min=eps))
    if out is not None:
        from ..arguments import copy_into

        return copy_into(out, result, "normalize")
    return result


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """<x1, x2> / (max(||x1||, eps) * max(||x2||, eps)) along ``dim`` (broadcast)."""
    if not (x1.dtype.is_floating_point or x2.dtype.is_floating_point):
        common = x1.dtype if x1.dtype.itemsize >= x2.dtype.itemsize else x2.dtype
        raise RuntimeError(f"cosine_similarity: expected common dtype to be floating point, yet common dtype is "
                           f"{common.scalar_name}")
    x1, x2 = I.broadcast_tensors(x1, x2)  # PyTorch's order: expand, then each over its norm, then the sum
    n1, n2 = (R.vector_norm(x, 2, dim, keepdim=True) for x in (x1, x2))
    # max(norm, eps) in value, the norm's own gradient (PyTorch clamps in place without grad)
    n1, n2 = (T.where(T.lt(n, eps), T.add(n, T.sub(eps, n).detach()), n) for n in (n1, n2))
    return T.sum(T.mul(T.div(x1, n1), T.div(x2, n2)), dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p along the last dim."""
    return R.vector_norm(T.add(T.sub(x1, x2), eps), p, -1, keepdim)


def _rearrange_factor(op, name, input, factor):
    """PyTorch's checks of pixel_shuffle/pixel_unshuffle's arguments (a tensor of >= 3 dims, a positive int)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if not isinstance(factor, int) or isinstance(factor, bool):
        raise TypeError(f"{op}(): argument '{name}' (position 2) must be int, not {type(factor).__name__}")
    if input.ndim < 3:
        raise RuntimeError(f"{op} expects input to have at least 3 dimensions, but got input with {input.ndim} "
                           f"dimension(s)")
    if factor <= 0:
        raise RuntimeError(f"{op} expects a positive {name}, but got {factor}")


def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r): out[..., c, h r + i, w r + j] = in[..., c r^2 + i r + j, h, w]."""
    r = upscale_factor
    _rearrange_factor("pixel_shuffle", "upscale_factor", input, r)
    *batch, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    b = len(batch)
    x = T.reshape(input, (*batch, c // (r * r), r, r, h, w))
    x = T.permute(x, (*range(b), b, b + 3, b + 1, b + 4, b + 2))  # (*, C, H, r, W, r)
    return T.reshape(x, (*batch, c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of ``pixel_shuffle``."""
    r = downscale_factor
    _rearrange_factor("pixel_unshuffle", "downscale_factor", input, r)
    *batch, c, h, w = input.shape
    for axis, size, offset in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise RuntimeError(f"pixel_unshuffle expects {axis} to be divisible by downscale_factor, but "
                               f"input.size({offset})={size} is not divisible by {r}")
    b = len(batch)
    x = T.reshape(input, (*batch, c, h // r, r, w // r, r))
    x = T.permute(x, (*range(b), b, b + 2, b + 4, b + 1, b + 3))  # (*, C, r, r, H, W)
    return T.reshape(x, (*batch, c * r * r, h // r, w // r))
