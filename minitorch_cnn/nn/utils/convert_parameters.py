"""Flatten parameters into one vector and back (for line searches, second-order methods, weight averaging)."""
from ...functions import cat
from ...tensor import Tensor


def parameters_to_vector(parameters):
    """One 1-D tensor holding every parameter, flattened, in order."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Give each parameter its slice of ``vec`` (shared memory, as in PyTorch), in order."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected minitorch_cnn Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for param in parameters:
        n = param.numel()
        param._data = vec._data[pointer:pointer + n].reshape(param.shape)
        pointer += n
