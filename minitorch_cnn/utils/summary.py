"""``summary(model, input_size)``: torchinfo's layer table, plus the receptive field of every layer.

The call, the columns, the layout and the totals are torchinfo's (``torchinfo.summary``, MIT licence),
so a table printed here reads like one printed beside PyTorch::

    mt.utils.summary(mt.models.resnet20(), input_size=(1, 3, 32, 32),
                     col_names=("output_size", "num_params", "mult_adds", "receptive_field"))

One forward pass with hooks on every sub-module records, in call order, each call's input and output
shapes, the parameters of the module, and its multiply-adds. The totals follow torchinfo's rules:

* ``Total params``: the parameters of the layers that ran (a head unused in eval mode is not counted);
* ``Total mult-adds``: per leaf layer, its parameter count (bias included) times the output positions
  one weight is used at (a conv: N * H_out * W_out; any other layer: N);
* ``Forward/backward pass size``: the outputs of the leaf layers with parameters, twice (the output
  and its gradient); sizes are decimal MB (1 MB = 10^6 bytes), as torchinfo prints them.

Beyond torchinfo: the ``receptive_field`` column (see ``receptive_field.py``), and ``total_macs``, the
multiply-accumulates of conv and linear layers without their biases -- the figure torchvision's "GFLOPS"
column reports (resnet50: 4.09 G at 1x3x224x224). ``rows`` lists every module call as a ``LayerRow``.
"""
import math
import sys
from dataclasses import dataclass

import numpy as np

from .. import nn
from ..autograd import enable_grad, no_grad
from ..creation import zeros
from ..tensor import Tensor
from .receptive_field import ReceptiveFieldTracker

COLUMN_NAMES = ("input_size", "output_size", "num_params", "params_percent", "kernel_size", "mult_adds",
                "trainable", "receptive_field")
HEADER_TITLES = {
    "kernel_size": "Kernel Shape",
    "input_size": "Input Shape",
    "output_size": "Output Shape",
    "num_params": "Param #",
    "params_percent": "Param %",
    "mult_adds": "Mult-Adds",
    "trainable": "Trainable",
    "receptive_field": "Receptive Field",
}
ROW_SETTINGS = ("depth", "var_names", "ascii_only", "hide_recursive_layers")
DEFAULT_COLUMN_NAMES = ("output_size", "num_params")
DEFAULT_ROW_SETTINGS = ("depth",)
REQUIRES_INPUT = {"input_size", "output_size", "mult_adds", "receptive_field"}
MODES = ("train", "eval")

_cached_forward_pass = {}  # model class name -> summary list, for cache_forward_pass=True


@dataclass
class LayerRow:
    """One module call: dotted ``name``, class ``type``, nesting ``depth`` (0 for the model's children),
    ``output_shape`` (a list of shapes for modules returning several tensors), ``num_params`` it owns
    (counted at its first call only), ``macs`` (conv / linear, without bias) and ``output_bytes``."""

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
    """The tensors in a module's output (a tensor, or a tuple/list/namedtuple/dict holding tensors or None)."""
    if isinstance(output, Tensor):
        return [output]
    if isinstance(output, (tuple, list)):
        return [t for item in output for t in _tensors(item)]
    if isinstance(output, dict):
        return [t for item in output.values() for t in _tensors(item)]
    return []


def nested_list_size(inputs):
    """(shape, bytes per element) of the first tensor in nested ``inputs``; ([], 0) when there is none."""
    if isinstance(inputs, (Tensor, np.ndarray)):
        return list(inputs.shape), inputs.itemsize if isinstance(inputs, np.ndarray) else inputs.element_size()
    if isinstance(inputs, dict):
        return nested_list_size(list(inputs.values()))
    if isinstance(inputs, (list, tuple)) and inputs:
        return nested_list_size(inputs[0])
    return [], 0


def prod(sizes):
    result = 1
    for item in sizes:
        result *= prod(item) if isinstance(item, (list, tuple)) else item
    return result


