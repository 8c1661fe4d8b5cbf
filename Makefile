# chainrule: `make demo` and `make test` do all of the set-up on a fresh machine.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
DEMO_DIR ?= demo
SITE_DIR ?= site

.PHONY: help install dot chromium torch node test lint types pytest demo docs notebooks clean bench

help:
	@echo "make demo   set up .venv and run the demonstration (pictures in $(DEMO_DIR)/)"
	@echo "make test   set up .venv and run lint, types and the whole test suite"
	@echo "make docs   set up .venv and build the API reference and the notebooks as HTML in $(SITE_DIR)/"

# The virtual environment, with the project and its dev extra installed (editable).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) node dot chromium torch

# Install a Debian package when its program is missing: apt-get as root or through sudo, or else
# say exactly what to install. $(1): the program, $(2): the package, $(3): what it is for.
define install_missing
	@if command -v $(1) >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing $(2) with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && command -v apt-get >/dev/null 2>&1; then \
		echo "installing $(2) with sudo apt-get"; \
		sudo -n apt-get update -qq && sudo -n DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
	else \
		echo "$(3) is missing: install it (Debian/Ubuntu: sudo apt-get install $(2)$(4))"; \
		exit 1; \
	fi
endef

# Graphviz's `dot` program draws the graphs; install it when it is missing.
dot:
	$(call install_missing,dot,graphviz,Graphviz's dot program,; macOS: brew install graphviz)

# Chromium runs the explorer page's tests headless (driven by Playwright, pointed at this browser:
# Playwright's own browser download is never used); install it when it is missing.
chromium:
	$(call install_missing,chromium,chromium,Chromium (the browser the explorer's tests run in))

# PyTorch, the other autodiff engine the tests cross-check edge conventions against and the
# benchmarks compare with. Not a dependency of the project nor of its dev extra: its CPU build goes
# into .venv (never the multi-GB CUDA build a bare `pip install torch` may bring) from where pip is
# told to look: a wheel pip finds without an index (its find-links), an index given as
# TORCH_INDEX=..., or the indexes pip is configured with (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL,
# pip.conf), which should then serve the CPU build. Otherwise it prints the command to run.
TORCH_VERSION ?= 2.13.0
TORCH_INDEX ?=
TORCH_COMMAND := $(BIN)/python -m pip install torch==$(TORCH_VERSION)
torch: $(STAMP)
	@if $(BIN)/python -c 'import torch' 2>/dev/null; then :; \
	elif $(BIN)/python -m pip install --quiet --no-index --no-deps "torch==$(TORCH_VERSION)" 2>/dev/null; then \
		echo "installed PyTorch $(TORCH_VERSION) into $(VENV) from a wheel on this machine"; \
		$(TORCH_COMMAND) --quiet; \
	elif [ -n "$(TORCH_INDEX)" ]; then \
		$(TORCH_COMMAND) --quiet --extra-index-url "$(TORCH_INDEX)"; \
	elif [ -n "$$PIP_INDEX_URL$$PIP_EXTRA_INDEX_URL" ] \
			|| $(BIN)/python -m pip config list 2>/dev/null | grep -q 'index-url='; then \
		$(TORCH_COMMAND) --quiet; \
	else \
		echo "PyTorch is missing, and pip knows no index for its CPU build. Give the CPU wheel index"; \
		echo "that PyTorch's install guide names (as URL) and run:"; \
		echo "  make torch TORCH_INDEX=URL"; \
		echo "or: $(TORCH_COMMAND) --extra-index-url URL"; \
		exit 1; \
	fi

# The tools package.json pins, in node_modules/: Prettier (the explorer's JavaScript and CSS are
# checked as ruff checks the Python) and MathJax (copied into the docs, so formulas need no network).
$(NODE_STAMP): package.json
	$(call install_missing,npm,npm,npm (Node.js's package manager))
	npm install --no-package-lock --no-audit --no-fund --silent
	@touch $(NODE_STAMP)

node: $(NODE_STAMP)

PRETTIER_FILES := autograd/draw/*.js autograd/draw/*.css

lint: $(STAMP) node
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	node_modules/.bin/prettier --check $(PRETTIER_FILES)

types: $(STAMP)
	$(BIN)/mypy

pytest: install
	$(BIN)/python -m pytest -n 2

test: lint types pytest

demo: $(STAMP)
	$(BIN)/chainrule train --out $(DEMO_DIR)

# The API reference from the docstrings (pdoc) and the notebooks with their stored outputs, as HTML;
# fails on a pdoc warning, a cross-reference that is no link or a dead link.
docs: $(STAMP) node
	$(BIN)/python docs/build.py --out $(SITE_DIR)

# Re-run every notebook and store its fresh outputs (they are shipped with outputs). The notebooks
# draw with Graphviz; they need neither Chromium nor PyTorch.
notebooks: $(STAMP) dot
	$(BIN)/python notebooks/execute.py --write

# Speed and memory side by side with micrograd and PyTorch (the `bench` extra and the torch target).
# Results in benchmarks/results/; BENCH_ARGS="--quick" for a short run.
bench: $(STAMP) torch
	@$(BIN)/python -c 'import micrograd, numpy' 2>/dev/null \
		|| $(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.adding $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.normalisation $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis $(DEMO_DIR) $(SITE_DIR)
