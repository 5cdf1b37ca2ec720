# Two commands do all the set-up on a fresh machine:
#   make demo   -- virtual environment, install, train AL-RNNs for several P, print the study
#   make test   -- the same set-up, then the test suite (what .ci/run calls)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.sk_alrnn-installed
# torch comes first, from PyTorch's CPU index: PyPI's Linux wheel of torch is the CUDA
# build (hundreds of MB plus the nvidia packages). `make TORCH_INDEX=` installs from PyPI
# (for a GPU). Only torch itself comes from that index (--no-deps); its dependencies then
# come from the usual indexes. Where the CPU index cannot be reached, pip falls back to
# the configured indexes and local wheel folders after its retries (about 15 s, once).
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
# $(call install_torch,PIP): torch 2.13.0 and its dependencies into PIP's environment.
install_torch = $(if $(TORCH_INDEX),$(1) install --quiet --no-deps --index-url $(TORCH_INDEX) torch==2.13.0 &&) $(1) install --quiet torch==2.13.0

.PHONY: install demo lint test test-slow bench clean docs dist smoke-wheel venv-aeon test-aeon venv-neurogym test-neurogym venv-bench bench-dsr

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(call install_torch,$(BIN)/pip)
	$(BIN)/pip install --quiet -e ".[test,plot,ucr,dask,onnx,mnist1d,audio]"
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

# The wheel and sdist as a user gets them (dist/), installed into a fresh environment and
# checked from a temporary folder outside the source tree (tests/smoke_wheel.py: import,
# fit, predict, save/load, `sk-alrnn --version`). torch comes as for `make install`
# (the same index, so pip's cache or the local wheel is reused).
SMOKE_VENV ?= .venv-smoke

dist: install
	rm -rf dist
	$(BIN)/python -m build --outdir dist .

smoke-wheel: dist
	rm -rf $(SMOKE_VENV)
	$(PYTHON) -m venv $(SMOKE_VENV)
	$(call install_torch,$(SMOKE_VENV)/bin/pip)
	$(SMOKE_VENV)/bin/pip install --quiet dist/sk_alrnn-*.whl
	cd "$$(mktemp -d)" && $(CURDIR)/$(SMOKE_VENV)/bin/python $(CURDIR)/tests/smoke_wheel.py

# The documentation site (Sphinx; the gallery runs examples/ with small settings).
# SPHINXOPTS="-W --keep-going" turns warnings into errors, as .ci/run does.
SPHINXOPTS ?=
DOCS_STAMP := $(VENV)/.sk_alrnn-docs-installed

$(DOCS_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(BIN)/python -m sphinx -b html $(SPHINXOPTS) docs docs/_build/html
	# Offline site: no network resource, MathJax served locally, every formula typesets.
	$(BIN)/python docs/check_html.py docs/_build/html

# aeon downgrades numpy (through numba): it gets its own environment.
AEON_VENV ?= .venv-aeon
AEON_STAMP := $(AEON_VENV)/.sk_alrnn-installed

$(AEON_STAMP): pyproject.toml
	$(PYTHON) -m venv $(AEON_VENV)
	$(call install_torch,$(AEON_VENV)/bin/pip)
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
	$(call install_torch,$(NG_VENV)/bin/pip)
	$(NG_VENV)/bin/pip install --quiet -e ".[neurogym,test]"
	touch $(NG_STAMP)

venv-neurogym: $(NG_STAMP)

test-neurogym: venv-neurogym
	$(NG_VENV)/bin/python -m pytest -p no:cacheprovider tests/test_neurogym.py tests/test_cli.py -k neurogym -m "slow or not slow"

# The held-out reconstruction benchmark's peers and systems (dysts, pysindy, reservoirpy):
# dysts pulls gluonts, which pins pandas<3, so they get their own environment.
BENCH_VENV ?= .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.sk_alrnn-installed
BENCH_METHODS ?= floor var esn sindy alrnn alrnn_cv
BENCH_SEEDS ?= 0 1 2

$(BENCH_STAMP): pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(call install_torch,$(BENCH_VENV)/bin/pip)
	$(BENCH_VENV)/bin/pip install --quiet -e ".[bench,test]"
	touch $(BENCH_STAMP)

venv-bench: $(BENCH_STAMP)

# Re-runs every fit (add ARGS=--resume to keep those already in the result file).
bench-dsr: venv-bench
	OMP_NUM_THREADS=1 $(BENCH_VENV)/bin/python benchmarks/study_dsr_heldout.py \
		--methods $(BENCH_METHODS) --seeds $(BENCH_SEEDS) $(ARGS)
	$(BENCH_VENV)/bin/python benchmarks/study_dsr_heldout.py --report

clean:
	rm -rf $(VENV) $(AEON_VENV) $(NG_VENV) $(BENCH_VENV) $(SMOKE_VENV) build dist *.egg-info .pytest_cache docs/_build docs/auto_examples docs/api/generated
