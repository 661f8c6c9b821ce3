"""Finite-difference proof of gradients: ``gradcheck(fn, inputs)``.

Compares the analytic vector-Jacobian product v^T J (one backward with a random
cotangent v, never a plain sum) with central differences
(f(x + eps e_i) - f(x - eps e_i)) . v / (2 eps), in float64, for every input
that requires grad. ``fast_mode`` checks random directions u instead of every
e_i: u^T (J^T v) against (f(x + eps u) - f(x - eps u)) . v / (2 eps).
"""
import numpy as np


class GradcheckError(RuntimeError):
    pass


def _outputs(fn, inputs):
    from ..tensor import Tensor

    out = fn(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if isinstance(o, Tensor) and o.data.dtype.kind == "f"]


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=False, raise_exception=True,
              seed=0, num_directions=4):
    """True when analytic and numeric gradients agree; raises ``GradcheckError`` (or returns False) otherwise."""
    from ..autograd import grad
    from ..autograd.grad_mode import no_grad
    from ..backend import get_array_module, to_device
    from ..tensor import Tensor

    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input requires grad")
    for i in wrt:
        if inputs[i].data.dtype != np.float64:
            raise GradcheckError(
                f"gradcheck: input {i} has dtype {inputs[i].dtype}; finite differences need float64 inputs"
            )
    rng = np.random.default_rng(seed)
    outs = _outputs(fn, inputs)
    if not outs:
        raise ValueError("gradcheck: fn returned no floating-point tensor")
    xp = get_array_module(outs[0].data)
    cotangents = [to_device(rng.standard_normal(o.data.shape), o.device) for o in outs]

    analytic = grad(outs, [inputs[i] for i in wrt], grad_outputs=[Tensor._from_op(v, None) for v in cotangents],
                    allow_unused=True)

    def objective():
        with no_grad():
            return float(sum((o.data * v).sum() for o, v in zip(_outputs(fn, inputs), cotangents)))

    def failure(msg):
        if raise_exception:
            raise GradcheckError(msg)
        return False

    for k, i in enumerate(wrt):
        x = inputs[i]
        a = analytic[k]
        a = xp.zeros_like(x.data) if a is None else a.data
        if not x.data.flags.c_contiguous:
            x.data = xp.ascontiguousarray(x.data)
        flat = x.data.reshape(-1)  # a view: perturbing it perturbs the input
        if fast_mode:
            for d in range(num_directions):
                u = to_device(rng.standard_normal(x.data.shape), x.device)
                orig = x.data.copy()
                x.data[...] = orig + eps * u
                f_plus = objective()
                x.data[...] = orig - eps * u
                f_minus = objective()
                x.data[...] = orig
                numeric = (f_plus - f_minus) / (2 * eps)
                analytic_dir = float((a * u).sum())
                if abs(numeric - analytic_dir) > atol + rtol * abs(numeric):
                    return failure(
                        f"gradcheck (fast mode): Jacobian mismatch for input {i} of shape {list(x.shape)} along "
                        f"random direction {d}: numerical {numeric!r} vs analytical {analytic_dir!r}"
                    )
            continue
        a_flat = a.reshape(-1)
        for j in range(flat.size):
            orig = float(flat[j])
            flat[j] = orig + eps
            f_plus = objective()
            flat[j] = orig - eps
            f_minus = objective()
            flat[j] = orig
            numeric = (f_plus - f_minus) / (2 * eps)
            analytic_j = float(a_flat[j])
            if abs(numeric - analytic_j) > atol + rtol * abs(numeric):
                index = tuple(int(v) for v in np.unravel_index(j, x.data.shape))
                return failure(
                    f"gradcheck: Jacobian mismatch for input {i} of shape {list(x.shape)} at index {index}: "
                    f"numerical {numeric!r} vs analytical {analytic_j!r}"
                )
    return True
