"""Imports run one way: the layering rule of ``minitorch_cnn/__init__.py``, checked on the source.

Every ``import`` statement of every module of the package is read with ``ast``, at module level
and inside functions alike, and resolved to the module it loads. Importing ``a.b.c`` also runs
the ``__init__`` of the packages ``a.b`` (that is how a cycle through a package's ``__init__``
happens), so those count as imports too. The test fails on

* an import cycle (a set of modules that import each other, directly or through others), and
* an upward import: a module importing a module of a higher layer than its own.

Within one layer, imports may go either way as long as they form no cycle.
"""
import ast
import functools
import pathlib

import pytest

PACKAGE = "minitorch_cnn"
ROOT = pathlib.Path(__file__).resolve().parents[1] / PACKAGE

# The layers, bottom first: a module belongs to the layer of the longest prefix that names it.
# The package itself (``minitorch_cnn/__init__.py``, the torch-like namespace) sits above the
# library and below the command-line tool.
LAYERS = [
    ("backend, dtypes", ["backend", "dtypes", "layout", "_threads", "_tuning", "random", "printing", "safe_pickle",
                         "cuda.kernels", "backends"]),
    ("tensor", ["tensor", "cuda", "accelerator"]),  # (mt.cuda: streams, graphs, memory; reads tensors, holds no op)
    ("autograd", ["autograd"]),
    ("ops", ["ops"]),
    ("functional", ["arguments", "conveniences", "functions", "legacy_tensors", "linalg", "shape_functions", "pointwise_functions", "reduction_functions",
                    "creation"]),
    ("tensor methods", ["tensor_methods", "tensor_methods_math", "tensor_inplace"]),
    ("distributed", ["distributed"]),  # (collectives on tensors: what nn's SyncBatchNorm and DDP call)
    ("nn", ["nn"]),
    ("optim", ["optim"]),
    ("models, utils, serialization", ["models", "utils", "serialization", "torch_pickle", "vision",
                                      "testing"]),
    ("namespace", [""]),  # minitorch_cnn/__init__.py
    ("cli", ["cli", "__main__", "gradcheck_suite"]),
]

# Imports that still break the rule, each to be removed: an upward import, or one that closes a
# cycle. The test fails when one disappears, so the list stays exact. All are deferred imports
# (inside a function) between two modules that import each other.
KNOWN = {}  # (edge: reason) pairs allowed to break the rule; none are


def module_files():
    """{module name: (path, is_package)} for every .py file of the package."""
    modules = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = (PACKAGE,) + path.relative_to(ROOT).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return modules


def imported_modules(name, path, is_package, modules):
    """The package's modules that ``name`` loads: each import statement, anywhere in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            # ``from pkg import sub`` loads the module pkg.sub when there is one
            targets = [f"{source}.{a.name}" if f"{source}.{a.name}" in modules else source for a in node.names]
        for target in targets:
            if target != PACKAGE and not target.startswith(PACKAGE + "."):
                continue
            if target in modules:  # (a module that does not exist yet is no edge; its packages still are)
                found.add(target)
            # the packages on the way to target run their __init__ too (those above name are running already)
            parts = target.split(".")
            for i in range(2, len(parts)):
                package = ".".join(parts[:i])
                if not (name == package or name.startswith(package + ".")):
                    found.add(package)
    found.discard(name)
    return found


@functools.lru_cache(maxsize=None)
def _cached_graph():
    modules = module_files()
    return {name: frozenset(imported_modules(name, path, is_package, modules))
            for name, (path, is_package) in modules.items()}


def import_graph():
    """{module: the package's modules it imports}, read from the source files."""
    return {name: set(targets) for name, targets in _cached_graph().items()}


def layer_of(name):
    """(index, layer name) of a module: the layer of its longest matching prefix."""
    relative = name[len(PACKAGE) + 1:] if name != PACKAGE else ""
    if "." not in relative and relative.endswith("_functions"):  # the public functions, one file per family
        relative = "functions"
    best = None
    for index, (layer, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if relative == prefix or (prefix and relative.startswith(prefix + ".")):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), index, layer)
    return None if best is None else best[1:]


def cycles(graph):
    """The strongly connected components with more than one module (Tarjan's algorithm, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def upward_edges(graph):
    """(importer, imported) pairs that go up a layer (modules without a layer fail their own test)."""
    layer = {name: layer_of(name) for name in graph}
    return {(a, b) for a, targets in graph.items() for b in targets
            if layer[a] is not None and layer[b] is not None and layer[b][0] > layer[a][0]}


def test_every_module_has_a_layer():
    missing = sorted(name for name in import_graph() if layer_of(name) is None)
    assert not missing, f"modules outside the layering rule (add them to LAYERS): {missing}"


def without_known(graph):
    return {name: targets - {b for a, b in KNOWN if a == name} for name, targets in graph.items()}


def test_the_import_graph_has_no_cycle():
    """No cycle, once the known imports (the only ones allowed to close one) are left out."""
    found = cycles(without_known(import_graph()))
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_no_module_imports_from_a_layer_above_its_own():
    graph = import_graph()
    new = sorted(upward_edges(graph) - set(KNOWN))
    assert not new, "upward imports:\n" + "\n".join(f"{a} ({layer_of(a)[1]}) -> {b} ({layer_of(b)[1]})" for a, b in new)


def test_the_list_of_known_imports_is_exact():
    """Each known import still exists and still breaks the rule (goes up, or closes a cycle)."""
    graph = import_graph()
    in_cycles = {(a, b) for c in cycles(graph) for a in c for b in graph[a] if b in c}
    fine = sorted(edge for edge in KNOWN if edge not in upward_edges(graph) | in_cycles)
    assert not fine, f"these imports are gone or no longer break the rule: remove them from KNOWN: {fine}"


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": set(), "c": {"b"}}, []),
])
def test_the_cycle_finder_finds_cycles_and_only_cycles(graph, expected):
    assert cycles(graph) == expected


def test_the_import_reader_sees_deferred_imports_and_package_inits():
    graph = import_graph()
    # ops.kernel imports the CUDA registry inside the function: it is an import of the registry, and
    # of the mt.cuda package whose __init__ runs on the way
    assert {f"{PACKAGE}.cuda.kernels", f"{PACKAGE}.cuda"} <= graph[f"{PACKAGE}.ops"]
