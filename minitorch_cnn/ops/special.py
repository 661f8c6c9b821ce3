"""Special functions written with array ops only, so they run on NumPy and CuPy alike."""
import numpy as np

from ..backend import get_array_module

# Chebyshev coefficients of erfc (Numerical Recipes, 3rd ed., section 6.2.2): relative error < 1.2e-16.
_ERFC_COEFFICIENTS = (
    -1.3026537197817094, 6.4196979235649026e-1, 1.9476473204185836e-2, -9.561514786808631e-3,
    -9.46595344482036e-4, 3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5,
    -1.624290004647e-6, 1.303655835580e-6, 1.5626441722e-8, -8.5238095915e-8, 6.529054439e-9,
    5.059343495e-9, -9.91364156e-10, -2.27365122e-10, 9.6467911e-11, 2.394038e-12, -6.886027e-12,
    8.94487e-13, 3.13092e-13, -1.12708e-13, 3.81e-16, 7.106e-15, -1.523e-15, -9.4e-17, 1.21e-16, -2.8e-17,
)


def erf(x):
    """erf(x) elementwise, accurate to double precision.

    erfc(z) for z >= 0 is t * exp(-z^2 + P(4t - 2)) with t = 2 / (2 + z) and P a
    Chebyshev series (Clenshaw's recurrence, a loop over the 28 coefficients,
    never over elements); erf(x) = sign(x) * (1 - erfc(|x|)).
    """
    xp = get_array_module(x)
    from_erfc = xp.sign(x) * (1.0 - _erfc_of_abs(x))
    # near 0, 1 - erfc(x) loses the relative precision: use the Maclaurin series
    # erf(x) = 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1)), 15 terms for |x| < 0.5
    x64 = x.astype(xp.float64)
    x2 = x64 * x64
    term, series = x64, x64
    for n in range(1, 15):
        term = term * (-x2 / n)
        series = series + term / (2 * n + 1)
    small = abs(x64) < 0.5
    return xp.where(small, 1.1283791670955126 * series, from_erfc).astype(x.dtype, copy=False)


def _erfc_of_abs(x):
    """erfc(|x|) in float64: the Chebyshev series above."""
    xp = get_array_module(x)
    z = abs(x).astype(xp.float64)
    t = 2.0 / (2.0 + z)
    ty = 4.0 * t - 2.0
    d = xp.zeros_like(z)
    dd = xp.zeros_like(z)
    for c in _ERFC_COEFFICIENTS[:0:-1]:
        d, dd = ty * d - dd + c, d
    return t * xp.exp(-z * z + 0.5 * (_ERFC_COEFFICIENTS[0] + ty * d) - dd)


def erfc(x):
    """erfc(x) = 1 - erf(x), without the cancellation for large x: erfc(-x) = 2 - erfc(x)."""
    xp = get_array_module(x)
    e = _erfc_of_abs(x)
    return xp.where(x >= 0, e, 2.0 - e).astype(x.dtype, copy=False)


# Giles (2010), "Approximating the erfinv function": single-precision polynomials in w = -log(1 - x^2).
_ERFINV_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                   -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_ERFINV_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def erfinv(y):
    """The inverse of erf on (-1, 1); +-inf at +-1 and NaN outside, as in PyTorch.

    Giles' polynomial gives about 7 digits (fewer beyond float32's range); then five refining steps
    bring it to double precision: Halley's on r(x) = erf(x) - y for |y| <= 0.5,
    x <- x - r / (r' + x r) with r' = 2/sqrt(pi) exp(-x^2) (as r'' = -2x r'); and in the tails
    Newton's on h(a) = log erfc(a) - log(1 - |y|) for a = |x|, a <- a + h erfc(a) / r'(a), which is
    nearly linear there, so it converges fast where erf(x) - y has lost its precision.
    """
    xp = get_array_module(y)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _erfinv(xp, y)


def _erfinv(xp, y):
    y64 = y.astype(xp.float64)
    inside = abs(y64) < 1
    ys = xp.where(inside, y64, 0.0)
    w = -xp.log((1.0 - ys) * (1.0 + ys))
    central, tail = w - 2.5, xp.sqrt(w) - 3.0
    p = xp.full_like(w, _ERFINV_CENTRAL[0])
    q = xp.full_like(w, _ERFINV_TAIL[0])
    for c_central, c_tail in zip(_ERFINV_CENTRAL[1:], _ERFINV_TAIL[1:]):
        p, q = c_central + p * central, c_tail + q * tail
    x = xp.where(w < 5.0, p, q) * ys
    near_one = abs(ys) > 0.5
    log_gap = xp.log(1.0 - abs(ys))  # log(1 - |y|), exact as 1 - |y| is
    for _ in range(5):
        a = abs(x)
        slope = 1.1283791670955126 * xp.exp(-a * a)
        r = erf(x) - ys
        halley = x - r / (slope + x * r)
        e = _erfc_of_abs(a)
        newton_log = xp.sign(ys) * (a + (xp.log(e) - log_gap) * e / slope)
        x = xp.where(near_one, newton_log, halley)
    edge = xp.where(y64 == 1, xp.inf, xp.where(y64 == -1, -xp.inf, xp.nan))
    return xp.where(inside, x, edge).astype(y.dtype, copy=False)
