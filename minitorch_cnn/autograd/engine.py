"""The backward engine: reverse-mode differentiation over the recorded graph.

Nodes are ``Function`` instances (one per op) and leaf tensors. The order is
found iteratively (no recursion, so a chain of 10,000 ops is fine), each node
runs once after all its consumers, and the graph is freed afterwards unless
``retain_graph=True``.

Two modes share this one loop. First-order (the default) passes raw arrays
between nodes: no Tensor is made per gradient, which keeps training fast. With
``create_graph=True`` the gradients are Tensors and every node's backward runs
with grad mode on, so the backward pass is itself recorded as a graph that can
be differentiated again (``Function._backward_with_graph``).

Hooks, in the order PyTorch runs them for a node: the tensor hooks of its output
(``Tensor.register_hook``), ``retain_grad``, the node's pre-hooks, its backward, its
post-hooks. For a leaf: tensor hooks, its ``AccumulateGrad`` pre-hooks, the
accumulation into ``.grad``, ``register_post_accumulate_grad_hook`` hooks, the
``AccumulateGrad`` post-hooks. Callbacks queued during a backward run once at its end.
"""
import threading

import numpy as np

from ..tensor import Tensor
from .function import RETAIN_GRAPH_MSG, Function
from .graph import _ACCUMULATE_NODES
from .grad_mode import _GradMode


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


# ----------------------------------------------------------------- end-of-backward callbacks
_local = threading.local()  # .queues: one list of callbacks per backward running in this thread


def queue_callback(callback):
    """Run ``callback()`` once, when the backward pass now running has finished (PyTorch's
    ``Variable._execution_engine.queue_callback``)."""
    queues = getattr(_local, "queues", None)
    if not queues:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    queues[-1].append(callback)


def _run_callbacks(queue):
    """Callbacks in the order queued; one queued by a callback runs in the same pass."""
    while queue:
        queue.pop(0)()


# ----------------------------------------------------------------- gradients: arrays or Tensors
def _as_tensor(g):
    """A gradient as hooks see it: a Tensor (the same one in create_graph mode)."""
    return g if isinstance(g, Tensor) else Tensor._from_op(g, None)


def _apply_hooks(hooks, g):
    """Each hook sees the gradient as a Tensor and may return a replacement."""
    graph = isinstance(g, Tensor)
    for hook in list(hooks):
        new = hook(_as_tensor(g))
        if new is not None:
            g = new if graph else new._data
    return g


def _apply_node_prehooks(node, g):
    for hook in list(node._pre_hooks):
        new = hook((_as_tensor(g),))
        if new is not None:
            g = new[0] if isinstance(g, Tensor) else new[0]._data
    return g


def _apply_node_posthooks(node, input_grads, g):
    graph = isinstance(g, Tensor)
    for hook in list(node._post_hooks):
        new = hook(tuple(None if ig is None else _as_tensor(ig) for ig in input_grads), (_as_tensor(g),))
        if new is not None:
            input_grads = tuple(None if ig is None else (ig if graph else ig._data) for ig in new)
    return input_grads


def _fresh(g, given):
    """``g`` as a gradient a ``.grad`` may own: a copy when another ``.grad`` (or the caller) holds it."""
    if isinstance(g, Tensor):  # create_graph: a recorded copy (its gradient flows back to g)
        if id(g) in given or not g._data.flags.owndata:
            g = g.clone()
        given.add(id(g))
        return g
    if isinstance(g, np.generic):  # a 0-d result of NumPy arithmetic is a scalar: a .grad holds an array
        g = np.asarray(g)
    elif id(g) in given or not g.flags.owndata:  # never a read-only broadcast view, never shared
        g = g.copy()
    given.add(id(g))
    return Tensor._from_op(g, None)


def run_backward(roots, retain_graph=False, capture=None, create_graph=False):
    """Propagate gradients from ``roots`` = [(tensor, gradient)].

    Gradients are arrays, or Tensors when ``create_graph`` (then the backward pass is
    recorded). Without ``capture``, gradients accumulate into leaves' ``.grad``. With
    ``capture`` (a list of tensors), their gradients are returned instead, keyed by id of
    the tensor's node (its grad_fn, or the leaf itself), and no ``.grad`` is touched
    (``autograd.grad``).
    """
    try:
        queues = _local.queues
    except AttributeError:
        queues = _local.queues = []
    queue = []
    queues.append(queue)
    create_graph = bool(create_graph)
    prev_mode = _GradMode.enabled
    _GradMode.enabled = create_graph
    try:
        captured = _propagate(roots, retain_graph, capture, create_graph)
        _GradMode.enabled = prev_mode
        if queue:
            _run_callbacks(queue)
    finally:
        _GradMode.enabled = prev_mode
        queues.pop()
    return captured


