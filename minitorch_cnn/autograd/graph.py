"""The graph's introspection objects: ``AccumulateGrad`` nodes for leaves, removable hook handles.

``loss.grad_fn.next_functions`` walks the recorded graph the way PyTorch's does: each
op's node lists, per input, the node its gradient flows to, and a leaf tensor that
requires grad appears as its ``AccumulateGrad`` node (``.variable`` is the leaf).
"""
import abc
import weakref


class RemovableHandle:
    """What ``register_*hook`` returns: ``handle.remove()`` takes the hook out again."""

    def __init__(self, hooks, hook):
        self.hooks, self.hook = hooks, hook

    def remove(self):
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class AccumulateGrad:
    """The node that adds a gradient into a leaf's ``.grad`` (one per leaf, kept while the leaf lives).

    ``register_prehook(hook(grad_outputs))`` runs before the gradient is accumulated (it may return a
    replacement tuple); ``register_hook(hook(grad_inputs, grad_outputs))`` runs after it, with
    ``grad_inputs == ()`` as in PyTorch.
    """

    next_functions = ()

    def __init__(self, variable):
        key = id(variable)
        self._variable = weakref.ref(variable, lambda _ref: _ACCUMULATE_NODES.pop(key, None))
        self._pre_hooks, self._post_hooks = [], []
        self._post_acc_hooks = []  # Tensor.register_post_accumulate_grad_hook: hook(leaf)
        self.metadata = {}

    @property
    def variable(self):
        return self._variable()

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def register_prehook(self, hook):
        self._pre_hooks.append(hook)
        return RemovableHandle(self._pre_hooks, hook)

    def register_hook(self, hook):
        self._post_hooks.append(hook)
        return RemovableHandle(self._post_hooks, hook)

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"


# id(leaf) -> its AccumulateGrad node (dropped when the leaf dies); the engine looks here only
# while it is non-empty. Keyed by id: a tensor's == is elementwise, so it cannot be a dict key.
_ACCUMULATE_NODES = {}


def accumulate_grad_node(leaf):
    """The leaf's ``AccumulateGrad`` node, the same object every time it is asked for."""
    node = _ACCUMULATE_NODES.get(id(leaf))
    if node is None or node.variable is not leaf:
        node = _ACCUMULATE_NODES[id(leaf)] = AccumulateGrad(leaf)
    return node


class Node(abc.ABC):
    """``isinstance(t.grad_fn, mt.autograd.graph.Node)``: every backward node is one (PyTorch's ``Node``).

    The node classes register themselves: AccumulateGrad below, Function in function.py.
    """


Node.register(AccumulateGrad)
