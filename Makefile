# The two quick-start commands: `make chat` and `make test`. Each installs what it needs into .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip -q --disable-pip-version-check
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: chat test install install-test lint eval bench clean lock

# Exact versions the suite passed with (all extras included); `make lock` refreshes it. torch is not in it: it is
# installed first, pinned, below.
LOCK := requirements.lock
# Every optional extra of pyproject.toml, so a refreshed lock covers whatever extras have been added.
EXTRAS = $(shell $(PYTHON) -c "import tomllib; print(','.join(tomllib.load(open('pyproject.toml', 'rb'))['project'].get('optional-dependencies', {})))")

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch first, pinned: a loose `torch` pulls a multi-GB CUDA build; 2.13.0 is the CPU build.
$(VENV)/.installed: pyproject.toml $(LOCK) | $(PY)
	$(PIP) install torch==2.13.0
	$(PIP) install -c $(LOCK) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(LOCK) $(VENV)/.installed
	$(PIP) install -c $(LOCK) -e '.[test]'
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

# Resolve pyproject.toml afresh (newest versions its ranges allow, every extra) in a throw-away venv and write the
# exact versions to $(LOCK); then run `make test` (which installs from the new lock) before committing it.
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip -q --disable-pip-version-check install torch==2.13.0
	.venv-lock/bin/python -m pip -q --disable-pip-version-check install -e '.[$(EXTRAS)]'
	{ echo "# Written by 'make lock' from pyproject.toml with extras [$(EXTRAS)], Python $$(.venv-lock/bin/python -c 'import platform; print(platform.python_version(), platform.machine())')."; \
	  echo "# Used as pip constraints by 'make chat' and 'make test'; torch is installed first as torch==2.13.0."; \
	  .venv-lock/bin/python -m pip freeze --exclude-editable | grep -v -i -E '^(torch)==' | LC_ALL=C sort -f; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	rm -rf .venv-lock