class LayerInfo:
    """torchinfo's record of one module call: shapes, parameter counts and multiply-adds, plus the
    dotted ``name`` and this call's ``receptive_field`` (a ``Field`` or None)."""

    def __init__(self, var_name, module, depth, parent_info=None, name=""):
        self.layer_id = id(module)
        self.module = module
        self.class_name = type(module).__name__
        self.inner_layers = {}  # parameter name -> {column: text}, the rows verbose=2 adds
        self.depth = depth
        self.depth_index = None
        self.children = []
        self.executed = False
        self.parent_info = parent_info
        self.var_name = var_name
        self.name = name
        self.is_leaf_layer = not any(True for _ in module.children())
        self.is_recursive = False
        self.input_size = []
        self.output_size = []
        self.kernel_size = self.get_kernel_size(module)
        self.trainable_params = 0
        self.num_params = 0
        self.param_bytes = 0
        self.output_bytes = 0
        self.macs = 0
        self.receptive_field = None
        # the hand-written summary's figures (see LayerRow)
        self.own_params = 0
        self.conv_linear_macs = 0
        self.output_shape = None
        self.all_output_bytes = 0

    def __repr__(self):
        return f"{self.class_name}: {self.depth}"

    @property
    def trainable(self):
        """"True" / "False" / "Partial" by how many parameters require grad; "--" without parameters."""
        if self.num_params == 0:
            return "--"
        if self.trainable_params == 0:
            return "False"
        return "True" if self.num_params == self.trainable_params else "Partial"

    @staticmethod
    def calculate_size(inputs, batch_dim):
        """The shape of ``inputs`` (a tensor, or the first tensor of a sequence / the last of a dict) and
        the bytes of one element."""
        if inputs is None:
            return [], 0
        if isinstance(inputs, dict):
            size, elem_bytes = nested_list_size(list(inputs.values())[-1])
            if batch_dim is not None:
                size = [size[:batch_dim] + [1] + size[batch_dim + 1:]]
            return size, elem_bytes
        if isinstance(inputs, (Tensor, np.ndarray)):
            return nested_list_size(inputs)
        if isinstance(inputs, (list, tuple)):
            size, elem_bytes = nested_list_size(inputs)
            if batch_dim is not None and batch_dim < len(size):
                size[batch_dim] = 1
            return size, elem_bytes
        raise TypeError(f"Model contains a layer with an unsupported input or output type: {inputs}, "
                        f"type: {type(inputs)}")

    @staticmethod
    def get_param_count(module, name, param):
        """A pruned ``name_orig`` parameter counts the ones of its ``name_mask`` buffer."""
        if name.endswith("_orig"):
            mask = _rgetattr(module, f"{name[:-5]}_mask")
            if mask is not None:
                return int(mask.sum().item()), name[:-5]
        return param.numel(), name

    @staticmethod
    def get_kernel_size(module):
        k = getattr(module, "kernel_size", None)
        if k is None:
            return None
        return list(k) if isinstance(k, (tuple, list)) else int(k)

    def get_layer_name(self, show_var_name, show_depth):
        layer_name = self.class_name
        if show_var_name and self.var_name:
            layer_name += f" ({self.var_name})"
        if show_depth and self.depth > 0:
            layer_name += f": {self.depth}"
            if self.depth_index is not None:
                layer_name += f"-{self.depth_index}"
        return layer_name

    def calculate_num_params(self):
        """Parameter counts (recursive), their bytes, and the per-parameter rows of verbose=2."""
        self.num_params = self.param_bytes = self.trainable_params = 0
        self.inner_layers = {}
        final_name = ""
        for name, param in self.module.named_parameters():
            count, name = self.get_param_count(self.module, name, param)
            self.param_bytes += param.element_size() * count
            self.num_params += count
            if param.requires_grad:
                self.trainable_params += count
            shape = list(param.shape)
            if name == "weight" and len(shape) > 1:
                shape[0], shape[1] = shape[1], shape[0]  # shown as [in, out, kh, kw]
            if self.parent_info is not None or "." not in name:
                self.inner_layers[name] = {"kernel_size": str(shape), "num_params": f"├─{count:,}"}
                final_name = name
        if self.inner_layers:
            last = self.inner_layers[final_name]
            last["num_params"] = f"└─{last['num_params'][2:]}"

    def calculate_macs(self):
        """torchinfo's multiply-adds for the whole batch: a conv's weight and bias are each used at every
        output position of every sample (N * H_out * W_out); any other parameter once per sample (N)."""
        for name, param in self.module.named_parameters():
            count, name = self.get_param_count(self.module, name, param)
            if name in ("weight", "bias"):
                if "Conv" in self.class_name:
                    self.macs += int(count * prod(self.output_size[:1] + self.output_size[2:]))
                else:
                    self.macs += self.output_size[0] * count
            elif "weight" in name or "bias" in name:
                self.macs += prod(self.output_size[:2]) * count

    def check_recursive(self, layer_ids):
        """A module already listed (called again, or shared) is marked recursive: not counted twice."""
        if self.layer_id in layer_ids:
            self.is_recursive = True

    def macs_to_str(self, reached_max_depth):
        if self.macs <= 0:
            return "--"
        if self.is_leaf_layer:
            return f"{self.macs:,}"
        if reached_max_depth:
            return f"{sum(child.macs for child in self.children if child.is_leaf_layer):,}"
        return "--"

    def num_params_to_str(self, reached_max_depth):
        if self.num_params == 0:
            return "--"
        if self.is_recursive:
            return "(recursive)"
        if reached_max_depth or self.is_leaf_layer:
            text = f"{self.num_params:,}"
            return text if self.trainable_params else f"({text})"
        leftover = self.leftover_params()
        return f"{leftover:,}" if leftover > 0 else "--"

    def params_percent(self, total_params, reached_max_depth, precision=2):
        spacing = 5
        zero = f"{' ' * spacing}--"
        if total_params == 0:
            return zero
        if self.is_recursive:
            return "(recursive)"
        params = self.num_params if reached_max_depth or self.is_leaf_layer else self.leftover_params()
        if params == 0:
            return zero
        return f"{params / total_params:>{precision + spacing}.{precision}%}"

    def receptive_field_to_str(self):
        return str(self.receptive_field) if self.receptive_field is not None else "--"

    def leftover_params(self):
        """The parameters a container owns itself, not through its listed children."""
        return self.num_params - sum(child.num_params if child.is_leaf_layer else child.leftover_params()
                                     for child in self.children if not child.is_recursive)

    def leftover_trainable_params(self):
        return self.trainable_params - sum(
            child.trainable_params if child.is_leaf_layer else child.leftover_trainable_params()
            for child in self.children if not child.is_recursive)


