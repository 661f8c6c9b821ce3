"""Receptive fields per layer: how many input pixels one output unit of a layer sees, and its jump.

A unit of a layer sees a ``size`` x ``size`` window of the input image; moving one unit along the layer's
map moves that window by ``jump`` input pixels. Through a layer with kernel ``k``, stride ``s`` and
dilation ``d`` (convolutions and pools)::

    size_out = size_in + (d * (k - 1)) * jump_in        jump_out = jump_in * s

so three stacked 3x3 convs see 3 -> 5 -> 7 pixels, as one 7x7 conv does (Lecture 9's VGG argument).
Layers that work per pixel (batch norm, ReLU, dropout) keep the field; a linear layer sees the whole map
it flattens; a residual addition or a concatenation sees what its widest branch sees (the element-wise
maximum over the branches).

``ReceptiveFieldTracker`` follows a forward pass with module hooks. Each module's output tensor is known
by its autograd node (``grad_fn``); a tensor made by plain functions between modules (``out + identity``,
``cat``, ``flatten``, slicing) is traced back through the autograd graph to the module outputs it was
computed from. A convolution or pool called as a *function* inside a custom ``forward`` is therefore
counted as if it kept the field.
"""
import math
from dataclasses import dataclass

from .. import nn
from ..tensor import Tensor

SPATIAL_LAYERS = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)
ADAPTIVE_POOLS = (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)


@dataclass(frozen=True)
class Field:
    """The receptive field of every unit of one (N, C, H, W) map: ``size`` and ``jump`` as (rows, cols),
    and ``extent``, the map's (H, W) (a linear layer after it sees all of it)."""

    size: tuple
    jump: tuple
    extent: tuple

    def __str__(self):
        return f"{_pair_text(self.size)} (jump {_pair_text(self.jump)})"

    @staticmethod
    def union(fields):
        """What a unit sees that combines several maps element-wise (addition, concatenation): the widest."""
        fields = [f for f in fields if f is not None]
        if not fields:
            return None
        size = tuple(max(f.size[i] for f in fields) for i in range(2))
        jump = tuple(max(f.jump[i] for f in fields) for i in range(2))
        return Field(size, jump, fields[0].extent)


def _pair_text(pair):
    a, b = (int(v) if float(v).is_integer() else round(v, 2) for v in pair)
    return str(a) if a == b else f"{a}x{b}"


def _pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def through_window(field, kernel_size, stride, dilation=1):
    """A window op of ``kernel_size`` / ``stride`` / ``dilation`` (conv, pool): size += d (k - 1) jump, jump *= s."""
    k, s, d = _pair(kernel_size), _pair(stride if stride is not None else kernel_size), _pair(dilation)
    size = tuple(field.size[i] + d[i] * (k[i] - 1) * field.jump[i] for i in range(2))
    jump = tuple(field.jump[i] * s[i] for i in range(2))
    return Field(size, jump, field.extent)


