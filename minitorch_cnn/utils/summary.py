"""``summary(model, input_size)``: a torchinfo-like table of layers, output shapes, parameters and MACs.

One forward pass with hooks on every sub-module records, in call order, each module's output shape, the
parameters it owns and the multiply-accumulates (MACs) of its conv / linear arithmetic. The MAC count is
what torchvision's "GFLOPS" column reports (resnet50: 4.09 G at 1x3x224x224), so the lecture's tables can
be checked: ``print(mt.utils.summary(mt.models.alexnet()))``.
"""
from dataclasses import dataclass

from .. import nn
from ..autograd import no_grad
from ..creation import zeros
from ..tensor import Tensor


@dataclass
class LayerRow:
    """One module call: dotted ``name``, class ``type``, nesting ``depth``, ``output_shape`` (a list of
    shapes for modules returning several tensors), ``num_params`` it owns (counted at its first call only),
    ``macs`` of this call and ``output_bytes``."""

    name: str
    type: str
    depth: int
    output_shape: object = None
    num_params: int = 0
    macs: int = 0
    output_bytes: int = 0
    is_leaf: bool = True


def layer_macs(module, output):
    """Multiply-accumulates of one conv / linear call: every output element is a dot product of length
    ``weight[0].numel()`` (C_in / groups * kh * kw for a conv, in_features for a linear layer)."""
    if isinstance(module, (nn.Conv2d, nn.Linear)) and isinstance(output, Tensor):
        return output.numel() * (module.weight.numel() // module.weight.shape[0])
    return 0


def _tensors(output):
    """The tensors in a module's output (a tensor, or a tuple/list/namedtuple holding tensors or None)."""
    if isinstance(output, Tensor):
        return [output]
    if isinstance(output, (tuple, list)):
        return [t for item in output for t in _tensors(item)]
    return []


class ModelSummary:
    """What ``summary`` returns: ``rows`` (LayerRow), parameter totals, ``total_macs`` and memory estimates
    in bytes (``input_bytes``, ``activation_bytes`` = outputs of the leaf layers of one forward pass,
    ``param_bytes``, ``total_bytes``). ``str()`` is the table."""

    def __init__(self, model, rows, input_size, input_bytes):
        params = list(model.parameters())
        self.rows = rows
        self.input_size = tuple(input_size)
        self.total_params = sum(p.numel() for p in params)
        self.trainable_params = sum(p.numel() for p in params if p.requires_grad)
        self.total_macs = sum(row.macs for row in rows)
        self.input_bytes = input_bytes
        self.activation_bytes = sum(row.output_bytes for row in rows if row.is_leaf)
        self.param_bytes = sum(p.numel() * p.element_size() for p in params)
        self.total_bytes = self.input_bytes + self.activation_bytes + self.param_bytes

    def __str__(self):
        header = ("Layer (type)", "Output Shape", "Param #", "Mult-Adds")
        lines = [header] + [
            ("  " * row.depth + f"{row.name} ({row.type})", _format_shape(row.output_shape),
             f"{row.num_params:,}" if row.num_params else "--", f"{row.macs:,}" if row.macs else "--")
            for row in self.rows]
        widths = [max(len(line[i]) for line in lines) for i in range(4)]
        rule = "=" * (sum(widths) + 6)

        def fmt(line):
            return f"{line[0]:<{widths[0]}}  {line[1]:<{widths[1]}}  {line[2]:>{widths[2]}}  {line[3]:>{widths[3]}}"

        mb = 1024 ** 2
        unit, scale = ("G", 1e9) if self.total_macs >= 1e9 else ("M", 1e6)
        return "\n".join([
            rule, fmt(header), rule, *map(fmt, lines[1:]), rule,
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.total_params - self.trainable_params:,}",
            f"Total mult-adds ({unit}): {self.total_macs / scale:.2f}",
            rule,
            f"Input size (MB): {self.input_bytes / mb:.2f}",
            f"Forward pass activations (MB): {self.activation_bytes / mb:.2f}",
            f"Params size (MB): {self.param_bytes / mb:.2f}",
            f"Estimated total size (MB): {self.total_bytes / mb:.2f}",
            rule,
        ])

    def __repr__(self):
        return str(self)


def _format_shape(shape):
    if shape is None:
        return "--"
    if shape and isinstance(shape[0], (list, tuple)):
        return ", ".join(_format_shape(s) for s in shape)
    return str(list(shape))


def summary(model, input_size=(1, 3, 224, 224), device=None):
    """Run ``model`` once on zeros of ``input_size`` (in eval mode, without autograd) and tabulate it.

    ``device`` defaults to the device of the model's parameters; the input takes their dtype.
    Returns a ``ModelSummary``; ``print`` it for the table.
    """
    first_param = next(iter(model.parameters()), None)
    if device is None:
        device = first_param.device if first_param is not None else "cpu"
    dtype = first_param.dtype if first_param is not None else None
    x = zeros(*input_size, dtype=dtype, device=device)

    rows, seen, handles = [], set(), []
    open_rows = {}  # module id -> stack of its rows whose forward has not finished (a module may recurse)

    def pre_hook(module, args, name, depth):
        num_params = 0
        if id(module) not in seen:
            seen.add(id(module))
            num_params = sum(p.numel() for p in module.parameters(recurse=False))
        row = LayerRow(name, type(module).__name__, depth, num_params=num_params,
                       is_leaf=not list(module.children()))
        rows.append(row)
        open_rows.setdefault(id(module), []).append(row)

    def hook(module, args, output):
        row = open_rows[id(module)].pop()
        tensors = _tensors(output)
        shapes = [list(t.shape) for t in tensors]
        row.output_shape = shapes[0] if isinstance(output, Tensor) else shapes
        row.output_bytes = sum(t.numel() * t.element_size() for t in tensors)
        row.macs = layer_macs(module, output)

    for name, module in model.named_modules():
        if module is model:
            continue
        depth = name.count(".")
        handles.append(module.register_forward_pre_hook(
            lambda m, a, name=name, depth=depth: pre_hook(m, a, name, depth)))
        handles.append(module.register_forward_hook(hook))

    modes = [(module, module.training) for module in model.modules()]
    try:
        model.eval()
        with no_grad():
            model(x)
    finally:
        for module, training in modes:  # restore each module's own mode (e.g. a frozen BN stays in eval)
            module.training = training
        for handle in handles:
            handle.remove()
    return ModelSummary(model, rows, input_size, x.numel() * x.element_size())
