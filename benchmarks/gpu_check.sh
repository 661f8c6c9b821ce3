#!/usr/bin/env bash
# One script for a GPU machine (CuPy + PyTorch + NumPy installed), run from the repository root:
#
#     OUT=gpu_out bash benchmarks/gpu_check.sh
#
# Writes under $OUT (default ./gpu_out): the GPU name, the CUDA runtime and kernel self-test, the
# benchmarks against PyTorch (gpu_results.json, rewritten after every check), every device-
# parametrised test on CUDA (junit xml + logs) and a markdown summary (summary.md). Each step has
# its own time limit and a failing step does not stop the next; the whole run stays under ~6 minutes.
set -u
OUT="${OUT:-./gpu_out}"
PY="${PYTHON:-python3}"
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
# A GPU machine without pytest/hypothesis (and no network) gets the pure-Python copies that the
# caller carried in runs/gpu_site (git-ignored; see the command in the issue-6 report).
if ! "$PY" -c "import pytest, hypothesis" 2>/dev/null && [ -d runs/gpu_site ]; then
    export PYTHONPATH="$PYTHONPATH:$PWD/runs/gpu_site"
fi
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
# CuPy compiles each kernel once per machine; keep the cache in the (git-ignored) runs/ folder so
# a second run on a still-warm machine starts compiled.
export CUPY_CACHE_DIR="${CUPY_CACHE_DIR:-$PWD/runs/cupy_kernel_cache}"
PYTEST_ARGS=(-m cuda -v -p no:cacheprovider -o addopts="" --continue-on-collection-errors)
status() { echo "$(date -u +%H:%M:%S) $*" | tee -a "$OUT/status.txt"; }

status "start"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$OUT/gpu_name.txt" 2>&1
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1
"$PY" -c "import cupy, numpy; print('cupy', cupy.__version__, 'numpy', numpy.__version__, 'gpus', cupy.cuda.runtime.getDeviceCount())" \
    > "$OUT/versions.txt" 2>&1
"$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.is_available())" \
    >> "$OUT/versions.txt" 2>&1

# 1. mt.cuda runtime (memory, graphs, TF32, devices) and every kernel against NumPy / PyTorch-CPU
timeout 90 "$PY" -m pytest tests/cuda "${PYTEST_ARGS[@]}" --junitxml="$OUT/junit_cuda_selftest.xml" \
    > "$OUT/pytest_cuda_selftest.log" 2>&1
status "cuda self-test exit $? (124 = timed out)"

# 2. benchmarks against PyTorch on the same GPU; checks left when the budget runs out are skipped
timeout 170 "$PY" benchmarks/gpu_bench.py --out "$OUT" --budget 150 > "$OUT/gpu_bench.log" 2>&1
status "benchmarks exit $? (124 = timed out)"

# 3. every device-parametrised op/module/model test, CUDA params only
timeout 120 "$PY" -m pytest tests --ignore=tests/cuda "${PYTEST_ARGS[@]}" --junitxml="$OUT/junit_cuda_all.xml" \
    > "$OUT/pytest_cuda_all.log" 2>&1
status "cuda tests exit $? (124 = timed out)"

# 4. merge the test results into gpu_results.json and write summary.md
"$PY" benchmarks/gpu_report.py "$OUT" > "$OUT/summary.log" 2>&1
status "summary exit $?"
cat "$OUT/summary.md" 2>/dev/null