def _rgetattr(module, attr):
    for part in attr.split("."):
        if not hasattr(module, part):
            return None
        module = getattr(module, part)
    return module


def get_children_layers(summary_list, index):
    """The rows nested under row ``index`` (those after it that are deeper)."""
    end = index + 1
    while end < len(summary_list) and summary_list[end].depth > summary_list[index].depth:
        end += 1
    return summary_list[index + 1:end]


class FormattingOptions:
    """Column choice, widths and row style of the table (torchinfo's)."""

    def __init__(self, max_depth, verbose, col_names, col_width, row_settings):
        self.max_depth = max_depth
        self.verbose = verbose
        self.col_names = col_names
        self.col_width = col_width
        self.row_settings = row_settings
        self.layer_name_width = 40
        self.ascii_only = "ascii_only" in row_settings
        self.show_var_name = "var_names" in row_settings
        self.show_depth = "depth" in row_settings
        self.hide_recursive_layers = "hide_recursive_layers" in row_settings

    @staticmethod
    def str_(val):
        return str(val) if val else "--"

    def get_start_str(self, depth):
        if depth == 0:
            return ""
        if depth == 1:
            return "+ " if self.ascii_only else "├─"
        return ("|    " if self.ascii_only else "│    ") * (depth - 1) + ("+ " if self.ascii_only else "└─")

    def set_layer_name_width(self, summary_list, align_val=5):
        """Widen the name column to the longest row, rounded up to a multiple of ``align_val``."""
        max_length = 0
        for info in summary_list:
            title = info.get_layer_name(self.show_var_name, self.show_depth)
            max_length = max(max_length, len(title) + info.depth * align_val + 1)
        if max_length >= self.layer_name_width:
            self.layer_name_width = math.ceil(max_length / align_val) * align_val

    def get_total_width(self):
        return len(self.col_names) * self.col_width + self.layer_name_width

    def format_row(self, layer_name, row_values):
        line = f"{layer_name:<{self.layer_name_width}} "
        for column in self.col_names:
            line += f"{row_values.get(column, ''):<{self.col_width}} "
        return line.rstrip() + "\n"

    def header_row(self):
        layer_header = (" (var_name)" if self.show_var_name else "") + (":depth-idx" if self.show_depth else "")
        return self.format_row(f"Layer (type{layer_header})", HEADER_TITLES)

    def layer_info_to_row(self, info, reached_max_depth, total_params):
        values = {
            "kernel_size": self.str_(info.kernel_size),
            "input_size": self.str_(info.input_size),
            "output_size": self.str_(info.output_size),
            "num_params": info.num_params_to_str(reached_max_depth),
            "params_percent": info.params_percent(total_params, reached_max_depth),
            "mult_adds": info.macs_to_str(reached_max_depth),
            "trainable": self.str_(info.trainable),
            "receptive_field": info.receptive_field_to_str(),
        }
        name = info.get_layer_name(self.show_var_name, self.show_depth)
        line = self.format_row(f"{self.get_start_str(info.depth)}{name}", values)
        if self.verbose == 2:
            for inner_name, inner_values in info.inner_layers.items():
                line += self.format_row(f"{self.get_start_str(info.depth + 1)}{inner_name}", inner_values)
        return line

    def layers_to_str(self, summary_list, total_params):
        text = ""
        for info in summary_list:
            if info.depth > self.max_depth or (self.hide_recursive_layers and info.is_recursive):
                continue
            text += self.layer_info_to_row(info, info.depth == self.max_depth, total_params)
        return text


