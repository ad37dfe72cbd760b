# Two commands for a newcomer: `make demo` (the main job) and `make test` (the whole suite).
# Both create .venv when it is missing and install the project into it; a second run installs nothing.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.bertkeras-installed

# CI's second run is the learner's setup: the wheel built from this checkout, installed (not editable) into
# a fresh venv on Python 3.13 with the releases Colab ships (.ci/colab-constraints.txt), and the whole suite
# run against it from a directory outside the checkout: `make test-colab-stack`.
VENV_COLAB        ?= .venv-colab
BIN_COLAB         := $(VENV_COLAB)/bin
COLAB_CONSTRAINTS := .ci/colab-constraints.txt
DIST              ?= dist
WHEEL_RUN_DIR     ?= $(or $(TMPDIR),/tmp)/bertkeras-wheel-run
# Colab's Python: PYTHON313=/path/to/python3.13 overrides the search of PATH and pyenv's versions.
# `?=` is expanded only where it is used, so other targets never run the search.
PYTHON313 ?= $(shell for p in python3.13 $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin/python3.13; do \
                 "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1 \
                 && { command -v "$$p"; break; }; done)

# Keep TensorFlow's C++ start-up chatter out of logs and notebook outputs; oneDNN's reordering makes
# CPU results differ in the last bits from run to run, which stored notebook outputs cannot tolerate.
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export KERAS_BACKEND := tensorflow
export PYTHONHASHSEED := 0

NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
PYTEST_NBVAL := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
                --nbval-cell-timeout 900
# Two pytest processes (pytest-xdist). One TensorFlow process keeps about one core busy on this suite (small
# quick-mode models spend their time in Python and op dispatch), so a second one uses the other core of a
# 2-core machine. --dist loadfile keeps each notebook (one kernel, cells in order) and each test module in one
# process. PYTEST_WORKERS=0 runs everything in a single process.
PYTEST_WORKERS ?= 2
PYTEST_RUN := $(PYTEST_NBVAL) -n $(PYTEST_WORKERS) --dist loadfile --durations=15
# The whole suite, one pytest run: `test` and `test-colab-stack` run exactly this, each in its own venv.
PYTEST_ALL := tests bertkeras --doctest-modules $(NOTEBOOKS) $(PYTEST_RUN)

.PHONY: install demo test test-colab-stack lint unit notebooks notebook bench bench-full bench-gpu gpu-wheels clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,parity]"  # parity: torch + transformers, for the parity tests
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/bertkeras demo

# ruff and the import layers (lint-imports, see ARCHITECTURE.md), then one pytest run over the unit tests,
# the doctests in bertkeras/ and every notebook (nbval, quick mode), so the last line printed is pytest's summary.
test: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/bertkeras data fetch all
	BERTKERAS_QUICK=1 $(BIN)/python -m pytest $(PYTEST_ALL)

# The same pytest run on the learner's setup (no ruff: the code is the same, only the install differs):
# build the wheel and the sdist, check both carry the package data, install the wheel with Colab's pins into
# a fresh Python 3.13 venv, and run the suite from $(WHEEL_RUN_DIR), a copy of the checkout without
# bertkeras/, so every import of bertkeras is the installed one (tests/test_install.py checks where it is).
# Not part of `test` (a second venv, ~3 GB; its pytest took 10.6 minutes on 2 cores, 2026-12-07); CI runs it
# after `test`.
test-colab-stack: install
	@test -n "$(PYTHON313)" || { echo "make test-colab-stack: Python 3.13 (the one Colab runs) was not found on" \
	    "PATH or under pyenv. Install it (pyenv install 3.13, or from python.org or your package manager) or" \
	    "name it: make test-colab-stack PYTHON313=/path/to/python3.13" >&2; exit 2; }
	rm -rf $(DIST) && $(BIN)/python -m build --quiet --outdir $(DIST) .  # the sdist, then the wheel built from it
	$(BIN)/python -m tests.check_dist $(DIST)
	rm -rf $(VENV_COLAB) && $(PYTHON313) -m venv $(VENV_COLAB)
	$(BIN_COLAB)/python -m pip install --quiet --upgrade pip
	$(BIN_COLAB)/python -m pip install --quiet -c $(COLAB_CONSTRAINTS) "$$(ls $(DIST)/bertkeras-*.whl)[dev]"
	rm -rf $(WHEEL_RUN_DIR) && mkdir -p $(WHEEL_RUN_DIR)
	git ls-files -co --exclude-standard | grep -v '^bertkeras/' | while read -r f; do [ ! -e "$$f" ] || echo "$$f"; done \
	    | tar -cf - -T - | tar -xf - -C $(WHEEL_RUN_DIR)
	cd $(WHEEL_RUN_DIR) && $(abspath $(BIN_COLAB))/bertkeras data fetch all
	cd $(WHEEL_RUN_DIR) && BERTKERAS_QUICK=1 BERTKERAS_EXPECT_INSTALLED=$(abspath $(VENV_COLAB)) \
	    $(abspath $(BIN_COLAB))/python -m pytest tests --pyargs bertkeras --doctest-modules $(NOTEBOOKS) $(PYTEST_RUN)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

unit: install
	BERTKERAS_QUICK=1 $(BIN)/python -m pytest tests bertkeras --doctest-modules -n $(PYTEST_WORKERS) --dist loadfile

# Re-execute notebooks in place (quick mode, the outputs CI checks) and strip metadata:
#   make notebook NB=notebooks/01_wordpiece_tokenization.ipynb     (one)
#   make notebooks                                                  (all)
notebook: install
	BERTKERAS_QUICK=1 $(BIN)/python -m tests.notebook_tool $(NB)

notebooks: install
	BERTKERAS_QUICK=1 $(BIN)/python -m tests.notebook_tool $(NOTEBOOKS)

# Re-measure bertkeras against its peers and rewrite the README's results table from benchmarks/results/.
# `bench` took 10.8 minutes on 2 cores (2026-12-06; fewer repeats of the slowest peers, fp32 steps without XLA,
# SMS spam only for fine-tuning quality); `bench-full` runs every script at its defaults (about an hour).
bench: install
	$(BIN)/python -m benchmarks.run --device cpu --quick

bench-full: install
	$(BIN)/python -m benchmarks.run --device cpu

bench-gpu: install
	$(BIN)/python -m benchmarks.run --device gpu

# Wheels for benchmarks/gpu_jax.sh on a GPU machine with JAX, Python 3.12 and no network: the pure-Python
# Keras and keras-hub this venv runs, plus the two of their needs such images lack (optree, namex).
# `=`, not `:=`: the versions are read only when gpu-wheels runs (after install), not on every make call.
GPU_WHEELS = keras==$(shell $(BIN)/python -c "import keras; print(keras.__version__)" 2>/dev/null) \
              keras-hub==$(shell $(BIN)/python -c "import keras_hub; print(keras_hub.__version__)" 2>/dev/null) \
              optree namex
gpu-wheels: install
	rm -rf .whl && $(BIN)/python -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
	    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
	    --platform manylinux2014_x86_64 -d .whl $(GPU_WHEELS)
	ls -l .whl

clean:
	rm -rf $(VENV) $(VENV_COLAB) $(DIST) $(WHEEL_RUN_DIR) .pytest_cache .ruff_cache .hypothesis build *.egg-info
