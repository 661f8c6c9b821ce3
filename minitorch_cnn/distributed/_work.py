"""Reduction operators (``ReduceOp``) and handles of asynchronous collectives (``Work``), as in PyTorch."""
import enum
import threading


class RedOpType(enum.IntEnum):
    """PyTorch's numbering of the reductions."""

    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7


class ReduceOp:
    """``dist.ReduceOp.SUM`` etc.: how ``all_reduce``/``reduce``/``reduce_scatter`` combine the ranks' values."""

    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR


def as_red_op(op, fn):
    """``op`` as a RedOpType; a clear error naming the function otherwise."""
    try:
        return RedOpType(op)
    except ValueError:
        raise ValueError(f"{fn}: op must be a dist.ReduceOp (SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR, BXOR), "
                         f"got {op!r}") from None


class Work:
    """An asynchronous collective: ``wait()`` blocks until it has finished and re-raises its error."""

    def __init__(self, on_wait=None):
        self._done = threading.Event()
        self._error = None
        self._on_wait = on_wait  # runs once in the waiting thread (e.g. copy a staged result back)

    def _finish(self, error=None):
        self._error = error
        self._done.set()

    def is_completed(self):
        return self._done.is_set()

    def wait(self, timeout=None):
        seconds = None if timeout is None else getattr(timeout, "total_seconds", lambda: timeout)()
        if not self._done.wait(seconds):
            raise RuntimeError(f"Work.wait: the collective did not finish within {seconds} seconds")
        if self._error is not None:
            raise self._error
        if self._on_wait is not None:
            on_wait, self._on_wait = self._on_wait, None
            on_wait()
        return True

    def then(self, callback):
        """A Work that finishes with this one and, when waited for, runs ``callback()`` after it."""
        chained = Work(on_wait=lambda: (self.wait(), callback()))
        chained._done = self._done  # (completed exactly when this one is)
        return chained

    @classmethod
    def completed(cls, on_wait=None):
        """A Work that has already finished (a collective that ran synchronously)."""
        work = cls(on_wait)
        work._finish()
        return work