class ModelStatistics:
    """What ``summary`` returns; ``str()`` / ``repr()`` is the table.

    torchinfo's attributes: ``summary_list`` (LayerInfo per module call), ``total_params``,
    ``trainable_params``, ``total_mult_adds``, ``total_input``, ``total_output_bytes`` (forward and
    backward), ``total_param_bytes`` (bytes). The hand-written summary's: ``rows`` (LayerRow),
    ``total_macs`` (conv / linear without bias), ``input_bytes``, ``activation_bytes`` (the outputs of
    all leaf layers of one forward pass), ``param_bytes`` (all parameters), ``total_bytes``.
    """

    def __init__(self, summary_list, input_size, total_input_size, formatting, model=None):
        self.summary_list = summary_list
        self.input_size = input_size
        self.formatting = formatting
        self.total_input = total_input_size
        self.total_mult_adds = 0
        self.total_params = self.trainable_params = 0
        self.total_param_bytes = self.total_output_bytes = 0
        for info in summary_list:
            if info.is_leaf_layer:
                self.total_mult_adds += info.macs
                if info.num_params > 0:
                    self.total_output_bytes += info.output_bytes * 2  # the output and its gradient
                if info.is_recursive:
                    continue
                self.total_params += max(info.num_params, 0)
                self.total_param_bytes += info.param_bytes
                self.trainable_params += max(info.trainable_params, 0)
            elif not info.is_recursive:
                self.total_params += max(info.leftover_params(), 0)
                self.trainable_params += max(info.leftover_trainable_params(), 0)
        self.formatting.set_layer_name_width(summary_list)

        executed = [info for info in summary_list if info.executed and info.depth > 0]
        self.rows = [LayerRow(info.name, info.class_name, info.depth - 1, info.output_shape, info.own_params,
                              info.conv_linear_macs, info.all_output_bytes, info.is_leaf_layer)
                     for info in executed]
        self.total_macs = sum(row.macs for row in self.rows)
        self.input_bytes = total_input_size
        self.activation_bytes = sum(row.output_bytes for row in self.rows if row.is_leaf)
        params = list(model.parameters()) if model is not None else []
        self.param_bytes = sum(p.numel() * p.element_size() for p in params)
        self.total_bytes = self.input_bytes + self.activation_bytes + self.param_bytes

    def __repr__(self):
        divider = "=" * self.formatting.get_total_width()
        non_trainable = self.total_params - self.trainable_params
        text = (f"{divider}\n{self.formatting.header_row()}{divider}\n"
                f"{self.formatting.layers_to_str(self.summary_list, self.total_params)}{divider}\n"
                f"Total params{self.format_output_num(self.total_params, '')}\n"
                f"Trainable params{self.format_output_num(self.trainable_params, '')}\n"
                f"Non-trainable params{self.format_output_num(non_trainable, '')}\n")
        if self.input_size:
            total = self.total_input + self.total_output_bytes + self.total_param_bytes
            text += (f"Total mult-adds{self.format_output_num(self.total_mult_adds, 'auto')}\n{divider}\n"
                     f"Input size (MB): {self.total_input / 1e6:0.2f}\n"
                     f"Forward/backward pass size (MB): {self.total_output_bytes / 1e6:0.2f}\n"
                     f"Params size (MB): {self.total_param_bytes / 1e6:0.2f}\n"
                     f"Estimated Total Size (MB): {total / 1e6:0.2f}\n")
        return text + divider

    __str__ = __repr__

    @staticmethod
    def to_readable(num, units="auto"):
        """(unit, value): millions, billions or trillions for "auto"; the number itself for ""."""
        if units == "auto":
            if num >= 1e12:
                return "T", num / 1e12
            if num >= 1e9:
                return "G", num / 1e9
            return "M", num / 1e6
        return units, num / {"T": 1e12, "G": 1e9, "M": 1e6, "": 1}[units]

    @staticmethod
    def format_output_num(num, units):
        unit, value = ModelStatistics.to_readable(num, units)
        if value.is_integer():
            value = int(value)
        unit_text = "" if unit == "" else f" ({unit})"
        return f"{unit_text}: {value:,d}" if isinstance(value, int) else f"{unit_text}: {value:,.2f}"


