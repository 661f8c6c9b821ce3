"""``Parameter``: a Tensor that a Module registers as learnable when it is assigned as an attribute."""
from ..creation import empty
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor with ``requires_grad=True`` by default (``nn.Parameter(mt.randn(3, 4))``).

    It shares its array (and version counter) with ``data``, as ``torch.nn.Parameter`` does, so
    ``Parameter(t)`` costs no copy. Assigning one to a Module attribute registers it: it then shows
    up in ``parameters()``, ``state_dict()`` and the optimizer.
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = empty(0)
        if isinstance(data, Tensor):
            super().__init__(data.data, requires_grad=requires_grad)
            self._version = data._version
        else:
            super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        """``copy.deepcopy(model)`` copies the values, not the gradient (as PyTorch does)."""
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.data.copy(), self.requires_grad)
        return memo[id(self)]
