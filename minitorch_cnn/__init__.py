"""minitorch_cnn: a from-scratch deep-learning framework on NumPy (CPU) and CuPy (CUDA).

Use it like PyTorch: ``import minitorch_cnn as mt``.

Imports run one way, each layer using only the layers before it (``tests/test_import_layering.py``
reads every import, deferred ones too, and fails on a cycle or an upward import)::

    backend, dtypes (+ _threads, _tuning, random, printing, cuda/kernels)
      -> tensor                the data, conversions, in-place ops (+ mt.cuda's streams and graphs)
      -> autograd              Function, the backward engine, grad mode, gradcheck
      -> ops                   differentiable Functions on raw arrays; ops.kernel, the one CUDA-kernel lookup
      -> functional            the public functions (functions.py, *_functions.py, creation.py)
      -> tensor methods        tensor_methods.py: the one table of Tensor methods, attached last, below
      -> distributed           collectives on tensors
      -> nn -> optim
      -> models, utils, serialization
      -> this namespace
      -> cli                   ``python -m minitorch_cnn`` (train, bench, gradcheck, summary)

Importing the package changes nothing in the process: no environment variable, no allocator or
BLAS setting. ``mt.tune_process()`` is the explicit opt-in for programs that own their process.
"""
from . import autograd, backend
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .backend import Device as device
from ._threads import get_num_threads, set_num_threads
from ._tuning import tune_process
from .creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, linspace, ones,
                       ones_like, rand, rand_like, randint, randn, randn_like, randperm, tensor, zeros, zeros_like)
from .creation import (bernoulli, get_default_device, logspace, multinomial, normal, randint_like,
                       set_default_device)
from .dtypes import (bool_ as bool, double, float, float16, float32, float64, get_default_dtype, half, int8, int16,
                     int32, int64, long, set_default_dtype, uint8)
from .dtypes import dtype
from .functions import (abs, add, allclose, amax, amin, argmax, argmin, bmm, cat, chunk, clamp, clip, clone, concat,
                        concatenate, div, eq, equal, exp, expand, flatten, ge, gt, is_tensor, isfinite, isnan, le,
                        log, log_softmax, logical_and, logical_not, logical_or, logsumexp, lt, matmul, max, maximum,
                        mean, min, minimum, mm, mul, ne, neg, numel, pad, permute, pow, relu, repeat, reshape,
                        sigmoid, softmax, split, sqrt, squeeze, stack, std, sub, sum, t, tanh, transpose,
                        true_divide, unflatten, unsqueeze, var, where)
from .conveniences import (are_deterministic_algorithms_enabled, channels_last, compile, contiguous_format, finfo,
                           get_float32_matmul_precision, get_printoptions, iinfo, inference_mode, is_floating_point,
                           is_inference_mode_enabled, is_nonzero, preserve_format, set_float32_matmul_precision,
                           set_printoptions, use_deterministic_algorithms)
from .indexing_functions import (addcdiv, addcmul, addmm, addmv, argwhere, atleast_1d, atleast_2d, baddbmm,
                                 broadcast_tensors, broadcast_to, cdist, column_stack, cross, diag, dot, dstack,
                                 einsum, flip, fliplr, flipud, gather, ger, hstack, index_add, index_fill,
                                 index_select, inner, kron, scatter, scatter_add,
                                 masked_fill, masked_select, meshgrid, moveaxis, movedim, mv, narrow, nonzero, outer,
                                 repeat_interleave, roll, row_stack, select, swapaxes, swapdims, take_along_dim,
                                 tensordot, tile, trace, tril, triu, unbind, vstack)
from .indexing_functions import diagonal_of as diagonal
from .pointwise_functions import (absolute, acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh,
                                  asin, asinh, atan, atan2, atanh, bitwise_and, bitwise_left_shift, bitwise_not,
                                  bitwise_or, bitwise_right_shift, bitwise_xor, ceil, clamp_max, clamp_min, cos,
                                  cosh, deg2rad, divide, erf, erfc, erfinv, exp2, expm1, fix, floor, floor_divide,
                                  fmax, fmin, fmod, frac, greater, greater_equal, hypot, isclose, isinf, isneginf,
                                  isposinf, isreal, lerp, less, less_equal, log1p, log2, log10, logaddexp,
                                  logical_xor, multiply, nan_to_num, negative, not_equal, rad2deg, reciprocal,
                                  remainder, round, rsqrt, sgn, sign, sin, sinh, square, subtract, tan, trunc)
from .reduction_functions import (all, aminmax, any, argsort, bincount, bucketize, count_nonzero, cumprod, cumsum,
                                  histc, kthvalue, median, norm, prod, searchsorted, sort, std_mean, topk, unique,
                                  var_mean)
from .random import Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .tensor import Size, Tensor
from .legacy_tensors import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor,  # noqa: E402
                             IntTensor, LongTensor, ShortTensor)

__version__ = "0.1.0"


# The layers above the engine: nn, optim, data, checkpoints, the model zoo, CUDA.
from . import backends, cuda, distributed, models, nn, optim, utils  # noqa: E402
from . import accelerator, linalg, testing  # noqa: E402  (device questions; torch.linalg; assert_close)
from .serialization import load, save  # noqa: E402
from .nn.functional import (conv_transpose1d, conv_transpose2d, pixel_shuffle,  # noqa: E402  (torch.* too)
                            pixel_unshuffle)
from .utils.data import transforms  # noqa: E402

# Last: every Tensor method that computes through an op, attached in one table (tensor_methods.py).
from .tensor_methods import install_tensor_methods  # noqa: E402

install_tensor_methods()
