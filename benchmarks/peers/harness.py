"""The timing loop every peer worker shares: run by each framework's own Python, with no third-party import.

A worker script calls ``main(build)``. ``build(spec, data)`` returns a ``Bench``; ``data`` maps each
array name of the workload to ``(raw bytes, shape, 'f4' or 'i4')``, the same bytes for every framework.
The loop is the project's: ``warmup`` untimed steps, then ``repeat`` timed steps, each after a short
pause (idle BLAS and OpenMP workers spin for a while after a step and would slow the next one), the
device synchronised inside the timed span. The result is one line ``PEERS_RESULT {json}`` on stdout.
"""
import ctypes
import json
import os
import sys
import time

RESULT_TAG = "PEERS_RESULT "


class Bench:
    """One workload on one framework.

    ``step()`` does one full step and returns its loss handle; ``sync()`` waits until the step's work
    is done (lazy and asynchronous frameworks); ``scalar(loss)`` reads the loss as a float outside the
    timed span; ``check()`` returns a dict of numbers that show the work was really done.
    """

    def __init__(self, step, scalar, check=None, sync=None, versions=None, notes=""):
        self.step, self.scalar = step, scalar
        self.check = check or (lambda: {})
        self.sync = sync or (lambda: None)
        self.versions = versions or {}
        self.notes = notes


def load_data(spec):
    """{name: (bytes, shape, kind)} of the arrays the parent process wrote for this workload."""
    data = {}
    for name, (filename, shape, kind) in spec["arrays"].items():
        with open(os.path.join(spec["data_dir"], filename), "rb") as f:
            data[name] = (f.read(), tuple(shape), kind)
    return data


def openblas_config():
    """The build string of the OpenBLAS this process loaded (NumPy's), or '' when none is loaded."""
    try:
        with open("/proc/self/maps") as f:
            paths = dict.fromkeys(line.split()[-1] for line in f if "openblas" in line.lower() and ".so" in line)
    except OSError:  # not Linux
        return ""
    for path in paths:
        lib = ctypes.CDLL(path)
        for symbol in ("scipy_openblas_get_config64_", "scipy_openblas_get_config", "openblas_get_config64_",
                       "openblas_get_config"):
            fn = getattr(lib, symbol, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                return fn().decode()
    return ""


def main(build):
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    bench = build(spec, load_data(spec))
    blas = openblas_config()
    if blas and "BLAS" not in bench.versions:
        bench.versions["BLAS"] = " ".join(blas.split()[:2] + blas.split()[-2:-1])  # name, version, kernels
    losses, times, cpu = [], [], 0.0
    for _ in range(spec["warmup"]):
        loss = bench.step()
        bench.sync()
        losses.append(bench.scalar(loss))
    for _ in range(spec["repeat"]):
        time.sleep(spec["settle"])
        start, start_cpu = time.perf_counter(), time.process_time()
        loss = bench.step()
        bench.sync()
        times.append(time.perf_counter() - start)
        cpu += time.process_time() - start_cpu
        losses.append(bench.scalar(loss))
    result = {"times": times, "losses": losses, "cores_busy": cpu / max(sum(times), 1e-12),
              "check": bench.check(), "versions": bench.versions, "notes": bench.notes}
    print(RESULT_TAG + json.dumps(result), flush=True)
