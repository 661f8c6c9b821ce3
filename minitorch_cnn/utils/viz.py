"""``make_dot(output)``: the autograd graph as a Graphviz drawing, with torchviz's API and look.

Lecture 8's computational graph, of a real network::

    y = model(x)
    dot = make_dot(y, params=dict(model.named_parameters()))
    dot.render("graph", format="png")      # needs the Graphviz ``dot`` program
    print(dot.source)                      # the DOT text, always

Nodes are the backward nodes, named as PyTorch names them (``ConvolutionBackward0``, ``AddBackward0``,
``CatBackward0``, ...); an edge runs from each node to the node that consumes its gradient's producer,
in the forward direction as torchviz draws it. Leaves (parameters, inputs that require grad) are light
blue boxes labelled with their name in ``params`` and their shape, each feeding its ``AccumulateGrad``
node; the output is a green box with its shape.

``make_dot`` returns a ``graphviz.Digraph`` when the ``graphviz`` package is installed
(``pip install graphviz``), else a ``DotGraph`` with the same ``.source``, ``.save()`` and ``.render()``.
Turning the DOT text into a picture needs the Graphviz program itself:
``apt-get install graphviz`` (Debian/Ubuntu), ``brew install graphviz`` (macOS), ``conda install
graphviz``, or https://graphviz.org/download/ -- or paste ``.source`` into any online DOT viewer.
"""
import re

from ..tensor import Tensor

GRAPHVIZ_INSTALL_HINT = (
    "rendering needs the Graphviz 'dot' program: apt-get install graphviz (Debian/Ubuntu), "
    "brew install graphviz (macOS), conda install graphviz, or https://graphviz.org/download/; "
    "and the Python package for the Digraph object: pip install graphviz")
NODE_ATTR = dict(style="filled", shape="box", align="left", fontsize="10", ranksep="0.1", height="0.2",
                 fontname="monospace")
# attributes of a backward node that are bookkeeping of the autograd engine, not the op's settings
_ENGINE_ATTRS = {"parents", "needs_input_grad", "saved_tensors", "metadata"}


# ------------------------------------------------------------------ the DOT text without graphviz
_ID = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*|-?(\.[0-9]+|[0-9]+(\.[0-9]*)?))$")
_KEYWORDS = {"node", "edge", "graph", "digraph", "subgraph", "strict"}


def _quote(text):
    """A DOT identifier: bare when it is a plain name or number, else double-quoted."""
    text = str(text)
    if _ID.match(text) and text.lower() not in _KEYWORDS:
        return text
    return '"' + re.sub(r'(?<!\\)"', r'\"', text) + '"'


def _attr_list(label=None, attrs=None):
    items = [f"label={_quote(label)}"] if label is not None else []
    items += [f"{_quote(k)}={_quote(v)}" for k, v in sorted((attrs or {}).items()) if v is not None]
    return " ".join(items)


class DotGraph:
    """The part of ``graphviz.Digraph`` that ``make_dot`` uses, writing the same DOT text.

    ``source`` is the text, ``save(filename)`` writes it; ``render`` needs the ``graphviz`` package and
    the Graphviz program, and says how to install them.
    """

    def __init__(self, node_attr=None, graph_attr=None):
        self.node_attr = dict(node_attr or {})
        self.graph_attr = dict(graph_attr or {})
        self.body = []

    def node(self, name, label=None, **attrs):
        self.body.append(f"\t{_quote(name)} [{_attr_list(label, attrs)}]\n")

    def edge(self, tail_name, head_name, **attrs):
        attr_text = _attr_list(None, attrs)
        self.body.append(f"\t{_quote(tail_name)} -> {_quote(head_name)}" + (f" [{attr_text}]" if attr_text else "")
                         + "\n")

    @property
    def source(self):
        head = ["digraph {\n"]
        if self.graph_attr:
            head.append(f"\tgraph [{_attr_list(None, self.graph_attr)}]\n")
        if self.node_attr:
            head.append(f"\tnode [{_attr_list(None, self.node_attr)}]\n")
        return "".join(head + self.body) + "}\n"

    def save(self, filename):
        with open(filename, "w") as f:
            f.write(self.source)
        return filename

    def render(self, *args, **kwargs):
        raise RuntimeError(f"DotGraph.render: the graphviz package is not installed; {GRAPHVIZ_INSTALL_HINT}. "
                           "The DOT text is in .source")

    def __str__(self):
        return self.source


def _digraph(node_attr, graph_attr):
    try:
        from graphviz import Digraph
    except ImportError:
        return DotGraph(node_attr=node_attr, graph_attr=graph_attr)
    return Digraph(node_attr=node_attr, graph_attr=graph_attr)


# ------------------------------------------------------------------ the graph
def _size_to_str(shape):
    return "(" + ", ".join(str(int(v)) for v in shape) + ")"


def _is_accumulate_grad(fn):
    return type(fn).__name__ == "AccumulateGrad"


def node_name(fn):
    """PyTorch's name of a backward node (``AccumulateGrad`` for a leaf's node, as torchviz shows it)."""
    return "AccumulateGrad" if _is_accumulate_grad(fn) else fn.name()


