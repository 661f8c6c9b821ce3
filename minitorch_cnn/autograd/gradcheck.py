"""Finite-difference proof of gradients: ``gradcheck(fn, inputs)``.

Compares the analytic vector-Jacobian product v^T J (one backward with a random
cotangent v, never a plain sum) with central differences
(f(x + eps e_i) - f(x - eps e_i)) . v / (2 eps), in float64, for every input
that requires grad. ``fast_mode`` checks random directions u instead of every
e_i: u^T (J^T v) against (f(x + eps u) - f(x - eps u)) . v / (2 eps).
"""
import numpy as np

from ..backend import get_array_module, to_device
from ..tensor import Tensor
from .api import grad
from .grad_mode import enable_grad, no_grad


class GradcheckError(RuntimeError):
    pass


def _outputs(fn, inputs):
    out = fn(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if isinstance(o, Tensor) and o._data.dtype.kind == "f"]


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=False, raise_exception=True,
              seed=0, num_directions=4):
    """True when analytic and numeric gradients agree; raises ``GradcheckError`` (or returns False) otherwise."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input requires grad")
    for i in wrt:
        if inputs[i]._data.dtype != np.float64:
            raise GradcheckError(
                f"gradcheck: input {i} has dtype {inputs[i].dtype}; finite differences need float64 inputs"
            )
    rng = np.random.default_rng(seed)
    outs = _outputs(fn, inputs)
    if not outs:
        raise ValueError("gradcheck: fn returned no floating-point tensor")
    xp = get_array_module(outs[0]._data)
    cotangents = [to_device(rng.standard_normal(o._data.shape), o.device) for o in outs]

    # outputs that do not depend on the inputs (constants) have a zero Jacobian
    live = [(o, v) for o, v in zip(outs, cotangents) if o.requires_grad]
    analytic = (grad([o for o, _ in live], [inputs[i] for i in wrt],
                     grad_outputs=[Tensor._from_op(v, None) for _, v in live], allow_unused=True)
                if live else [None] * len(wrt))

    def objective():
        with no_grad():
            return float(sum((o._data * v).sum() for o, v in zip(_outputs(fn, inputs), cotangents)))

    def failure(msg):
        if raise_exception:
            raise GradcheckError(msg)
        return False

    for k, i in enumerate(wrt):
        x = inputs[i]
        a = analytic[k]
        a = xp.zeros_like(x._data) if a is None else a._data
        if not x._data.flags.c_contiguous:
            x._data = xp.ascontiguousarray(x._data)
        flat = x._data.reshape(-1)  # a view: perturbing it perturbs the input
        if fast_mode:
            for d in range(num_directions):
                u = to_device(rng.standard_normal(x._data.shape), x.device)
                orig = x._data.copy()
                x._data[...] = orig + eps * u
                f_plus = objective()
                x._data[...] = orig - eps * u
                f_minus = objective()
                x._data[...] = orig
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
                index = tuple(int(v) for v in np.unravel_index(j, x._data.shape))
                return failure(
                    f"gradcheck: Jacobian mismatch for input {i} of shape {list(x.shape)} at index {index}: "
                    f"numerical {numeric!r} vs analytical {analytic_j!r}"
                )
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False, masked=False, seed=0):
    """Second derivatives by finite differences of first derivatives (PyTorch's ``gradgradcheck``).

    The first-order map (x, v) -> v^T J(x), computed by ``autograd.grad(..., create_graph=True)``
    with random cotangents v (``grad_outputs`` when given), is itself checked with ``gradcheck``:
    its backward is the second-order backward of ``func``.
    """
    if check_batched_grad or check_fwd_over_rev or masked:
        raise NotImplementedError("gradgradcheck: check_batched_grad, check_fwd_over_rev and masked are not supported")
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    # the inputs as leaves: each evaluation below runs two backward passes through its own graph
    inputs = tuple(x.detach().requires_grad_() if isinstance(x, Tensor) and x.requires_grad else x for x in inputs)
    wrt = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(seed + 1)
        grad_outputs = [Tensor._from_op(to_device(rng.standard_normal(o._data.shape), o.device), None).requires_grad_()
                        for o in _outputs(func, inputs)]
    else:
        grad_outputs = list(grad_outputs) if isinstance(grad_outputs, (tuple, list)) else [grad_outputs]
    n = len(inputs)

    def first_derivatives(*args):
        with enable_grad():
            xs, vs = args[:n], args[n:]
            outs = _outputs(func, xs)
            live = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
            targets = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
            grads = grad([o for o, _ in live], targets, grad_outputs=[v for _, v in live], create_graph=True,
                         allow_unused=True)
            return tuple(g for g in grads if g is not None)

    if not wrt:
        raise ValueError("gradgradcheck: no input requires grad")
    return gradcheck(first_derivatives, (*inputs, *grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     fast_mode=fast_mode, raise_exception=raise_exception, seed=seed)
