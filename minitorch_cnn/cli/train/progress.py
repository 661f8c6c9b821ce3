"""Progress of the batches of an epoch: tqdm's bar when tqdm is installed, else one plain line.

The plain line is redrawn in place (carriage return) on a terminal and not written at all when
standard error is a file or a pipe: the per-epoch summary lines say everything a log needs.
"""
import sys
import time


def progress_bar(total, initial=0, desc="", enabled=True):
    """A bar with tqdm's ``update``, ``set_postfix`` and ``close``; tqdm's own when it is installed."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return LineProgress(total, initial, desc, enabled and sys.stderr.isatty())
    return tqdm(total=total, initial=initial, desc=desc, unit="batch", leave=False, disable=not enabled,
                dynamic_ncols=True)


class LineProgress:
    """``desc n/total key=value ...`` on one line of standard error, redrawn at most 10 times a second."""

    def __init__(self, total, initial=0, desc="", enabled=True, stream=None):
        self.total, self.n, self.desc, self.enabled = total, initial, desc, enabled
        self.stream = stream or sys.stderr
        self.postfix = {}
        self._drawn_at = 0.0
        self._width = 0

    def set_postfix(self, refresh=True, **values):
        self.postfix = values

    def update(self, n=1):
        self.n += n
        now = time.perf_counter()
        if self.enabled and (now - self._drawn_at > 0.1 or self.n == self.total):
            self._drawn_at = now
            self._draw(f"{self.desc} {self.n}/{self.total} " + " ".join(f"{k}={v}" for k, v in self.postfix.items()))

    def close(self):
        if self.enabled and self._width:
            self._draw("")

    def _draw(self, text):
        self.stream.write("\r" + text.ljust(self._width))
        if not text:
            self.stream.write("\r")
        self.stream.flush()
        self._width = len(text)
