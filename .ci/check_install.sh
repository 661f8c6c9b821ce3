#!/usr/bin/env bash
# What users install: build the sdist and (from it) the wheel, install the wheel into fresh virtual
# environments outside the checkout, first bare (numpy only), then with the extras, and run the main job.
# Usage: bash .ci/check_install.sh [PYTHON]   (PYTHON: an interpreter with `build`; default .venv/bin/python)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${1:-$repo/.venv/bin/python}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== build the sdist, then the wheel from the sdist"
"$python" -m build --no-isolation --outdir "$work/dist" "$repo" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
wheel="$(ls "$work"/dist/*.whl)"
sdist="$(ls "$work"/dist/*.tar.gz)"
echo "$(basename "$wheel"): $(unzip -Z1 "$wheel" | wc -l) files; $(basename "$sdist")"
# every module and data file tracked under minitorch_cnn/ is in both
git -C "$repo" ls-files minitorch_cnn | while read -r f; do [ -e "$repo/$f" ] && echo "$f"; done | sort >"$work/tracked"
unzip -Z1 "$wheel" | grep '^minitorch_cnn/' | sort >"$work/in_wheel"
tar -tzf "$sdist" | sed 's|^[^/]*/||' | grep '^minitorch_cnn/.' | grep -v '/$' | sort >"$work/in_sdist"
for what in wheel sdist; do
    missing="$(comm -23 "$work/tracked" "$work/in_$what")"
    if [ -n "$missing" ]; then echo "missing from the $what:"; echo "$missing"; exit 1; fi
done
echo "wheel and sdist hold all $(wc -l <"$work/tracked") tracked files of minitorch_cnn/"

run_main_job() {  # $1: the venv; $2: label
    local venv="$1" label="$2" here
    here="$(mktemp -d)"
    (
        cd "$here"
        "$venv/bin/python" -m minitorch_cnn --version
        start=$(date +%s)
        "$venv/bin/python" -m minitorch_cnn train --out run --no-progress
        echo "train ($label): $(( $(date +%s) - start )) s"
        "$venv/bin/python" - <<'PY'
import json
record = json.load(open("run/metrics.json"))
accuracy = record["test_accuracy"]
print(f"test accuracy {accuracy:.2%} (best epoch {record['best_epoch']})")
assert accuracy >= 0.97, f"the main job reached only {accuracy:.2%}"
PY
        "$venv/bin/python" -m minitorch_cnn summary resnet18 --input 1,3,224,224 | tail -4
        "$venv/bin/python" -m minitorch_cnn gradcheck | tail -1
        "$venv/bin/python" - <<'PY'
import importlib, importlib.util, pkgutil
import minitorch_cnn
# cuda.kernels holds CuPy kernels and says so: it is imported only where CuPy is (by ops.kernel)
skip = () if importlib.util.find_spec("cupy") else ("minitorch_cnn.cuda.kernels",)
names = []
def walk(package):
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        if info.name.startswith(skip) or info.name.endswith(".__main__"):  # (__main__ runs the command)
            continue
        module = importlib.import_module(info.name)
        names.append(info.name)
        if info.ispkg:
            walk(module)
walk(minitorch_cnn)
assert minitorch_cnn.__file__.find("site-packages") > 0, minitorch_cnn.__file__
print(f"imported minitorch_cnn and its {len(names)} modules from {minitorch_cnn.__file__}")
PY
    )
    rm -rf "$here"
}

echo "== bare install: numpy only"
python3 -m venv "$work/bare"
"$work/bare/bin/python" -m pip install --quiet "$wheel"
"$work/bare/bin/python" -m pip list --format=freeze | grep -v -i -E '^(pip|setuptools|wheel)==' | tr '\n' ' '; echo
run_main_job "$work/bare" "bare"

echo "== with the extras: [all]"
"$work/bare/bin/python" -m pip install --quiet "$wheel[all]"
run_main_job "$work/bare" "[all]"
echo "install checks passed"