# ------------------------------------------------------------------ the forward pass
def _validate(input_data, input_size, col_names, col_width, verbose):
    if col_width <= 0:
        raise ValueError(f"Column width must be greater than 0: col_width={col_width}")
    if verbose not in (0, 1, 2):
        raise ValueError("Verbose must be either 0 (quiet), 1 (default), or 2 (verbose).")
    if input_data is not None and input_size is not None:
        raise RuntimeError("Only one of (input_data, input_size) should be specified.")
    not_allowed = set(col_names) & REQUIRES_INPUT
    if input_data is None and input_size is None and not_allowed:
        raise ValueError(f"You must pass input_data or input_size in order to use columns: {not_allowed}")


def _flatten(nested):
    for item in nested:
        if isinstance(item, (list, tuple)):
            yield from _flatten(item)
        else:
            yield item


def get_correct_input_sizes(input_size):
    """``input_size`` as a list of shapes: one shape (1, 3, 32, 32) or several for several inputs."""
    if not isinstance(input_size, (list, tuple)):
        raise TypeError("Input_size is not a recognized type. Please ensure input_size is valid.\n"
                        "For multiple inputs to the network, ensure input_size is a list of tuple sizes.")
    if not input_size or any(size <= 0 for size in _flatten(input_size)):
        raise ValueError("Input_data is invalid, or negative size found in input_data.")
    if isinstance(input_size[0], int):
        return [tuple(input_size)]
    return list(input_size)


def _to_device(data, device):
    """``data`` with every tensor in it moved to ``device`` (containers keep their type)."""
    if device is None:
        return data
    if isinstance(data, Tensor):
        return data.to(device)
    if isinstance(data, dict):
        return type(data)((k, _to_device(v, device)) for k, v in data.items())
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(_to_device(v, device) for v in data))
    if isinstance(data, (list, tuple)):
        return type(data)(_to_device(v, device) for v in data)
    return data


