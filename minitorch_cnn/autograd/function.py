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
import numpy as np

from .grad_mode import _GradMode


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
                arrays.append(x.data)
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
        out_data = self.forward(*arrays)
        if isinstance(out_data, np.generic):  # NumPy reductions over all axes return scalars
            out_data = np.asarray(out_data)
        if not requires_grad:
            self.saved_tensors = ()  # no graph: let go of what forward saved
            return Tensor._from_op(out_data, None)
        out = Tensor._from_op(out_data, self)
        if self.saved_tensors:
            # remember the version of each tensor whose array backward will read (counters, not tensors)
            versions = []
            for t in (*tensors, out):
                for array in self.saved_tensors:
                    if t.data is array:
                        versions.append((t._version, t._version[0], t.data.shape))
                        break
            self._saved_versions = versions
        return out

    def _check_versions(self):
        for counter, value, shape in self._saved_versions:
            if counter[0] != value:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: [{type(self).__name__}, shape {list(shape)}] is at version "
                    f"{counter[0]}; expected version {value} instead. Hint: it was changed in place (add_, "
                    f"mul_, an optimizer step, ...) after the forward pass saved it; change it after backward, "
                    f"or use the out-of-place op."
                )

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
        return f"<{self.name}>"

    @property
    def name(self):
        return f"{type(self).__name__}Backward0"  # PyTorch's spelling: MulBackward0


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

    def forward(self, *arrays):
        self.ctx.needs_input_grad = tuple(self.needs_input_grad) or (False,) * len(arrays)
        with no_grad():
            out = self.fn_cls.forward(self.ctx, *(_as_tensor(a) for a in arrays))
        if not isinstance(out, Tensor):
            raise TypeError(f"{self.fn_cls.__name__}.forward must return a Tensor, got {type(out).__name__}")
        return out.data

    def backward(self, grad):
        with no_grad():
            grads = self.fn_cls.backward(self.ctx, Tensor._from_op(grad, None))
        grads = grads if isinstance(grads, tuple) else (grads,)
        return tuple(g.data if isinstance(g, Tensor) else g for g in grads)

    def _release(self):
        super()._release()
        self.ctx = None

    @property
    def name(self):
        return f"{self.fn_cls.__name__}Backward"


def _as_tensor(value):
    return Tensor._from_op(value, None) if is_array(value) else value


from ..backend import is_array  # noqa: E402
from ..tensor import Tensor, _check_same_device_and_dtype  # noqa: E402  (tensor.py needs Function first)
from .grad_mode import no_grad  # noqa: E402
