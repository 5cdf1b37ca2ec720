# Two commands do all the set-up on a fresh machine:
#   make demo   -- virtual environment, install, train AL-RNNs for several P, print the study
#   make test   -- the same set-up, then the test suite (what .ci/run calls)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.sk_alrnn-installed

.PHONY: install demo lint test test-slow bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# The CPU wheel of torch first: a bare torch requirement would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[test,plot,ucr]"
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

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
