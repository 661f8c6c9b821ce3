# Quickstart: `make demo` and `make test` work on a fresh clone with only Python 3 installed.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: venv install demo test bench readme-demo gpu-check clean

$(VENV)/.installed-base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-base
	$(PIP) install --quiet -e '.[test]'
	touch $@

venv install: $(VENV)/.installed-base

demo: $(VENV)/.installed-test
	$(PY) -m minitorch_cnn train --out runs/demo --force

test: $(VENV)/.installed-test
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-ci} $(PY) -m pytest tests

bench: $(VENV)/.installed-test
	$(PY) benchmarks/cpu_speed.py
	$(PY) benchmarks/ops.py
	$(PY) benchmarks/overhead.py
	$(PY) benchmarks/models.py

# Rerun the demo into docs/demo and rewrite the README's demo block from what it printed.
readme-demo: $(VENV)/.installed-test
	$(PY) docs/make_demo.py

gpu-check:
	bash benchmarks/gpu_check.sh

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