def adaptive_window(in_extent, out_extent):
    """The widest window and the (mean) step of an adaptive pool from ``in_extent`` to ``out_extent`` maps:
    output cell i pools rows floor(i * H / h) .. ceil((i + 1) * H / h)."""
    kernel, stride = [], []
    for H, h in zip(in_extent, out_extent):
        kernel.append(max(math.ceil((i + 1) * H / h) - (i * H) // h for i in range(h)))
        stride.append(H / h)
    return tuple(kernel), tuple(stride)


def _spatial_extent(tensor):
    return tuple(tensor.shape[-2:]) if isinstance(tensor, Tensor) and tensor.dim() == 4 else None


def _tensors(value):
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _tensors(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _tensors(item)]
    return []


def _graph_inputs(node):
    """The autograd nodes (or leaf tensors) a node's gradient flows to."""
    if hasattr(node, "next_functions"):
        return [n for n, _ in node.next_functions if n is not None]
    return [n for n in (getattr(node, "parents", None) or ()) if n is not None]


def _node_key(node):
    """A leaf appears as the tensor itself or as an accumulate-grad node holding it (``.variable``)."""
    return id(getattr(node, "variable", node))


class ReceptiveFieldTracker:
    """Receptive fields of the module outputs of one forward pass (run it with autograd recording).

    ``start(x)`` before the forward names the input; ``before(module, args)`` and
    ``after(module, output)`` are called by the module hooks and return the field of that call's output.
    """

    def __init__(self):
        self.fields = {}  # node key -> Field
        self._alive = []  # keep the keyed objects alive: their ids must stay unique
        self._pending = {}  # module id -> stack of input fields

    def start(self, inputs):
        for x in _tensors(inputs):
            extent = _spatial_extent(x)
            if extent is not None:
                self._remember(x, Field((1, 1), (1, 1), extent))

    def _remember(self, tensor_or_node, field):
        self._alive.append(tensor_or_node)
        self.fields[_node_key(tensor_or_node)] = field

    def field_of(self, tensor):
        """The field of a tensor: from its own node, else the union over the graph inputs of its node."""
        node = tensor.grad_fn if tensor.grad_fn is not None else tensor
        return self._field_of_node(node, {})

    def _field_of_node(self, node, memo):
        """Union of the fields of the known nodes ``node`` is computed from (iterative post-order walk:
        deep networks would overflow Python's recursion)."""
        stack = [(node, False)]
        while stack:
            current, expanded = stack.pop()
            key = _node_key(current)
            if expanded:
                memo[key] = Field.union(self.fields.get(_node_key(p), memo.get(_node_key(p)))
                                        for p in _graph_inputs(current))
            elif key not in self.fields and key not in memo:
                memo[key] = None  # a parameter leaf, or a node not reached from the input, stays None
                stack.append((current, True))
                stack.extend((p, False) for p in _graph_inputs(current))
        key = _node_key(node)
        return self.fields[key] if key in self.fields else memo[key]

    def before(self, module, args):
        field = Field.union(self.field_of(t) for t in _tensors(args))
        self._pending.setdefault(id(module), []).append((field, [_spatial_extent(t) for t in _tensors(args)]))

    def after(self, module, output):
        field, in_extents = self._pending[id(module)].pop()
        outputs = _tensors(output)
        if not outputs:
            return None
        out = outputs[0]
        if not _is_leaf_module(module):
            # a container: its output was computed by the modules inside it (and plain functions)
            field = self.field_of(out)
        elif field is not None:
            field = self.through(module, field, in_extents[0] if in_extents else None, out)
        if field is None:
            return None
        for t in outputs:
            self._remember(t.grad_fn if t.grad_fn is not None else t, field)
        return field

    @staticmethod
    def through(module, field, in_extent, out):
        """The field of ``module``'s output given the field of its input."""
        out_extent = _spatial_extent(out)
        if isinstance(module, SPATIAL_LAYERS):
            field = through_window(field, module.kernel_size, module.stride, getattr(module, "dilation", 1))
        elif isinstance(module, ADAPTIVE_POOLS) and in_extent is not None and out_extent is not None:
            kernel, stride = adaptive_window(in_extent, out_extent)
            field = through_window(field, kernel, stride)
        elif (in_extent is not None and out_extent is not None and in_extent != out_extent
              and not isinstance(module, ADAPTIVE_POOLS)):
            # any other layer that resizes the map (a strided shortcut, an upsampling) scales the jump
            jump = tuple(field.jump[i] * in_extent[i] / out_extent[i] for i in range(2))
            return Field(field.size, jump, out_extent)
        elif isinstance(module, nn.Linear):
            # each output sees every position of the map it flattens: a conv with the map's size
            field = through_window(field, field.extent, field.extent)
            return Field(field.size, field.jump, (1, 1))
        return Field(field.size, field.jump, out_extent or field.extent)


def _is_leaf_module(module):
    return not any(True for _ in module.children())
