# Two commands do all the set-up on a fresh machine:
#   make demo   -- virtual environment, install, train AL-RNNs for several P, print the study
#   make test   -- the same set-up, then the test suite (what .ci/run calls)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.sk_alrnn-installed

.PHONY: install demo lint test test-slow bench clean docs venv-aeon test-aeon venv-neurogym test-neurogym venv-bench bench-dsr

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# The CPU wheel of torch first: a bare torch requirement would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[test,plot,ucr,dask,onnx,mnist1d]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/python -m sk_alrnn demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install
	$(BIN)/python -m pytest

test-slow: install
	$(BIN)/python -m pytest -m slow

# The documentation site (Sphinx; the gallery runs examples/ with small settings).
# SPHINXOPTS="-W --keep-going" turns warnings into errors, as .ci/run does.
SPHINXOPTS ?=
DOCS_STAMP := $(VENV)/.sk_alrnn-docs-installed

$(DOCS_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(BIN)/python -m sphinx -b html $(SPHINXOPTS) docs docs/_build/html

# aeon downgrades numpy (through numba): it gets its own environment.
AEON_VENV ?= .venv-aeon
AEON_STAMP := $(AEON_VENV)/.sk_alrnn-installed

$(AEON_STAMP): pyproject.toml
	$(PYTHON) -m venv $(AEON_VENV)
	$(AEON_VENV)/bin/pip install --quiet torch==2.13.0
	$(AEON_VENV)/bin/pip install --quiet aeon
	$(AEON_VENV)/bin/pip install --quiet -e ".[test]"
	touch $(AEON_STAMP)

venv-aeon: $(AEON_STAMP)

test-aeon: venv-aeon
	$(AEON_VENV)/bin/python -m pytest tests/test_contrib_aeon.py sk_alrnn/contrib/aeon.py -p no:cacheprovider

# neurogym pins numpy==2.2.* and gymnasium 0.29, so it never enters $(VENV): the tests that
# need it (load_neurogym, the multi-task fit) run in this second environment.
NG_VENV ?= .venv-neurogym
NG_STAMP := $(NG_VENV)/.sk_alrnn-installed

$(NG_STAMP): pyproject.toml
	$(PYTHON) -m venv $(NG_VENV)
	$(NG_VENV)/bin/pip install --quiet torch==2.13.0
	$(NG_VENV)/bin/pip install --quiet -e ".[neurogym,test]"
	touch $(NG_STAMP)

venv-neurogym: $(NG_STAMP)

test-neurogym: venv-neurogym
	$(NG_VENV)/bin/python -m pytest -p no:cacheprovider tests/test_neurogym.py tests/test_cli.py -k neurogym -m "slow or not slow"

# The held-out reconstruction benchmark's peers and systems (dysts, pysindy, reservoirpy):
# dysts pulls gluonts, which pins pandas<3, so they get their own environment.
BENCH_VENV ?= .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.sk_alrnn-installed
BENCH_METHODS ?= floor var esn sindy alrnn
BENCH_SEEDS ?= 0 1 2

$(BENCH_STAMP): pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet torch==2.13.0
	$(BENCH_VENV)/bin/pip install --quiet -e ".[bench,test]"
	touch $(BENCH_STAMP)

venv-bench: $(BENCH_STAMP)

# Re-runs every fit (add ARGS=--resume to keep those already in the result file).
bench-dsr: venv-bench
	OMP_NUM_THREADS=1 $(BENCH_VENV)/bin/python benchmarks/study_dsr_heldout.py \
		--methods $(BENCH_METHODS) --seeds $(BENCH_SEEDS) $(ARGS)
	$(BENCH_VENV)/bin/python benchmarks/study_dsr_heldout.py --report

clean:
	rm -rf $(VENV) $(AEON_VENV) $(NG_VENV) $(BENCH_VENV) build *.egg-info .pytest_cache docs/_build docs/auto_examples docs/api/generated
