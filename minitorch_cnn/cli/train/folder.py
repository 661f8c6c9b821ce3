"""The output folder of a run: one writer at a time, and no temporary files left from a crash.

A run holds an exclusive lock on ``DIR/.lock`` (``fcntl.flock``, released by the operating system
when the process ends, however it ends) for as long as it writes there. Holding it, the run may
remove the temporary files that a crashed writer left behind: no other writer can be using them.
"""
import os
import re
from pathlib import Path

# What our writers name their temporary files: ``mt.save``'s ``.NAME.<hex>.tmp`` and
# ``write_json_atomically``'s ``.NAME.<random>.tmp`` (and the single ``.metrics.json.tmp`` of old versions).
STALE_TEMPORARY = re.compile(r"^\.(checkpoint\.pt|best\.pt|metrics\.json)\.([A-Za-z0-9_]+\.)?tmp$")
LOCK = ".lock"


class FolderBusyError(RuntimeError):
    """Another process is writing to the folder."""


class RunFolder:
    """``with RunFolder(path) as folder:`` creates ``path``, locks it, and cleans stale temporary files."""

    def __init__(self, path):
        self.path = Path(path)
        self._fd = None
        self.removed = []  # the stale temporary files removed on entry

    def __enter__(self):
        self.path.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path / LOCK, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            _lock(fd)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise FolderBusyError(f"{self.path} is in use by another training run (pid {holder}); wait for it to "
                                  f"end or choose another --out") from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        for entry in self.path.iterdir():
            if STALE_TEMPORARY.match(entry.name) and entry.is_file():
                entry.unlink()
                self.removed.append(entry.name)
        return self

    def __exit__(self, *exc):
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None


def _lock(fd):
    """Take an exclusive lock on ``fd`` without waiting; BlockingIOError when someone holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as e:
            raise BlockingIOError(str(e)) from e
        return
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
