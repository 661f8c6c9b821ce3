"""Grad mode: whether ops record a graph (``no_grad``/``enable_grad``)."""
import functools


class _GradMode:
    enabled = True


def is_grad_enabled():
    return _GradMode.enabled


class _SetGradMode:
    """Context manager and decorator that sets grad mode for its body."""

    mode = True

    def __enter__(self):
        self._prev = _GradMode.enabled
        _GradMode.enabled = self.mode
        return self

    def __exit__(self, *exc):
        _GradMode.enabled = self._prev
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_SetGradMode):
    """``with mt.no_grad():`` ops inside build no graph (evaluation, optimizer updates)."""

    mode = False


class enable_grad(_SetGradMode):
    """Turns graph recording back on inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_SetGradMode):
    def __init__(self, mode):
        self.mode = bool(mode)
        self._prev = _GradMode.enabled
        _GradMode.enabled = self.mode  # like PyTorch, it also works as a plain function call

    def __enter__(self):
        return self
