"""``mt.testing.assert_close``: PyTorch's test assertion, with its default tolerances per dtype."""
import numpy as np

from .tensor import Tensor

# PyTorch's defaults: (rtol, atol) by dtype
_TOLERANCES = {np.dtype(np.float16): (1e-3, 1e-5), np.dtype(np.float32): (1.3e-6, 1e-5),
               np.dtype(np.float64): (1e-7, 1e-7)}


def _as_array(x):
    if isinstance(x, Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def assert_close(actual, expected, *, rtol=None, atol=None, equal_nan=False, check_dtype=True, msg=None):
    """Raise AssertionError unless |actual - expected| <= atol + rtol * |expected| everywhere (and
    shapes and, with ``check_dtype``, dtypes agree). Integers and bools must be equal."""
    if (rtol is None) != (atol is None):
        missing = "rtol" if rtol is None else "atol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.")
    a, e = _as_array(actual), _as_array(expected)
    if a.shape != e.shape:
        raise AssertionError(msg or f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}.")
    if check_dtype and isinstance(actual, Tensor) and isinstance(expected, Tensor) and a.dtype != e.dtype:
        raise AssertionError(msg or f"The values for attribute 'dtype' do not match: minitorch_cnn.{actual.dtype.name} "
                                    f"!= minitorch_cnn.{expected.dtype.name}.")
    if rtol is None:
        rtol, atol = _TOLERANCES.get(a.dtype, (0.0, 0.0))
    close = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if not close.all():
        diff = np.abs(a.astype(np.float64) - e.astype(np.float64))
        bad = int((~close).sum())
        raise AssertionError(msg or (
            f"Tensor-likes are not close!\n\nMismatched elements: {bad} / {a.size} ({100 * bad / a.size:.1f}%)\n"
            f"Greatest absolute difference: {np.nanmax(diff)} (up to {atol} allowed)\n"
            f"Greatest relative difference: {np.nanmax(diff / np.abs(e.astype(np.float64)))} (up to {rtol} allowed)"))
