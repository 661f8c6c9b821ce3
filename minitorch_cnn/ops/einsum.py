"""Einstein summation, differentiable: the gradient of each operand is another einsum."""
from ..autograd.function import Function
from ..backend import get_array_module
from . import dual

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def explicit_subscripts(equation, shapes):
    """``equation`` with '...' spelled out and the output written: ``(["ij", "jk"], "ik")``.

    Implicit mode (no '->') sums the letters that appear more than once and orders the rest
    alphabetically, as NumPy and PyTorch do; ellipsis dims lead the output.
    """
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(f"einsum(): more operands were provided than specified in the equation"
                         if len(shapes) > len(inputs) else
                         "einsum(): fewer operands were provided than specified in the equation")
    unused = [c for c in _LETTERS if c not in equation]
    n_ell = max((len(s) - (len(sub) - 3) for sub, s in zip(inputs, shapes) if "..." in sub), default=0)
    ell = "".join(unused[:n_ell])
    subs = []
    for sub, shape in zip(inputs, shapes):
        if "..." in sub:
            k = len(shape) - (len(sub) - 3)
            sub = sub.replace("...", ell[n_ell - k:] if k else "")
        if len(sub) != len(shape):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(sub)}) does not match "
                               f"the number of dimensions ({len(shape)}) for operand {len(subs)}"
                               + ("" if "..." in equation else " and no ellipsis was given"))
        subs.append(sub)
    if arrow:
        out = rhs.replace("...", ell)
    else:
        counts = {}
        for c in "".join(subs):
            counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    return subs, out


class Einsum(Function):
    """out = einsum(subs -> out_sub, *operands), with the subscripts already explicit."""

    differentiable_backward = True  # its backward is einsums again

    def __init__(self, subs, out_sub):
        self.subs, self.out_sub = subs, out_sub

    def forward(self, *operands):
        self.save_for_backward(*operands)
        eq = ",".join(self.subs) + "->" + self.out_sub
        return get_array_module(*operands).einsum(eq, *operands)

    def backward(self, g):
        # dA_k = einsum(dY, the other operands -> A_k's subscripts): the sum that formed Y, read backwards.
        # A letter repeated in A_k ("ii") gets the gradient on its diagonal only (times an identity),
        # and a letter summed in A_k alone gets dY broadcast along it (times a vector of ones).
        operands = self.saved_tensors
        xp = get_array_module(dual.value(g))
        dtype = dual.value(g).dtype
        grads = []
        for k, needed in enumerate(self.needs_input_grad):
            if not needed:
                grads.append(None)
                continue
            sub, shape = self.subs[k], operands[k].shape
            others = [(s, a) for i, (s, a) in enumerate(zip(self.subs, operands)) if i != k]
            reachable = set(self.out_sub).union(*(set(s) for s, _ in others))
            unique = "".join(c for c in dict.fromkeys(sub) if c in reachable)
            terms = [self.out_sub] + [s for s, _ in others]
            partial = dual.apply(Einsum(terms, unique), g, *(a for _, a in others))
            # spread the partial gradient over A_k's own axes
            free = [c for c in _LETTERS if c not in sub and c not in self.out_sub]
            renamed, extra_subs, extra = [], [], []
            seen = set()
            for c, n in zip(sub, shape):
                if c in seen:  # a repeat: its own letter, tied to the first by an identity
                    new = free.pop()
                    extra_subs.append(c + new)
                    extra.append(xp.eye(n, dtype=dtype))
                    c = new
                elif c not in reachable:  # summed only inside A_k: broadcast along it
                    extra_subs.append(c)
                    extra.append(xp.ones(n, dtype=dtype))
                seen.add(c)
                renamed.append(c)
            grads.append(dual.apply(Einsum([unique] + extra_subs, "".join(renamed)), partial, *extra))
        return tuple(grads)
