"""Matrix product with NumPy's 1-D / batched / broadcasting rules."""
from ..autograd.function import Function
from . import dual
from .broadcast import unbroadcast


class MatMul(Function):
    """out = a @ b. a: (..., n, k) or (k,), b: (..., k, m) or (k,)."""

    differentiable_backward = True

    def forward(self, a, b):
        self.check(a, b)
        self.ndims = (a.ndim, b.ndim)
        self.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def check(a, b):
        """PyTorch's errors for operands that cannot be multiplied."""
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(
                f"matmul: both arguments need at least 1 dimension, got {a.ndim}D and {b.ndim}D tensors"
            )
        ka = a.shape[-1]
        kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if ka != kb:
            sa = "x".join(map(str, a.shape)) if a.ndim != 1 else str(a.shape[0])
            sb = "x".join(map(str, b.shape)) if b.ndim != 1 else str(b.shape[0])
            raise RuntimeError(f"matmul: mat1 and mat2 shapes cannot be multiplied ({sa} and {sb})")

    def backward(self, g):
        # dA = dY @ B^T, dB = A^T @ dY  (1-D operands promoted to matrices, then squeezed back)
        a, b = self.saved_tensors
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g[..., None] if b.ndim == 1 else g  # restore the squeezed column first (g is 0-d for vec @ vec)
        if a.ndim == 1:
            g2 = g2[..., None, :]
        da = db = None
        if self.needs_input_grad[0]:
            da = g2 @ dual.swapaxes(b2, -1, -2)
            da = unbroadcast(da, a2.shape)
            if a.ndim == 1:
                da = dual.reshape(da, a.shape)
        if self.needs_input_grad[1]:
            db = dual.swapaxes(a2, -1, -2) @ g2
            db = unbroadcast(db, b2.shape)
            if b.ndim == 1:
                db = dual.reshape(db, b.shape)
        return da, db

    def name(self):
        # PyTorch: matrix @ matrix is mm, batched products are bmm (or a view of an mm)
        if self.node_name:
            return self.node_name
        return "MmBackward0" if self.ndims == (2, 2) else ("BmmBackward0" if self.ndims == (3, 3) else
                                                           "UnsafeViewBackward0")


class Addmm(Function):
    """out = bias + a @ b, for a (n, k) and b (k, m): ``nn.Linear`` on a batch of vectors."""

    node_name = "AddmmBackward0"  # PyTorch's name of this backward node
    differentiable_backward = True

    def forward(self, bias, a, b):
        MatMul.check(a, b)
        self.bias_shape = bias.shape
        self.save_for_backward(a, b)
        out = a @ b
        out += bias
        return out

    def backward(self, g):
        # dBias = dY summed to bias's shape, dA = dY @ B^T, dB = A^T @ dY
        a, b = self.saved_tensors
        dbias = unbroadcast(g, self.bias_shape) if self.needs_input_grad[0] else None
        da = g @ dual.swapaxes(b, 0, 1) if self.needs_input_grad[1] else None
        db = dual.swapaxes(a, 0, 1) @ g if self.needs_input_grad[2] else None
        return dbias, da, db
