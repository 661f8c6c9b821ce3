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


def _topological_order(roots):
    """Function nodes reachable from ``roots``, each before the nodes it feeds (iterative DFS).

    A node is finished (appended) only after all its parents are; reversing
    that post-order puts every consumer before its producers.
    """
    order, visited = [], set()
    stack = [(root, False) for root in roots]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:  # reached again by another path, already finished
            continue
        if node._freed:
            raise RuntimeError(RETAIN_GRAPH_MSG)
        visited.add(id(node))
        stack.append((node, True))
        for parent in node.parents:
            if isinstance(parent, Function) and id(parent) not in visited:
                stack.append((parent, False))
    order.reverse()
    return order


def _apply_hooks(hooks, g):
    """Each hook sees the gradient as a Tensor and may return a replacement."""
    for hook in hooks:
        new = hook(Tensor._from_op(g, None))
        if new is not None:
            g = new.data
    return g


def run_backward(roots, retain_graph=False, capture=None):
    """Propagate gradients from ``roots`` = [(tensor, grad_array)].

    Without ``capture``, gradients accumulate into leaves' ``.grad``.
    With ``capture`` (a list of tensors), their gradients are returned instead,
    keyed by id of the tensor's node (its grad_fn, or the leaf itself), and no
    ``.grad`` is touched (``autograd.grad``).
    """
    grads = {}  # id(node) -> gradient array flowing into that node's output
    captured = {}
    capture_ids = {id(t.grad_fn if t.grad_fn is not None else t) for t in capture} if capture else None
    # arrays a .grad must not hold without a copy: one already given to a leaf, the caller's root gradients
    given_to_leaf = {id(g) for _, g in roots}

    def to_leaf(leaf, g):
        if capture_ids is not None:
            if id(leaf) in capture_ids:
                prev = captured.get(id(leaf))
                captured[id(leaf)] = g if prev is None else prev + g
            return
        if leaf._hooks:
            g = _apply_hooks(leaf._hooks, g)
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
        node = tensor.grad_fn
        if node is None:
            to_leaf(tensor, g)
        else:
            grads[id(node)] = grads[id(node)] + g if id(node) in grads else g
            nodes.append(node)

    for node in _topological_order(nodes) if nodes else ():
        g = grads.pop(id(node), None)
        if g is None:  # nothing flows here (e.g. a branch that only feeds unused outputs)
            continue
        if node._hooks:
            g = _apply_hooks(node._hooks, g)
        if node._retained is not None and node._retained() is not None:  # retain_grad() on its output
            t = node._retained()
            if t.grad is None:
                fresh = g.copy() if id(g) in given_to_leaf else g
                given_to_leaf.add(id(fresh))  # a leaf reached by the same array must copy it
                t.grad = Tensor._from_op(fresh, None)
            else:
                t.grad = Tensor._from_op(t.grad.data + g, None)
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
                key = id(parent)
                grads[key] = grads[key] + ig if key in grads else ig
            else:
                to_leaf(parent, ig)
        if not retain_graph:
            node._release()
    return captured


from ..tensor import Tensor  # noqa: E402  (circular: tensor.py imports autograd)
