"""Matrix product with NumPy's 1-D / batched / broadcasting rules."""
from ..autograd.function import Function
from .broadcast import unbroadcast


class MatMul(Function):
    """out = a @ b. a: (..., n, k) or (k,), b: (..., k, m) or (k,)."""

    def forward(self, a, b):
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
        self.save_for_backward(a, b)
        return a @ b

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
            da = g2 @ b2.swapaxes(-1, -2)
            da = unbroadcast(da, a2.shape)
            if a.ndim == 1:
                da = da.reshape(a.shape)
        if self.needs_input_grad[1]:
            db = a2.swapaxes(-1, -2) @ g2
            db = unbroadcast(db, b2.shape)
            if b.ndim == 1:
                db = db.reshape(b.shape)
        return da, db
