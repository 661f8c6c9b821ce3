#!/usr/bin/env bash
# One script for a GPU machine (CuPy + PyTorch + NumPy installed), run from the repository root:
#
#     OUT=gpu_out bash benchmarks/gpu_check.sh
#
# Writes under $OUT (default ./gpu_out): the GPU name, the CUDA tests (junit xml + logs), the kernel
# self-test, the benchmarks (gpu_results.json) and a markdown summary (summary.md). Each step has
# its own time limit and a failing step does not stop the next; the whole run stays under ~6 minutes.
set -u
OUT="${OUT:-./gpu_out}"
PY="${PYTHON:-python3}"
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
status() { echo "$(date -u +%H:%M:%S) $*" | tee -a "$OUT/status.txt"; }

status "start"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$OUT/gpu_name.txt" 2>&1
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1
"$PY" -c "import cupy, numpy; print('cupy', cupy.__version__, 'numpy', numpy.__version__, 'devices', cupy.cuda.runtime.getDeviceCount())" \
    > "$OUT/versions.txt" 2>&1
"$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.is_available())" \
    >> "$OUT/versions.txt" 2>&1

# 1. the CUDA runtime and kernel self-test: every kernel against NumPy / PyTorch-CPU references
timeout 120 "$PY" -m pytest tests/cuda -m cuda -v -p no:cacheprovider -o addopts="" \
    --junitxml="$OUT/junit_cuda_selftest.xml" > "$OUT/pytest_cuda_selftest.log" 2>&1
status "cuda self-test exit $? (124 = timed out)"

# 2. every device-parametrised op/module/model test, CUDA params only
timeout 150 "$PY" -m pytest tests -m cuda --ignore=tests/cuda -v -p no:cacheprovider -o addopts="" \
    --junitxml="$OUT/junit_cuda_all.xml" > "$OUT/pytest_cuda_all.log" 2>&1
status "cuda tests exit $? (124 = timed out)"

# 3. benchmarks against PyTorch on the same GPU (JSON rewritten after every check)
timeout 180 "$PY" benchmarks/gpu_bench.py --out "$OUT" > "$OUT/gpu_bench.log" 2>&1
status "benchmarks exit $? (124 = timed out)"

# 4. merge the junit results into gpu_results.json and write summary.md
"$PY" benchmarks/gpu_bench.py --summarize "$OUT" > "$OUT/summary.log" 2>&1
status "summary exit $?"
cat "$OUT/summary.md" 2>/dev/null
