"""The backward engine: reverse-mode differentiation over the recorded graph.

Nodes are ``Function`` instances (one per op) and leaf tensors. The order is
found iteratively (no recursion, so a chain of 10,000 ops is fine), each node
runs once after all its consumers, and the graph is freed afterwards unless
``retain_graph=True``.
"""
from .function import Function

RETAIN_GRAPH_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


def _topological_order(root):
    """Function nodes reachable from ``root``, each before the nodes it feeds (iterative DFS)."""
    order, visited = [], {id(root)}
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node._freed:
            raise RuntimeError(RETAIN_GRAPH_MSG)
        stack.append((node, True))
        for parent in node.parents:
            if isinstance(parent, Function) and id(parent) not in visited:
                visited.add(id(parent))
                stack.append((parent, False))
    order.reverse()  # post-order reversed: consumers before producers
    return order


def run_backward(roots, retain_graph=False, capture=None):
    """Propagate gradients from ``roots`` = [(tensor, grad_array)].

    Without ``capture``, gradients accumulate into leaves' ``.grad``.
    With ``capture`` (a list of tensors), their gradients are returned instead
    and no ``.grad`` is touched (``autograd.grad``).
    """
    from ..tensor import Tensor

    grads = {}  # id(node) -> gradient array flowing into that node's output
    captured = {}
    capture_ids = {id(t.grad_fn if t.grad_fn is not None else t): t for t in capture} if capture else None
    given_to_leaf = set()

    def deliver(node, g):
        key = id(node)
        if key in grads:
            grads[key] = grads[key] + g
        else:
            grads[key] = g

    def to_leaf(leaf, g):
        if capture_ids is not None:
            if id(leaf) in capture_ids:
                prev = captured.get(id(leaf))
                captured[id(leaf)] = g if prev is None else prev + g
            return
        for hook in leaf._hooks or ():
            new = hook(Tensor._from_op(g, None))
            if new is not None:
                g = new.data
        if leaf.grad is None:
            # .grad owns its array: never a read-only broadcast view, never shared by two leaves
            if id(g) in given_to_leaf or not g.flags.owndata:
                g = g.copy()
            given_to_leaf.add(id(g))
            leaf.grad = Tensor._from_op(g, None)
        else:
            leaf.grad.data = leaf.grad.data + g

    nodes = []
    for tensor, g in roots:
        if tensor.grad_fn is None:
            to_leaf(tensor, g)
        else:
            deliver(tensor.grad_fn, g)
            nodes.append(tensor.grad_fn)
    if not nodes:
        return captured

    order = _topological_order(nodes[0]) if len(nodes) == 1 else _merge_orders(nodes)

    for node in order:
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if node._hooks:
            for hook in node._hooks:
                new = hook(Tensor._from_op(g, None))
                if new is not None:
                    g = new.data
        if node._retained is not None:
            t = node._retained()
            if t is not None:
                t.grad = Tensor._from_op(g if t.grad is None else t.grad.data + g, None)
        if capture_ids is not None and id(node) in capture_ids:
            captured[id(node)] = g
        node._check_versions()
        input_grads = node.backward(g)
        if not isinstance(input_grads, (tuple, list)):
            input_grads = (input_grads,)
        for parent, ig in zip(node.parents, input_grads):
            if parent is None or ig is None:
                continue
            if isinstance(parent, Function):
                deliver(parent, ig)
            else:
                to_leaf(parent, ig)
        if not retain_graph:
            node._release()
    return captured


def _merge_orders(roots):
    """One topological order for several roots (autograd.grad with many outputs)."""
    join = Function()
    join.parents = list(roots)
    order = _topological_order(join)
    return [n for n in order if n is not join]

