# The two quick-start commands: `make chat` and `make test`. Each installs what it needs into .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip -q --disable-pip-version-check
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: chat test install install-test lint eval bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch first, pinned: a loose `torch` pulls a multi-GB CUDA build; 2.13.0 is the CPU build.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install torch==2.13.0
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

chat: install
	$(VENV)/bin/medcite chat

test: install-test
	$(VENV)/bin/ruff check qa ui eval medcite tests bench
	$(PY) -m pytest -q -rs

eval: install-test
	$(VENV)/bin/medcite eval --out out/eval

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
