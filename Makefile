# Two commands do all the set-up on a fresh machine:
#   make demo   -- virtual environment, install, train AL-RNNs for several P, print the study
#   make test   -- the same set-up, then the test suite (what .ci/run calls)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.sk_alrnn-installed

.PHONY: install demo lint test test-slow bench clean venv-neurogym test-neurogym

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# The CPU wheel of torch first: a bare torch requirement would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[test,plot,ucr,mnist1d]"
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

clean:
	rm -rf $(VENV) $(NG_VENV) build *.egg-info .pytest_cache
