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
            super().__init__(data._data, requires_grad=requires_grad)
            self._version = data._version
        else:
            super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        """``copy.deepcopy(model)`` copies the values, not the gradient (as PyTorch does)."""
        if id(self) not in memo:
            memo[id(self)] = type(self)(self._data.copy(), self.requires_grad)
        return memo[id(self)]


_UNINITIALIZED_SHAPE = ("Can't access the shape of an uninitialized parameter or buffer. This error usually happens "
                        "in `load_state_dict` when trying to load an uninitialized parameter into an initialized one. "
                        "Call `forward` to initialize the parameters before accessing their attributes.")


class _UninitializedMixin:
    """A placeholder tensor without a shape yet (a lazy module's weight before its first forward).

    ``materialize(shape)`` gives it an array and turns it into ``cls_to_become`` in place, so every
    holder of the object (the module, an optimizer built before the first forward) sees the real one.
    Until then its shape is unknown and asking for it raises, as in PyTorch.
    """

    __slots__ = ()  # (so that a buffer keeps Tensor's memory layout and can become one)
    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        """Allocate the array (uninitialised values, as ``torch.empty``) and become ``cls_to_become``."""
        from ..backend import as_device

        device = as_device(device) if device is not None else self.device
        dtype = dtype if dtype is not None else self.dtype
        self._data = empty(*tuple(shape), device=device, dtype=dtype)._data
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(_UNINITIALIZED_SHAPE)

    def size(self, dim=None):
        raise RuntimeError(_UNINITIALIZED_SHAPE)

    def numel(self):
        raise RuntimeError(_UNINITIALIZED_SHAPE)

    def dim(self):
        raise RuntimeError(_UNINITIALIZED_SHAPE)

    def __repr__(self):
        return f"<{type(self).__name__}>"

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, device=self.device, dtype=self.dtype)
        return memo[id(self)]


class UninitializedParameter(_UninitializedMixin, Parameter):
    """A ``Parameter`` whose shape is not known yet; ``materialize(shape)`` makes it a ``Parameter``."""

    cls_to_become = Parameter

    def __init__(self, requires_grad=True, device=None, dtype=None):
        super().__init__(empty(0, device=device, dtype=dtype), requires_grad=requires_grad)


class UninitializedBuffer(_UninitializedMixin, Tensor):
    """A buffer whose shape is not known yet; ``materialize(shape)`` makes it a plain ``Tensor``."""

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad=False, device=None, dtype=None):
        super().__init__(empty(0, device=device, dtype=dtype)._data, requires_grad=requires_grad)


def is_lazy(param):
    """True for an ``UninitializedParameter`` / ``UninitializedBuffer`` (torch.nn.parameter.is_lazy)."""
    return isinstance(param, _UninitializedMixin)
