"""``Function``: one differentiable op, its forward and backward on raw arrays.

A subclass implements::

    forward(self, *arrays) -> array       # raw numpy/cupy arrays in, one array out
    backward(self, grad_out) -> grads     # one gradient (or None) per forward input

Non-array settings (dims, stride, ...) are given to the constructor:
``Sum(dims=(1,), keepdim=False)(x)``. ``forward`` keeps for ``backward`` only what
it needs, with ``save_for_backward``; tensors saved that way are checked for
in-place modification (their version counter) when backward runs.

PyTorch's own custom-function style works too (Lecture 8's ``MyReLU``): static
``forward(ctx, *tensors)`` / ``backward(ctx, grad)`` on Tensors, called as
``MyReLU.apply(x)``; see ``Function.apply``.
"""
import re

import numpy as np

from ..backend import is_array
from ..dtypes import from_numpy_dtype
from ..tensor import Tensor, _check_same_device_and_dtype
from .grad_mode import _GradMode, no_grad
from .graph import Node, RemovableHandle, accumulate_grad_node


# (PyTorch's message, raised by the engine and by a backward that reaches a freed node)
RETAIN_GRAPH_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


class Function:
    # Filled in by __call__ when a graph is recorded:
    #   parents: per input, the node its gradient flows to (a Function, a leaf
    #            Tensor, or None when that input needs no gradient)
    #   needs_input_grad: per input, whether backward must compute its gradient
    parents = None
    needs_input_grad = ()
    saved_tensors = ()
    _saved_versions = ()
    _hooks = None
    _retained = None
    _freed = False

    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, grad_out):
        raise NotImplementedError

    def save_for_backward(self, *arrays):
        self.saved_tensors = arrays

    def __call__(self, *inputs):
        """Run ``forward`` on the inputs' arrays; record this node in the graph if a gradient is needed."""
        # one plain loop over the inputs (this is the hot path of every op): their arrays, the
        # tensors among them, and per input the node its gradient flows to (producer, leaf or None)
        arrays, tensors, parents, needs_grad, requires_grad = [], [], [], [], False
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x._data)
                tensors.append(x)
                parents.append((x.grad_fn or x) if x._requires_grad else None)
                needs_grad.append(x._requires_grad)
                requires_grad = requires_grad or x._requires_grad
            else:
                arrays.append(x)
                parents.append(None)
                needs_grad.append(False)
        if len(tensors) > 1:
            _check_same_device_and_dtype(self, tensors)
        if requires_grad and _GradMode.enabled:
            self.parents, self.needs_input_grad = parents, needs_grad  # (forward may read them)
        else:
            requires_grad = False
        out_data = raw_out = self.forward(*arrays)
        if isinstance(out_data, np.generic):  # NumPy reductions over all axes return scalars
            out_data = np.asarray(out_data)
        if not requires_grad:
            self.saved_tensors = ()  # no graph: let go of what forward saved
            return Tensor._from_op(out_data, None)
        out = Tensor._from_op(out_data, self)
        if self.saved_tensors:
            if raw_out is not out_data:  # a saved scalar output is the output's 0-d array from now on
                self.saved_tensors = tuple(out_data if a is raw_out else a for a in self.saved_tensors)
            self._record_saved(inputs, out)
        return out

    def _record_saved(self, inputs, out):
        """Per saved array, where it came from: input ``i``, the output (-1) or forward (None); and, for
        each one that is a tensor's array, that tensor's version counter and its value now, which
        backward checks (counters, not tensors, are kept)."""
        sources, versions = [], []
        out_data = out._data
        for k, array in enumerate(self.saved_tensors):
            if array is out_data:
                sources.append(-1)
                versions.append((out._version, out._version[0], k, -1))
                continue
            for i, x in enumerate(inputs):
                if isinstance(x, Tensor) and x._data is array:
                    sources.append(i)
                    versions.append((x._version, x._version[0], k, i))
                    break
            else:
                sources.append(None)
        self._saved_sources, self._saved_versions = sources, versions

    def _check_versions(self):
        for counter, value, k, source in self._saved_versions:
            if counter[0] != value:
                array = self.saved_tensors[k]
                producer = self if source == -1 else self.parents[source]
                which = (f", which is output 0 of {re.sub(r'Backward[0-9]*$', '', producer.name())},"
                         if isinstance(producer, Function) else "")
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: [{_type_name(array.dtype)} {list(array.shape)}]{which} is at version "
                    f"{counter[0]}; expected version {value} instead. Hint: it was changed in place (add_, "
                    f"mul_, relu_, an optimizer step, ...) after the forward pass saved it; change it after "
                    f"backward, or use the out-of-place op."
                )

    # ----------------------------------------------------------- create_graph=True
    # True for an op whose ``backward`` is written so that, given Tensors (the incoming gradient and
    # the saved inputs/outputs), it is built from differentiable ops: then create_graph=True records
    # it and it can be differentiated again. Arrays that forward saved and that are neither an input
    # nor the output stay constants, so such an op may save only piecewise-constant things (masks,
    # indices) besides its inputs and output.
    differentiable_backward = False
    _saved_sources = ()

    def _saved_as_tensors(self):
        """The saved arrays as Tensors wired into the graph: an input as the tensor it was (its
        gradient flows on to the input's producer), the output with this node as its grad_fn."""
        saved = []
        for array, source in zip(self.saved_tensors, self._saved_sources):
            if source is None:
                saved.append(array)
            elif source == -1:
                saved.append(Tensor._from_op(array, self))
            else:
                parent = self.parents[source]
                saved.append(parent if isinstance(parent, Tensor) else Tensor._from_op(array, parent))
        return tuple(saved)

    # An op whose Jacobian J does not depend on its input (shape ops, pooling's routing, masks fixed
    # by forward) may define ``jvp(v) = J v`` on arrays instead: its backward v -> J^T v is then
    # recorded as a linear node whose own backward is J, and so on for any order (``_LinearMap``).
    jvp = None

    def _backward_with_graph(self, g):
        """create_graph=True: this node's input gradients as Tensors, their computation recorded."""
        if self.jvp is not None:
            return (_LinearMap(self, transpose=True)(g),)
        if not self.differentiable_backward:
            return self._backward_without_graph(g)
        arrays = self.saved_tensors
        self.saved_tensors = self._saved_as_tensors()
        try:
            grads = self.backward(g)
        finally:
            self.saved_tensors = arrays
        if not isinstance(grads, (tuple, list)):
            grads = (grads,)
        return tuple(x if x is None or isinstance(x, Tensor) else Tensor._from_op(x, None) for x in grads)

    def _backward_without_graph(self, g):
        """An op whose second derivative is not implemented: its first derivative, exact, whose graph
        node raises (naming the op) if a later backward reaches it."""
        with no_grad():
            grads = self.backward(g._data)
        if not isinstance(grads, (tuple, list)):
            grads = (grads,)
        sources = [g.grad_fn or g if g.requires_grad else None, *self.parents]
        differentiable = any(s is not None for s in sources)
        result = []
        for x in grads:
            if x is None:
                result.append(None)
            elif not differentiable:
                result.append(Tensor._from_op(x, None))
            else:
                node = _DoubleBackwardNotImplemented(self.name())
                node.parents, node.needs_input_grad = sources, [s is not None for s in sources]
                result.append(Tensor._from_op(x, node))
        return tuple(result)

    @classmethod
    def apply(cls, *inputs):
        """PyTorch-style use: ``forward(ctx, *inputs)`` and ``backward(ctx, grad)`` are static methods
        working on Tensors, with ``ctx.save_for_backward(*tensors)`` / ``ctx.saved_tensors``."""
        return _CustomFunctionNode(cls)(*inputs)

    def _release(self):
        """Free what backward held: saved arrays and the links to the rest of the graph."""
        self.saved_tensors = ()
        self.parents = None
        self._freed = True

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"

    # ----------------------------------------------------------- graph introspection (PyTorch's Node API)
    # PyTorch's name of this op's backward node (``AddmmBackward0``); an op whose name depends on its
    # arguments sets ``self.node_name`` per instance
    node_name = None
    # True for an op whose output can share its input's memory (reshape, permute, basic indexing):
    # in-place ops on such a view of a graph tensor are refused (``Tensor._check_inplace``)
    is_view = False

    def name(self):
        """The backward node's name as PyTorch prints it: ``MulBackward0``."""
        return self.node_name or f"{type(self).__name__}Backward0"

    @property
    def next_functions(self):
        """Per input, ``(node, 0)``: the node its gradient flows to (``AccumulateGrad`` for a leaf,
        ``None`` for an input that needs no gradient)."""
        if self.parents is None:
            return ()
        return tuple((accumulate_grad_node(p) if isinstance(p, Tensor) else p, 0) for p in self.parents)

    @property
    def metadata(self):
        """A dict for the user's own annotations of this node (PyTorch's ``Node.metadata``)."""
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    _metadata = None
    _pre_hooks = None
    _post_hooks = None

    def register_prehook(self, hook):
        """``hook(grad_outputs) -> tuple or None`` runs before this node's backward; it may replace the
        incoming gradients (a one-element tuple here: every op has one output)."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(hook)
        return RemovableHandle(self._pre_hooks, hook)

    def register_hook(self, hook):
        """``hook(grad_inputs, grad_outputs) -> tuple or None`` runs after this node's backward; it may
        replace the gradients it computed for its inputs."""
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(hook)
        return RemovableHandle(self._post_hooks, hook)


class _LinearMap(Function):
    """v -> J^T v (``transpose``) or v -> J v, for an op whose Jacobian J does not depend on its input.

    Each map is the other's backward, so the op's gradients of every order are these two maps on
    arrays (the op's ``backward`` and ``jvp``), recorded when the gradient is a Tensor.
    """

    differentiable_backward = True

    def __init__(self, op, transpose, label=None):
        self.op, self.transpose = op, transpose
        self.label = label or op.name().replace("Backward", "BackwardBackward", 1)

    def name(self):
        return self.label

    def forward(self, v):
        if self.op._freed:
            raise RuntimeError(RETAIN_GRAPH_MSG)
        if self.transpose:
            grads = self.op.backward(v)
            return grads[0] if isinstance(grads, (tuple, list)) else grads
        return self.op.jvp(v)

    def backward(self, g):
        # the adjoint of a linear map: J^T for J, J for J^T
        adjoint = _LinearMap(self.op, not self.transpose, self.label.replace("Backward", "BackwardBackward", 1))
        return adjoint(g) if isinstance(g, Tensor) else adjoint.forward(g)


class _DoubleBackwardNotImplemented(Function):
    """Stands for the backward of an op without a second derivative; raises when differentiated."""

    def __init__(self, op_name):
        self.op_name = op_name

    def name(self):
        return f"{self.op_name}DoubleBackwardNotImplemented"

    def backward(self, g):
        raise RuntimeError(
            f"the derivative of {self.op_name} is not implemented for create_graph=True: minitorch_cnn "
            f"cannot differentiate {self.op_name}'s backward again (second-order gradients through this op "
            "are not supported)"
        )


def _type_name(dtype):
    """PyTorch's legacy type name of a dtype, as its error messages print it: torch.FloatTensor."""
    names = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
             "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
    return f"minitorch_cnn.{names.get(from_numpy_dtype(dtype).name, 'Float')}Tensor"


class FunctionCtx:
    """The ``ctx`` a PyTorch-style custom Function gets: what forward leaves for backward."""

    def __init__(self):
        self.saved_tensors = ()
        self.needs_input_grad = ()

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors


class _CustomFunctionNode(Function):
    """Runs a PyTorch-style Function subclass in the engine: its forward and backward see Tensors."""

    def __init__(self, fn_cls):
        self.fn_cls, self.ctx = fn_cls, FunctionCtx()

    differentiable_backward = True  # when the user's backward is written with tensor ops

    def forward(self, *arrays):
        self.ctx.needs_input_grad = tuple(self.needs_input_grad) or (False,) * len(arrays)
        inputs = [_as_tensor(a) for a in arrays]
        with no_grad():
            out = self.fn_cls.forward(self.ctx, *inputs)
        if not isinstance(out, Tensor):
            raise TypeError(f"{self.fn_cls.__name__}.forward must return a Tensor, got {type(out).__name__}")
        if self.parents is not None:  # (kept for create_graph=True: what ctx may have saved)
            self._inputs, self._out = inputs, out
        return out._data

    def backward(self, grad):
        with no_grad():
            grads = self.fn_cls.backward(self.ctx, Tensor._from_op(grad, None))
        grads = grads if isinstance(grads, tuple) else (grads,)
        return tuple(g._data if isinstance(g, Tensor) else g for g in grads)

    def _backward_with_graph(self, g):
        """create_graph=True: the user's backward, recorded, on the saved tensors wired into the graph
        (an input as the tensor it was, the output with this node as its grad_fn)."""
        wired = {id(self._out): Tensor._from_op(self._out._data, self)}
        for t, parent in zip(self._inputs, self.parents):
            if isinstance(t, Tensor):
                wired[id(t)] = parent if isinstance(parent, Tensor) else Tensor._from_op(t._data, parent)
        saved = self.ctx.saved_tensors
        self.ctx.saved_tensors = tuple(wired.get(id(t), t) for t in saved)
        try:
            grads = self.fn_cls.backward(self.ctx, g)
        finally:
            self.ctx.saved_tensors = saved
        grads = grads if isinstance(grads, tuple) else (grads,)
        return tuple(x if x is None or isinstance(x, Tensor) else Tensor._from_op(x, None) for x in grads)

    def _release(self):
        super()._release()
        self.ctx = self._inputs = self._out = None

    def name(self):
        return f"{self.fn_cls.__name__}Backward"


def _as_tensor(value):
    return Tensor._from_op(value, None) if is_array(value) else value


Node.register(Function)  # (isinstance(t.grad_fn, autograd.graph.Node), as in PyTorch)
