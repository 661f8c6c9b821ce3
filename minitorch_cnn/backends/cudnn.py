"""``mt.backends.cudnn``: PyTorch's cuDNN switches, kept so that training scripts that set them run.

minitorch_cnn's convolutions are its own im2col + GEMM (cuBLAS on a GPU), not cuDNN calls, so the
flags change nothing here: ``benchmark`` has no algorithms to choose between, and our kernels give
the same result on every run whatever ``deterministic`` says. ``is_available()`` is False for
that reason. Set them as in PyTorch: ``mt.backends.cudnn.benchmark = True``.
"""

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True  # PyTorch's default for cuDNN convolutions (matmul's TF32 switch is backends.cuda)
benchmark_limit = 10


def is_available():
    """False: minitorch_cnn does not call cuDNN (its convolutions are im2col + GEMM)."""
    return False


def is_built():
    """False: minitorch_cnn is not linked against cuDNN."""
    return False


def version():
    """None: no cuDNN library is used."""
    return None
