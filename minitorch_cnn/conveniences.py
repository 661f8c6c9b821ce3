"""Small top-level helpers that PyTorch scripts call: ``inference_mode``, ``set_printoptions``,
``finfo``/``iinfo``, ``is_floating_point``, ``is_nonzero``, ``compile``."""
import numpy as np

from . import printing
from .autograd.grad_mode import _SetGradMode, is_grad_enabled
from .dtypes import as_dtype, float32


class inference_mode(_SetGradMode):
    """``with mt.inference_mode():`` (or as a decorator) ops build no graph, like ``no_grad``
    (PyTorch also skips version counting there; here it is exactly ``no_grad``).
    ``inference_mode(False)`` leaves grad mode as it is."""

    def __init__(self, mode=True):
        self._inference = bool(mode)
        self.mode = False if mode else is_grad_enabled()

    def __enter__(self):
        if not self._inference:
            self.mode = is_grad_enabled()
        return super().__enter__()

    def __call__(self, func=None):
        if func is None:  # @mt.inference_mode() written with the parentheses
            return self
        return super().__call__(func)


def is_inference_mode_enabled():
    """True inside ``inference_mode`` (here: whenever grad mode is off)."""
    return not is_grad_enabled()


_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, float("inf"), 3, 80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """How tensors print: digits after the point, the size above which a tensor is summarised with
    '...', the items kept at each edge then, the line width; ``profile`` 'default' / 'short' / 'full';
    ``sci_mode`` True / False forces or forbids scientific notation (None: PyTorch's automatic choice)."""
    if profile is not None:
        printing.PRECISION, printing.THRESHOLD, printing.EDGEITEMS, printing.LINEWIDTH = _PROFILES[profile]
    if precision is not None:
        printing.PRECISION = int(precision)
    if threshold is not None:
        printing.THRESHOLD = threshold
    if edgeitems is not None:
        printing.EDGEITEMS = int(edgeitems)
    if linewidth is not None:
        printing.LINEWIDTH = int(linewidth)
    printing.SCI_MODE = sci_mode


def get_printoptions():
    """The current print options, as ``set_printoptions`` takes them."""
    return {"precision": printing.PRECISION, "threshold": printing.THRESHOLD, "edgeitems": printing.EDGEITEMS,
            "linewidth": printing.LINEWIDTH, "sci_mode": printing.SCI_MODE}


class finfo:
    """Limits of a floating dtype: ``mt.finfo(mt.float32).eps``, ``.max``, ``.min``, ``.tiny``, ``.bits``."""

    def __init__(self, type=None):
        d = as_dtype(type) if type is not None else float32
        if not d.is_floating_point:
            raise TypeError(f"finfo(): torch.finfo() requires a floating point input type. Use torch.iinfo to "
                            f"handle '{d.name}'")
        info = np.finfo(d.np_dtype)
        self.dtype, self.bits = d.name, info.bits
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = float(info.resolution)

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.tiny:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype: ``mt.iinfo(mt.int64).max``, ``.min``, ``.bits``."""

    def __init__(self, type):
        d = as_dtype(type)
        if d.is_floating_point:
            raise TypeError("iinfo(): torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                            f"'{d.name}'")
        info = np.iinfo(d.np_dtype) if d.name != "bool" else None
        self.dtype = d.name
        self.bits = info.bits if info else 8
        self.max, self.min = (int(info.max), int(info.min)) if info else (1, 0)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


def is_floating_point(input):
    """True for a tensor of a floating dtype."""
    return input.is_floating_point()


def is_nonzero(input):
    """The truth of a one-element tensor (RuntimeError for more or fewer elements, as PyTorch)."""
    if input.numel() == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if input.numel() > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item())


def compile(model=None, **kwargs):
    """``torch.compile``: returns the model (or function) unchanged; there is no compiler here, and
    the program computes the same numbers without one. Usable as ``@mt.compile`` or ``@mt.compile(...)``."""
    if model is None:
        return lambda fn: fn
    return model


# ------------------------------------------------------------------ reproducibility and precision switches
_deterministic = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Ask for deterministic algorithms. Every op here already gives the same result on every run
    (no atomics-based reductions, one algorithm per op), so this only records the setting."""
    _deterministic.update(mode=bool(mode), warn_only=bool(warn_only))


def are_deterministic_algorithms_enabled():
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled():
    return _deterministic["warn_only"]


def set_float32_matmul_precision(precision):
    """'highest': float32 matmuls in full fp32 (the default); 'high' or 'medium': TF32 tensor cores on
    a GPU, as ``mt.backends.cuda.matmul.allow_tf32 = True`` (no effect on the CPU)."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"Invalid precision: {precision!r}; expected 'highest', 'high' or 'medium'")
    from .backends import cuda as cuda_backend

    cuda_backend.matmul.allow_tf32 = precision != "highest"
    _matmul_precision[0] = precision


_matmul_precision = ["highest"]


def get_float32_matmul_precision():
    return _matmul_precision[0]


class memory_format:
    """A tensor memory layout name (``mt.contiguous_format``, ``mt.channels_last``, ``mt.preserve_format``),
    as ``Tensor.to`` / ``contiguous`` / ``clone`` / ``is_contiguous`` take it (the layouts: ``layout.py``)."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"minitorch_cnn.{self.name}"


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
preserve_format = memory_format("preserve_format")