def node_attrs(fn):
    """The op's settings stored on its node (stride, padding, dims ...), by name; saved arrays marked."""
    attrs = {k: "[saved tensor]" if getattr(v, "ndim", 0) else v for k, v in sorted(vars(fn).items())
             if not k.startswith("_") and k not in _ENGINE_ATTRS and not callable(v)}
    if getattr(fn, "saved_tensors", ()):
        attrs["saved_tensors"] = "[saved tensors]"
    return attrs


def _fn_label(fn, show_attrs, max_attr_chars):
    """torchviz's node label: the name, and with ``show_attrs`` a two-column table of the settings."""
    name = node_name(fn)
    if not show_attrs or _is_accumulate_grad(fn):
        return name
    attrs = node_attrs(fn)
    if not attrs:
        return name
    max_attr_chars = max(max_attr_chars, 3)
    col1 = max(len(k) for k in attrs)
    col2 = min(max(len(str(v)) for v in attrs.values()), max_attr_chars)
    sep = "-" * max(col1 + col2 + 2, len(name))

    def truncate(s):
        return s[:col2 - 3] + "..." if len(s) > col2 else s

    rows = "\n".join(f"{k:<{col1}}: {truncate(str(v)).replace(chr(10), ' '):>{col2}}" for k, v in attrs.items())
    return f"{name}\n{sep}\n{rows}"


def _resize_graph(dot, size_per_element=0.15, min_size=12):
    """Scale the drawing with the number of DOT statements (torchviz's rule)."""
    size = max(min_size, len(dot.body) * size_per_element)
    dot.graph_attr.update(size=f"{size},{size}")


def make_dot(var, params=None, show_attrs=False, show_saved=False, max_attr_chars=50):
    """The backward graph of ``var`` (a tensor, or a tuple of tensors) as a Digraph (torchviz's ``make_dot``).

    params:     {name: tensor} to label the leaves, e.g. ``dict(model.named_parameters())``.
    show_attrs: list each node's op settings (stride, padding, dims ...) under its name.
    show_saved: draw the arrays each node saved for backward as orange boxes with their shapes.
    """
    if params is not None:
        for k, v in params.items():
            if not isinstance(v, Tensor):
                raise TypeError(f"make_dot: params[{k!r}] must be a Tensor, got {type(v).__name__}")
        param_map = {id(v): k for k, v in params.items()}
    else:
        param_map = {}
    dot = _digraph(dict(NODE_ATTR), dict(size="12,12"))
    seen = set()

    def var_label(t, name=None):
        if not name:
            name = param_map.get(id(t), "")
        return f"{name}\n {_size_to_str(t.shape)}"

    def enter(fn):
        """Draw one node (its leaf and saved arrays too) the first time it is reached."""
        seen.add(id(fn))
        if show_saved and not _is_accumulate_grad(fn):
            for i, array in enumerate(getattr(fn, "saved_tensors", ()) or ()):
                if array is None or not hasattr(array, "shape"):
                    continue
                seen.add(id(array))
                dot.edge(str(id(fn)), str(id(array)), dir="none")
                dot.node(str(id(array)), f"saved_tensors[{i}]\n {_size_to_str(array.shape)}", fillcolor="orange")
        if _is_accumulate_grad(fn):
            leaf = fn.variable
            seen.add(id(leaf))
            dot.node(str(id(leaf)), var_label(leaf), fillcolor="lightblue")
            dot.edge(str(id(leaf)), str(id(fn)))
        dot.node(str(id(fn)), _fn_label(fn, show_attrs, max_attr_chars))

    def add_nodes(root):
        """torchviz's depth-first walk (edge to an input, then that input's subgraph), with an explicit
        stack: a deep network's graph would exceed Python's recursion limit."""
        if id(root) in seen:
            return
        enter(root)
        stack = [(root, iter(root.next_functions))]
        while stack:
            fn, inputs = stack[-1]
            u = next(inputs, None)
            if u is None:
                stack.pop()
                continue
            if u[0] is None:
                continue
            dot.edge(str(id(u[0])), str(id(fn)))
            if id(u[0]) not in seen:
                enter(u[0])
                stack.append((u[0], iter(u[0].next_functions)))

    def add_base_tensor(t, color="darkolivegreen1"):
        if id(t) in seen:
            return
        seen.add(id(t))
        dot.node(str(id(t)), var_label(t), fillcolor=color)
        if t.grad_fn is not None:
            add_nodes(t.grad_fn)
            dot.edge(str(id(t.grad_fn)), str(id(t)))

    for t in (var if isinstance(var, tuple) else (var,)):
        add_base_tensor(t)
    _resize_graph(dot)
    return dot


# ------------------------------------------------------------------ reading a graph back
_EDGE = re.compile(r"^\t(\S+) -> (\S+)")
_NODE = re.compile(r'^\t(\S+) \[label=("(?:[^"\\]|\\.)*"|[^\s\]]+)', re.MULTILINE)


def dot_edges(source):
    """(tail label, head label) of every edge in DOT text made by ``make_dot``: the first line of each
    label (a parameter's name; empty for an unnamed tensor).

    A small reader for tests and notebooks: which node feeds which, by name, without the ids.
    """
    labels = {}
    for match in _NODE.finditer(source):
        text = match.group(2).strip('"')
        labels[match.group(1)] = text.split("\n")[0]
    edges = []
    for line in source.splitlines():
        m = _EDGE.match("\t" + line.lstrip("\t"))
        if m:
            edges.append((labels.get(m.group(1), m.group(1)), labels.get(m.group(2), m.group(2))))
    return edges
