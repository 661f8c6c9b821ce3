"""``Conv2d``: 2-D convolution (cross-correlation) over (N, C_in, H, W) -> (N, C_out, H_out, W_out)."""
import math

from ... import creation
from ...ops.im2col import pair
from ...tensor import Size
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module


def _check_groups(in_channels, out_channels, groups):
    """PyTorch's checks of every conv layer: a positive ``groups`` that divides both channel counts."""
    if groups <= 0:
        raise ValueError("groups must be a positive integer")
    if in_channels % groups != 0:
        raise ValueError("in_channels must be divisible by groups")
    if out_channels % groups != 0:
        raise ValueError("out_channels must be divisible by groups")


def _add_weight_and_bias(module, weight_shape, bias, device, dtype):
    """``module.weight`` of ``weight_shape``, ``module.bias`` (out_channels,) or None, then the layer's init."""
    module.weight = Parameter(creation.empty(*weight_shape, device=device, dtype=dtype))
    if bias:
        module.bias = Parameter(creation.empty(module.out_channels, device=device, dtype=dtype))
    else:
        module.register_parameter("bias", None)
    module.reset_parameters()

class Conv2d(Module):
    """``out[n, o] = bias[o] + sum_c weight[o, c] * input[n, g(o) * C_in/groups + c]`` (cross-correlation).

    ``weight``: (out_channels, in_channels // groups, kH, kW); ``bias``: (out_channels,). Both start
    as PyTorch's: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels / groups * kH * kW.
    ``padding`` is an int, a pair, 'valid' (none) or 'same' (output size = input size, stride 1).
    ``padding_mode`` 'zeros' pads inside the conv; 'reflect', 'replicate' and 'circular' pad with
    ``F.pad`` first.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        _check_groups(in_channels, out_channels, groups)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in pair(stride)):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError("padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = pair(kernel_size)
        self.stride = pair(stride)
        self.padding = padding if isinstance(padding, str) else pair(padding)
        self.dilation = pair(dilation)
        self.groups = groups
        self.padding_mode = padding_mode
        self._reversed_padding_repeated_twice = self._pad_amounts()
        _add_weight_and_bias(self, (out_channels, in_channels // groups, *self.kernel_size), bias, device, dtype)

    def _pad_amounts(self):
        """F.pad's (left, right, top, bottom) for the non-'zeros' padding modes ('same' splits k-1 as PyTorch)."""
        if self.padding == "valid":
            return (0, 0, 0, 0)
        if self.padding == "same":
            amounts = []
            for d, k in zip(reversed(self.dilation), reversed(self.kernel_size)):
                total = d * (k - 1)
                amounts += [total // 2, total - total // 2]
            return tuple(amounts)
        ph, pw = self.padding
        return (pw, pw, ph, ph)

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return F.conv2d(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(Module):
    """1-D cross-correlation of (N, C_in, L) or (C_in, L): ``weight`` (out_channels, in_channels // groups,
    kernel_size) and ``bias`` (out_channels,), initialised as PyTorch's (U(-1/sqrt(fan_in), 1/sqrt(fan_in)))."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        _check_groups(in_channels, out_channels, groups)
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError("padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but got "
                             f"padding_mode='{padding_mode}'")
        one = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,)  # noqa: E731
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride, self.dilation = one(kernel_size), one(stride), one(dilation)
        self.padding = padding if isinstance(padding, str) else one(padding)
        self.padding_mode = padding_mode
        _add_weight_and_bias(self, (out_channels, in_channels // groups, self.kernel_size[0]), bias, device,
                             dtype)

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        if self.padding_mode != "zeros":
            p = self.padding[0]
            padded = F.pad(input, (p, p), mode=self.padding_mode)
            return F.conv1d(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return F.conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,):
            s += f", padding={self.padding}"
        if self.dilation != (1,):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _ConvTransposeNd(Module):
    """Transposed convolution over ``spatial`` axes (the input gradient of the Conv with the same arguments).

    ``weight``: (in_channels, out_channels // groups, *kernel_size); ``bias``: (out_channels,). Both start
    as PyTorch's: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = out_channels / groups * prod(kernel_size)
    (weight dim 1 times the kernel, as for every weight). ``forward(input, output_size)`` picks the
    output_padding that gives that size, as PyTorch.
    """

    spatial = 2
    _functional = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        _check_groups(in_channels, out_channels, groups)
        many = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,) * self.spatial  # noqa: E731
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride, self.padding = many(kernel_size), many(stride), many(padding)
        self.dilation, self.output_padding = many(dilation), many(output_padding)
        self.transposed, self.padding_mode = True, padding_mode
        _add_weight_and_bias(self, (in_channels, out_channels // groups, *self.kernel_size), bias, device, dtype)

    reset_parameters = Conv2d.reset_parameters

    def _output_padding(self, input, output_size, stride, padding, kernel_size, num_spatial_dims, dilation=None):
        """``self.output_padding``, or the one that makes the output ``output_size`` (PyTorch's checks and words)."""
        if output_size is None:
            return self.output_padding
        non_spatial = 2 if input.dim() == num_spatial_dims + 2 else 1
        if len(output_size) == non_spatial + num_spatial_dims:
            output_size = output_size[non_spatial:]
        if len(output_size) != num_spatial_dims:
            raise ValueError(f"ConvTranspose{num_spatial_dims}D: for {input.dim()}D input, output_size must have "
                             f"{num_spatial_dims} or {non_spatial + num_spatial_dims} elements (got "
                             f"{len(output_size)})")
        dilation = dilation or (1,) * num_spatial_dims
        min_sizes = [(input.shape[d + non_spatial] - 1) * stride[d] - 2 * padding[d]
                     + dilation[d] * (kernel_size[d] - 1) + 1 for d in range(num_spatial_dims)]
        max_sizes = [m + s - 1 for m, s in zip(min_sizes, stride)]
        for size, low, high in zip(output_size, min_sizes, max_sizes):
            if size < low or size > high:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes range from {min_sizes} "
                                 f"to {max_sizes} (for an input of {Size(input.shape[non_spatial:])})")
        return tuple(size - low for size, low in zip(output_size, min_sizes))

    def forward(self, input, output_size=None):
        output_padding = self._output_padding(input, output_size, self.stride, self.padding, self.kernel_size,
                                              self.spatial, self.dilation)
        return self._functional(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                self.groups, self.dilation)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution of (N, C_in, H, W) or (C_in, H, W):
    H_out = (H - 1)*stride - 2*padding + dilation*(kernel_size - 1) + output_padding + 1."""

    spatial = 2
    _functional = staticmethod(F.conv_transpose2d)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution of (N, C_in, L) or (C_in, L)."""

    spatial = 1
    _functional = staticmethod(F.conv_transpose1d)
