# One command sets a fresh machine up and runs the default recipe: `make run`.
# One command sets it up and runs the tests: `make test`.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RECIPE ?= egs/synth_accents/s5

.PHONY: setup system-packages venv test test-fast run clean-venv

setup: system-packages venv

# Debian packages for offline speech synthesis and audio conversion; skipped when present.
system-packages:
	@if ! command -v espeak-ng >/dev/null || ! command -v flite >/dev/null || ! command -v sox >/dev/null; then \
	  echo "Installing espeak-ng, flite, sox (Debian packages)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq espeak-ng flite sox libsox-fmt-all; \
	fi

# torch first, pinned: a plain torch requirement would pull a multi-GB CUDA build.
venv: $(BIN)/.installed

$(BIN)/.installed: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	touch $@

test: setup
	$(BIN)/python -m pytest -q tests

run: setup
	cd $(RECIPE) && ./run.sh

clean-venv:
	rm -rf $(VENV)
