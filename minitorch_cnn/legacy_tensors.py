"""PyTorch's legacy tensor types: ``mt.FloatTensor(2, 3)``, ``mt.LongTensor([1, 2])``.

The 2017 slides build tensors with them (``torch.FloatTensor(N, D)``,
``x.type(torch.FloatTensor)``); PyTorch still accepts them. Each is a constructor
(sizes -> an uninitialised tensor, data -> a copy in that dtype) and a type for
``isinstance``: a CPU tensor of that dtype is an instance, as in PyTorch.
"""
from . import dtypes
from .creation import empty, tensor
from .tensor import Size, Tensor


class _LegacyTensorType(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype and obj.device.type == "cpu"

    def __repr__(cls):
        return f"<class 'minitorch_cnn.{cls.__name__}'>"


class _LegacyTensor(metaclass=_LegacyTensorType):
    dtype = None

    def __new__(cls, *args, device=None):
        if len(args) == 1 and isinstance(args[0], Size):
            args = tuple(args[0])
        if not args:
            return empty(0, dtype=cls.dtype, device=device)
        if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            return empty(*args, dtype=cls.dtype, device=device)  # sizes
        if len(args) == 1:
            data = args[0]
            if isinstance(data, Tensor):
                return data.to(cls.dtype)
            return tensor(data, dtype=cls.dtype, device=device)
        raise TypeError(f"{cls.__name__}(): expected sizes (ints) or one sequence of data, got "
                        f"{tuple(type(a).__name__ for a in args)}")


def _legacy(name, dtype):
    return _LegacyTensorType(name, (_LegacyTensor,), {"dtype": dtype, "__doc__": f"A CPU tensor of {dtype}."})


FloatTensor = _legacy("FloatTensor", dtypes.float32)
DoubleTensor = _legacy("DoubleTensor", dtypes.float64)
HalfTensor = _legacy("HalfTensor", dtypes.float16)
LongTensor = _legacy("LongTensor", dtypes.int64)
IntTensor = _legacy("IntTensor", dtypes.int32)
ShortTensor = _legacy("ShortTensor", dtypes.int16)
CharTensor = _legacy("CharTensor", dtypes.int8)
ByteTensor = _legacy("ByteTensor", dtypes.uint8)
BoolTensor = _legacy("BoolTensor", dtypes.bool_)

LEGACY_TYPES = (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor, CharTensor, ByteTensor,
                BoolTensor)
