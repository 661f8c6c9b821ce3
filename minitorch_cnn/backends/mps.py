"""``mt.backends.mps``: Apple's Metal backend, which minitorch_cnn does not have.

Both questions answer False, so ``"mps" if mt.backends.mps.is_available() else "cpu"`` picks the CPU.
"""


def is_available():
    """False: there is no Metal (MPS) backend here."""
    return False


def is_built():
    """False: minitorch_cnn is not built with Metal (MPS) support."""
    return False
