"""Run the CUDA kernels' source on the CPU, so machines without a GPU still test their logic.

A kernel in ``minitorch_cnn/cuda/kernels`` is a CuPy ``ElementwiseKernel`` or
``ReductionKernel``: parameter lists plus a C++ body run once per index ``i``. This module
stands in for those two classes: it wraps the *same* body in a C++ loop over ``i``, compiles it
with g++ and runs it on NumPy arrays, with CuPy's conventions (typed ``T``, non-raw arguments
broadcast and read per element, outputs written per element, ``raw`` arguments indexed freely).
Everything else the wrappers call (``cp.empty``, ``cp.ascontiguousarray``...) is NumPy.

What this proves: the index arithmetic and the math of every kernel. What it cannot: CUDA
compilation (nvrtc), launch configuration, and speed; those need ``benchmarks/gpu_check.sh``.
"""
import ctypes
import hashlib
import importlib
import os
import shutil
import sys
import tempfile
import types

import numpy as np

CXX = shutil.which("g++")
_C_TYPES = {"float64": "double", "float32": "float", "int32": "int", "int64": "long long", "bool": "bool"}
_CTYPES = {"double": ctypes.c_double, "float": ctypes.c_float, "int": ctypes.c_int, "long long": ctypes.c_longlong,
           "bool": ctypes.c_bool}
_NUMPY = {"double": np.float64, "float": np.float32, "int": np.int32, "long long": np.int64, "bool": np.bool_}
_PRELUDE = """#include <cmath>
#include <algorithm>
using std::min; using std::max; using std::isnan; using std::exp; using std::log; using std::sqrt;
template <typename T> struct Raw { T* p; T& operator[](long long k) const { return p[k]; } };
"""
_BUILD_DIR = os.path.join(tempfile.gettempdir(), "minitorch_cuda_emulator")


def _parse(params):
    """'raw T x, int32 n' -> [(True, 'T', 'x'), (False, 'int32', 'n')]."""
    out = []
    for param in params.split(","):
        words = param.split()
        raw = words[0] == "raw"
        out.append((raw, *words[raw:]))
    return out


def _compile(source):
    """A shared library of ``source`` (cached by content), loaded with ctypes."""
    os.makedirs(_BUILD_DIR, exist_ok=True)
    name = os.path.join(_BUILD_DIR, hashlib.sha1(source.encode()).hexdigest()[:20])
    if not os.path.exists(name + ".so"):
        with open(name + ".cpp", "w") as f:
            f.write(source)
        if os.system(f"{CXX} -O1 -shared -fPIC -std=c++17 -o {name}.tmp.so {name}.cpp") != 0:
            raise RuntimeError(f"g++ could not compile the kernel in {name}.cpp")
        os.replace(name + ".tmp.so", name + ".so")
    return ctypes.CDLL(name + ".so")


class ElementwiseKernel:
    """CuPy's ElementwiseKernel, run by a C++ loop on the CPU."""

    def __init__(self, in_params, out_params, operation, name="kernel", **options):
        self.inputs, self.outputs = _parse(in_params), _parse(out_params)
        self.operation = operation

    def __call__(self, *args, size=None):
        params = self.inputs + self.outputs
        args = list(args)
        T = next(_C_TYPES[str(a.dtype)] for (_, typ, _), a in zip(params, args)
                 if typ == "T" and isinstance(a, np.ndarray))
        ctype = lambda typ: T if typ == "T" else _C_TYPES[typ]  # noqa: E731
        arrays = [a for (raw, _, _), a in zip(params, args) if not raw and isinstance(a, np.ndarray)]
        shape = np.broadcast_shapes(*[a.shape for a in arrays]) if arrays else ()
        for raw, typ, _ in params[len(args):]:  # outputs not given are allocated
            args.append(np.empty(shape, _NUMPY[ctype(typ)]))
        declarations, bindings, values, write_back = [], [], [], []
        for index, ((raw, typ, name), a) in enumerate(zip(params, args)):
            c = ctype(typ)
            if not isinstance(a, np.ndarray):  # a scalar argument
                declarations.append(f"{c} {name}")
                values.append(_CTYPES[c](a))
                continue
            if raw:  # indexed by the kernel itself: pass the array's own memory
                bindings.append(f"Raw<{c}> {name}{{{name}_data}};")
                buffer = a
            else:  # one element per index i, from a contiguous broadcast copy
                buffer = np.ascontiguousarray(np.broadcast_to(a, shape), dtype=_NUMPY[c]).copy()
                is_output = index >= len(self.inputs)
                bindings.append(f"{c}& {name} = {name}_data[i];" if is_output else f"const {c} {name} = {name}_data[i];")
                if is_output:
                    write_back.append((a, buffer))
            declarations.append(f"{c}* {name}_data")
            values.append(ctypes.c_void_p(buffer.__array_interface__["data"][0]))
            write_back.append((None, buffer))  # keeps the buffer alive during the call
        source = (_PRELUDE + f'extern "C" void run(long long n, {", ".join(declarations)}) {{\n'
                  f"    typedef {T} T;\n    for (long long i = 0; i < n; ++i) {{\n"
                  + "\n".join(bindings) + "\n{\n" + self.operation + "\n}\n    }\n}\n")
        n = size if size is not None else int(np.prod(shape))
        _compile(source).run(ctypes.c_longlong(n), *values)
        for target, buffer in write_back:
            if target is not None:
                np.copyto(target, buffer)
        outputs = args[len(self.inputs):]
        return outputs[0] if len(outputs) == 1 else tuple(outputs)


class ReductionKernel:
    """CuPy's ReductionKernel for sums (``a + b`` from ``0``): the map runs in C++, the sum in NumPy."""

    def __init__(self, in_params, out_params, map_expr, reduce_expr, post_map_expr, identity, name="kernel",
                 **options):
        if reduce_expr.replace(" ", "") != "a+b" or identity != "0":
            raise NotImplementedError("the emulator only reduces by summation")
        self.map = ElementwiseKernel(in_params, "T mapped", f"mapped = {map_expr};")

    def __call__(self, *args, axis=None, keepdims=False):
        mapped = self.map(*args)
        return mapped.sum(axis=axis, keepdims=keepdims).astype(mapped.dtype)


def emulated_cupy():
    """NumPy, plus the two kernel classes above: the ``cp`` the kernel modules see."""
    module = types.ModuleType("emulated_cupy")
    module.__dict__.update({k: v for k, v in vars(np).items() if not k.startswith("__")})
    module.ElementwiseKernel, module.ReductionKernel = ElementwiseKernel, ReductionKernel
    return module


def emulated_kernels():
    """A separate import of ``minitorch_cnn.cuda.kernels`` whose kernels run on the CPU."""
    from minitorch_cnn import backend

    prefix = "minitorch_cnn.cuda.kernels"
    saved = {k: sys.modules.pop(k) for k in list(sys.modules) if k == prefix or k.startswith(prefix + ".")}
    real_cupy, backend._cupy = backend._cupy, emulated_cupy()
    try:
        return importlib.import_module(prefix)
    finally:
        backend._cupy = real_cupy
        for k in [k for k in sys.modules if k == prefix or k.startswith(prefix + ".")]:
            del sys.modules[k]
        sys.modules.update(saved)