def _propagate(roots, retain_graph, capture, create_graph):
    grads = {}  # id(node) -> gradient flowing into that node's output
    captured = {}
    capture_ids = {id(t.grad_fn if t.grad_fn is not None else t) for t in capture} if capture else None
    # gradients a .grad must not hold without a copy: one already given to a leaf, the caller's root gradients
    given_to_leaf = {id(g) for _, g in roots}
    # whether a leaf needs more than "accumulate an array into .grad" (hooks are checked per leaf)
    plain_leaves = capture_ids is None and not create_graph and not _ACCUMULATE_NODES

    def to_leaf(leaf, g):
        if capture_ids is not None:
            if id(leaf) in capture_ids:
                if leaf._hooks:
                    g = _apply_hooks(leaf._hooks, g)
                prev = captured.get(id(leaf))
                captured[id(leaf)] = g if prev is None else prev + g
            return
        if leaf._hooks:
            g = _apply_hooks(leaf._hooks, g)
        acc = _ACCUMULATE_NODES.get(id(leaf)) if _ACCUMULATE_NODES else None
        if acc is not None and acc._pre_hooks:
            g = _apply_node_prehooks(acc, g)
        if leaf._grad is None:
            leaf._grad = _fresh(g, given_to_leaf)
        elif create_graph:  # out of place, so the sum is recorded too
            leaf._grad = leaf._grad + g
        else:
            leaf._grad._data = leaf._grad._data + g
        if acc is not None:
            for hook in list(acc._post_acc_hooks):
                hook(leaf)
            for hook in list(acc._post_hooks):
                hook((), (leaf._grad,))

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
        if node._hooks or node._retained is not None or node._pre_hooks or capture_ids is not None:
            g = _before_node(node, g, given_to_leaf, capture_ids, captured)
        if node._saved_versions:
            node._check_versions()
        input_grads = node._backward_with_graph(g) if create_graph else node.backward(g)
        if not isinstance(input_grads, (tuple, list)):
            input_grads = (input_grads,)
        if node._post_hooks:
            input_grads = _apply_node_posthooks(node, input_grads, g)
        for parent, ig in zip(node.parents, input_grads):
            if parent is None or ig is None:
                continue
            if isinstance(parent, Function):
                key = id(parent)
                prev = grads.get(key)
                grads[key] = ig if prev is None else prev + ig
            elif not plain_leaves or parent._hooks:
                to_leaf(parent, ig)
            elif parent._grad is not None:  # (the common cases, inline: accumulate an array)
                parent._grad._data = parent._grad._data + ig
            elif type(ig) is np.ndarray and ig.flags.owndata and id(ig) not in given_to_leaf:
                given_to_leaf.add(id(ig))  # an array nobody else holds becomes the .grad
                parent._grad = Tensor._from_op(ig, None)
            else:
                parent._grad = _fresh(ig, given_to_leaf)
        if not retain_graph:
            node._release()
    return captured


def _before_node(node, g, given_to_leaf, capture_ids, captured):
    """What runs before a node's backward, when it has any: its output's tensor hooks and
    ``retain_grad``, its pre-hooks, the capture of its gradient for ``autograd.grad``."""
    if node._hooks:
        g = _apply_hooks(node._hooks, g)
    if node._retained is not None and node._retained() is not None:  # retain_grad() on its output
        t = node._retained()
        if t._grad is None:
            t._grad = _fresh(g, given_to_leaf)  # a leaf reached by the same gradient must copy it
        else:
            t._grad = t._grad + g if isinstance(g, Tensor) else Tensor._from_op(t._grad._data + g, None)
    if node._pre_hooks:
        g = _apply_node_prehooks(node, g)
    if capture_ids is not None and id(node) in capture_ids:
        captured[id(node)] = g
    return g
