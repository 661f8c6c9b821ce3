"""minitorch_cnn: a from-scratch deep-learning framework on NumPy (CPU) and CuPy (CUDA).

Use it like PyTorch: ``import minitorch_cnn as mt``.
"""
from . import autograd, backend
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .backend import Device as device
from .backend import get_num_threads, set_num_threads
from .creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, linspace, ones,
                       ones_like, rand, rand_like, randint, randn, randn_like, randperm, tensor, zeros, zeros_like)
from .dtypes import (bool_ as bool, double, float, float16, float32, float64, get_default_dtype, half, int8, int16,
                     int32, int64, long, set_default_dtype, uint8)
from .dtypes import dtype
from .functions import (abs, add, allclose, amax, amin, argmax, argmin, bmm, cat, ceil, chunk, clamp, clip, clone,
                        concat, concatenate, div, eq, equal, exp, expand, flatten, floor, ge, gt, is_tensor, isfinite,
                        isnan, le, log, log_softmax, logical_and, logical_not, logical_or, logsumexp, lt, matmul,
                        max, maximum, mean, min, minimum, mm, mul, ne, neg, numel, pad, permute, pow, relu, repeat,
                        reshape, round, sigmoid, sign, softmax, split, sqrt, squeeze, stack, std, sub, sum, t, tanh,
                        transpose, true_divide, unflatten, unsqueeze, var, where)
from .random import Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .tensor import Size, Tensor

__version__ = "0.1.0"


# The layers above the engine: nn, optim, data, checkpoints, the model zoo, CUDA.
from . import backends, cuda, models, nn, optim, utils  # noqa: E402
from .serialization import load, save  # noqa: E402
from .utils.data import transforms  # noqa: E402
