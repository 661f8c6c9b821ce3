"""``Function``: one differentiable op, its forward and backward on raw arrays.

A subclass implements::

    forward(self, *arrays) -> array       # raw numpy/cupy arrays in, one array out
    backward(self, grad_out) -> grads     # one gradient (or None) per forward input

Non-array settings (axis, stride, ...) are given to the constructor:
``Sum(axis=1, keepdims=False)(x)``. ``forward`` keeps for ``backward`` only what
it needs, with ``save_for_backward``; tensors saved that way are checked for
in-place modification when backward runs.
"""
import numpy as np

from ..backend import device_of
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
        from ..tensor import Tensor, _check_same_device_and_dtype

        tensors = [x for x in inputs if isinstance(x, Tensor)]
        if len(tensors) > 1:
            _check_same_device_and_dtype(type(self).__name__, tensors)
        raw = [x.data if isinstance(x, Tensor) else x for x in inputs]
        out_data = self.forward(*raw)
        if isinstance(out_data, np.generic):  # NumPy reductions over all axes return scalars
            out_data = np.asarray(out_data)
        requires_grad = _GradMode.enabled and any(t.requires_grad for t in tensors)
        out = Tensor._from_op(out_data, self if requires_grad else None)
        if requires_grad:
            parents = []
            for x in inputs:
                if isinstance(x, Tensor) and x.requires_grad:
                    parents.append(x.grad_fn if x.grad_fn is not None else x)
                else:
                    parents.append(None)
            self.parents = parents
            self.needs_input_grad = [p is not None for p in parents]
            if self.saved_tensors:
                self._record_saved_versions(inputs, out)
        else:
            self.saved_tensors = ()
        return out

    def _record_saved_versions(self, inputs, out):
        """Remember the version of each tensor whose array backward will read."""
        from ..tensor import Tensor

        saved_ids = {id(a) for a in self.saved_tensors}
        versions = []
        for x in list(inputs) + [out]:
            if isinstance(x, Tensor) and id(x.data) in saved_ids:
                versions.append((x._version, x._version[0], x))
        # keep the counters (small lists), not the tensors
        self._saved_versions = [(counter, value, tuple(t.shape)) for counter, value, t in versions]

    def _check_versions(self):
        for counter, value, shape in self._saved_versions:
            if counter[0] != value:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: [{type(self).__name__}, shape {list(shape)}] is at version "
                    f"{counter[0]}; expected version {value} instead."
                )

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

    @staticmethod
    def device_of(array):
        return device_of(array)