def _input_data_sizes(data):
    if isinstance(data, (Tensor, np.ndarray)):
        return list(data.shape)
    if isinstance(data, dict):
        return {k: _input_data_sizes(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_input_data_sizes(v) for v in data]
    return data


def _default_dtype(model):
    """The dtype of the model's first floating-point parameter (float32 without one)."""
    for p in model.parameters():
        if p.is_floating_point():
            return p.dtype
    return None


def process_input(model, input_data, input_size, batch_dim, device, dtypes):
    """The forward pass's arguments (zeros of each ``input_size``, or ``input_data``) and their sizes."""
    x, sizes = None, []
    if input_data is not None:
        sizes = _input_data_sizes(input_data)
        x = _to_device(input_data, device)
        if isinstance(x, (Tensor, np.ndarray)):
            x = [x]
    if input_size is not None:
        sizes = get_correct_input_sizes(input_size)
        if dtypes is None:
            dtypes = [_default_dtype(model)] * len(sizes)
        x = []
        for size, dtype in zip(sizes, dtypes):
            t = zeros(*size, dtype=dtype, device=device)
            x.append(t.unsqueeze(batch_dim) if batch_dim is not None else t)
    return x, sizes


def apply_hooks(model, x, batch_dim, tracker):
    """A LayerInfo per module call, filled by hooks (or, without input, one per module, no forward)."""
    summary_list, layer_ids, open_calls, handles = [], set(), {}, {}
    stack = [(type(model).__name__, "", model, 0, None)]
    while stack:
        var_name, name, module, depth, parent_info = stack.pop()
        template = LayerInfo(var_name, module, depth, parent_info, name)

        def pre_hook(module, args, var_name=var_name, name=name, depth=depth, parent_info=parent_info):
            info = LayerInfo(var_name, module, depth, parent_info, name)
            info.calculate_num_params()
            info.check_recursive(layer_ids)
            if not info.is_recursive:
                info.own_params = sum(p.numel() for p in module.parameters(recurse=False))
            summary_list.append(info)
            layer_ids.add(info.layer_id)
            open_calls.setdefault(id(module), []).append(info)
            if tracker is not None:
                tracker.before(module, args)

        def hook(module, args, output):
            info = open_calls[id(module)].pop()
            info.input_size, _ = info.calculate_size(args, batch_dim)
            info.output_size, elem_bytes = info.calculate_size(output, batch_dim)
            info.output_bytes = elem_bytes * prod(info.output_size)
            tensors = _tensors(output)
            shapes = [list(t.shape) for t in tensors]
            info.output_shape = shapes[0] if isinstance(output, Tensor) else shapes
            info.all_output_bytes = sum(t.numel() * t.element_size() for t in tensors)
            info.conv_linear_macs = layer_macs(module, output)
            info.executed = True
            info.calculate_macs()
            if tracker is not None:
                info.receptive_field = tracker.after(module, output)

        if x is None:
            template.calculate_num_params()
            template.check_recursive(layer_ids)
            summary_list.append(template)
            layer_ids.add(template.layer_id)
        else:
            for handle in handles.get(id(module), ()):  # a module listed twice keeps one pair of hooks
                handle.remove()
            handles[id(module)] = (module.register_forward_pre_hook(pre_hook), module.register_forward_hook(hook))
        children = [(n, m) for n, m in module._modules.items() if m is not None]
        # each LayerInfo made for a call links to its parent's *template*; containers are fixed up below
        stack += [(n, f"{name}.{n}" if name else n, m, depth + 1, template) for n, m in reversed(children)]
    return summary_list, [handle for pair in handles.values() for handle in pair]


def add_missing_container_layers(summary_list):
    """List the containers that were never called themselves (a ModuleList, say) above their layers."""
    layer_ids = {info.layer_id for info in summary_list}
    current = {}
    for idx, info in enumerate(summary_list):
        rel_idx = 0
        hierarchy = {}
        parent = info.parent_info
        while parent is not None and parent.depth > 0:
            hierarchy[parent.depth] = parent
            parent = parent.parent_info
        for d in range(1, info.depth):
            if ((d not in current or current[d].module is not hierarchy[d].module)
                    and hierarchy[d] is not summary_list[idx + rel_idx - 1]):
                hierarchy[d].calculate_num_params()
                hierarchy[d].check_recursive(layer_ids)
                summary_list.insert(idx + rel_idx, hierarchy[d])
                layer_ids.add(hierarchy[d].layer_id)
                current[d] = hierarchy[d]
                rel_idx += 1
        current[info.depth] = info
        d = info.depth + 1
        while d in current:
            current.pop(d)
            d += 1


def set_children_layers(summary_list):
    """Number the rows per depth (the "1-3" of "Conv2d: 1-3") and find each row's children."""
    counts = {}
    for i, info in enumerate(summary_list):
        counts[info.depth] = counts.get(info.depth, 0) + 1
        info.depth_index = counts[info.depth]
        info.children = get_children_layers(summary_list, i)


def forward_pass(model, x, batch_dim, cache_forward_pass, device, mode, receptive_field, **kwargs):
    """Run the model once with hooks on every module; the LayerInfo list, in call order."""
    model_name = type(model).__name__
    if cache_forward_pass and model_name in _cached_forward_pass:
        return _cached_forward_pass[model_name]
    tracker = ReceptiveFieldTracker() if receptive_field and x is not None else None
    summary_list, handles = apply_hooks(model, x, batch_dim, tracker)
    if x is None:
        set_children_layers(summary_list)
        return summary_list
    kwargs = _to_device(kwargs, device)
    modes = [(module, module.training) for module in model.modules()]
    try:
        model.train(mode == "train")
        if device is not None:
            model.to(device)
        if tracker is not None:
            # the receptive fields follow the autograd graph between modules: record it
            x = _with_grad(x)
            tracker.start(x)
        with enable_grad() if tracker is not None else no_grad():
            if isinstance(x, dict):
                model(**x, **kwargs)
            else:
                model(*x, **kwargs)
    except Exception as e:
        executed = [info for info in summary_list if info.executed]
        raise RuntimeError(f"Failed to run summary: {type(e).__name__}: {e}\n"
                           f"Executed layers up to: {executed}") from e
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:  # restore each module's own mode (a frozen BN stays in eval)
            module.training = training
    add_missing_container_layers(summary_list)
    set_children_layers(summary_list)
    if cache_forward_pass:  # kept only on request: the list holds the model's modules alive
        _cached_forward_pass[model_name] = summary_list
    return summary_list


def _with_grad(data):
    """``data`` with each floating-point tensor replaced by a detached copy that requires grad."""
    if isinstance(data, Tensor):
        return data.detach().requires_grad_(True) if data.is_floating_point() else data
    if isinstance(data, dict):
        return {k: _with_grad(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(_with_grad(v) for v in data)
    return data


def clear_cached_forward_pass():
    """Forget the forward passes kept by ``cache_forward_pass=True``."""
    _cached_forward_pass.clear()


def _total_memory(x):
    return sum(t.numel() * t.element_size() if isinstance(t, Tensor) else t.nbytes
               for t in _tensors_and_arrays(x))


def _tensors_and_arrays(data):
    if isinstance(data, (Tensor, np.ndarray)):
        return [data]
    if isinstance(data, dict):
        data = list(data.values())
    if isinstance(data, (list, tuple)):
        return [t for item in data for t in _tensors_and_arrays(item)]
    return []


def summary(model, input_size=None, input_data=None, batch_dim=None, cache_forward_pass=None, col_names=None,
            col_width=25, depth=3, device=None, dtypes=None, mode=None, row_settings=None, verbose=None,
            **kwargs):
    """torchinfo's ``summary``: print (``verbose`` >= 1) and return the model's ``ModelStatistics``.

    model:       the Module; it runs once on zeros of ``input_size`` (one shape, or a list of shapes for
                 several inputs, batch included) or on ``input_data`` (a tensor, a list of positional
                 arguments or a dict of keyword arguments), without autograd. With neither, the table
                 lists the modules and their parameters only.
    col_names:   a subset of COLUMN_NAMES, in the order shown; default ("output_size", "num_params").
                 "receptive_field" is this project's: size and jump of each layer's field in input pixels
                 (the pass then records the autograd graph, to follow additions and concatenations).
    depth:       rows nested deeper than this are hidden (their parameters still count).
    device:      where the model and the input go; default: the device of the model's parameters.
    dtypes:      one dtype per input shape; default: the dtype of the model's parameters.
    mode:        "eval" (default) or "train" while it runs; every module's own mode is restored after.
    row_settings: any of ROW_SETTINGS; default ("depth",).
    verbose:     0 quiet, 1 the table, 2 also a row per weight and bias; default 1 (0 in an interactive
                 prompt, where the returned object prints itself).
    kwargs:      more keyword arguments for ``model.forward``.
    """
    input_given = input_data is not None or input_size is not None
    if col_names is None:
        columns = DEFAULT_COLUMN_NAMES if input_given else ("num_params",)
    else:
        columns = tuple(col_names)
        for name in columns:
            if name not in COLUMN_NAMES:
                raise ValueError(f"'{name}' is not a valid ColumnSettings")
    rows = set(DEFAULT_ROW_SETTINGS if row_settings is None else row_settings)
    for name in rows:
        if name not in ROW_SETTINGS:
            raise ValueError(f"'{name}' is not a valid RowSettings")
    mode = "eval" if mode is None else mode
    if mode not in MODES:
        raise ValueError(f"'{mode}' is not a valid Mode")
    if verbose is None:
        verbose = 0 if getattr(sys, "ps1", None) else 1
    if device is None and input_data is None:
        first = next(iter(model.parameters()), None)
        device = first.device if first is not None else "cpu"
    _validate(input_data, input_size, columns, col_width, verbose)

    x, sizes = process_input(model, input_data, input_size, batch_dim, device, dtypes)
    summary_list = forward_pass(model, x, batch_dim, bool(cache_forward_pass), device, mode,
                                "receptive_field" in columns, **kwargs)
    formatting = FormattingOptions(depth, verbose, columns, col_width, rows)
    results = ModelStatistics(summary_list, sizes, _total_memory(x), formatting, model)
    if verbose > 0:
        print(results)
    return results
