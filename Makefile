# Every install comes from a lock file with hashes; nothing unpinned gets in.
#   .venv-run    requirements.lock only: the bot (`make run`, `make sync`), no dev tools
#   .venv        requirements-dev.lock (runtime + test/lint tools): `make test`, `lint`, `bench`
#   .venv-tools  uv itself (requirements-uv.lock), which installs the two above
# A venv whose Python is missing, broken or older than 3.11 is rebuilt, never reused.
PYTHON ?= python3
RUN_VENV := .venv-run
DEV_VENV := .venv
TOOLS := .venv-tools
UV := $(TOOLS)/bin/uv
SYNC = $(UV) pip sync --quiet --require-hashes --python
PY_OK := import sys; sys.exit(sys.version_info < (3, 11))

.PHONY: install run test bench lint format sync lock clean check-python mutation

# Forget the install stamp of a venv that no longer runs a good Python (checked as make starts).
$(foreach venv,$(RUN_VENV) $(DEV_VENV) $(TOOLS),$(if $(shell $(venv)/bin/python -c '$(PY_OK)' 2>/dev/null && echo ok),,$(shell rm -f $(venv)/.installed)))

check-python:
	@$(PYTHON) -c '$(PY_OK)' 2>/dev/null || { \
	  echo "error: imagebot needs Python 3.11 or newer, but '$(PYTHON)' is $$($(PYTHON) -V 2>&1 || echo 'not found'); install one and run e.g. 'make PYTHON=python3.12 run'" >&2; \
	  exit 2; }

# $(1): venv directory. Recreate it unless its python runs and is new enough.
define fresh_venv
	@$(1)/bin/python -c '$(PY_OK)' 2>/dev/null || { rm -rf $(1) && $(PYTHON) -m venv $(1); }
endef

$(TOOLS)/.installed: requirements-uv.lock | check-python
	$(call fresh_venv,$(TOOLS))
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
	  -r requirements-uv.lock
	touch $@

$(RUN_VENV)/.installed: requirements.lock $(TOOLS)/.installed | check-python
	$(call fresh_venv,$(RUN_VENV))
	$(SYNC) $(RUN_VENV)/bin/python requirements.lock
	touch $@

$(DEV_VENV)/.installed: requirements-dev.lock $(TOOLS)/.installed | check-python
	$(call fresh_venv,$(DEV_VENV))
	$(SYNC) $(DEV_VENV)/bin/python requirements-dev.lock
	touch $@

install: $(RUN_VENV)/.installed

run: $(RUN_VENV)/.installed
	$(RUN_VENV)/bin/python -m bot

sync: $(RUN_VENV)/.installed
	$(RUN_VENV)/bin/python -m bot sync

# Lint (ruff + mypy) first: CI runs `make test`, so a type error or a lint finding fails CI.
test: lint
	$(DEV_VENV)/bin/python -m pytest -q $(PYTEST_ARGS)

bench: $(DEV_VENV)/.installed
	$(DEV_VENV)/bin/python bench/gateway_client.py
	$(DEV_VENV)/bin/python bench/bot_load.py
	$(DEV_VENV)/bin/python bench/defer_latency.py
	$(DEV_VENV)/bin/python bench/settings_resolution.py
	$(DEV_VENV)/bin/python bench/moderation.py
	$(DEV_VENV)/bin/python bench/admission.py
	$(DEV_VENV)/bin/python bench/gc_pause.py
	$(DEV_VENV)/bin/python bench/priming.py

# mypy --strict on the whole Discord-free core (every module of bot/ outside bot/discord/, but
# the entry point, which starts the Discord runner), mypy's default checks on everything
# (bot/discord and cogs included); each keeps its own cache (.mypy_cache/), so a re-run after a
# small edit takes seconds.
MYPY_STRICT := bot/gateway bot/storage bot/policy bot/limits bot/i18n $(filter-out bot/__main__.py,$(wildcard bot/*.py))
lint: $(DEV_VENV)/.installed
	$(DEV_VENV)/bin/ruff check .
	$(DEV_VENV)/bin/ruff format --check .
	$(DEV_VENV)/bin/mypy --strict --cache-dir .mypy_cache/strict $(MYPY_STRICT)
	$(DEV_VENV)/bin/mypy --cache-dir .mypy_cache/standard -p bot -p cogs

# Mutation scores of bot/policy, bot/gateway/sse.py, bot/gateway/_parse.py and bot/limits
# (a fresh mutmut run each time; slow: not part of `make test`).
mutation: $(DEV_VENV)/.installed
	$(DEV_VENV)/bin/python scripts/mutation.py

format: $(DEV_VENV)/.installed
	$(DEV_VENV)/bin/ruff format .
	$(DEV_VENV)/bin/ruff check --fix .

# Re-resolve the locks after editing pyproject.toml's dependencies. --universal writes
# environment markers, so the same files install on Python 3.11 to 3.13 (e.g. audioop-lts,
# which discord.py needs from 3.13 on). The dev lock is constrained to the runtime pins.
UV_VERSION := 0.13.9
COMPILE = $(UV) pip compile --universal --python-version 3.11 --generate-hashes --quiet \
	--custom-compile-command 'make lock'
lock: $(TOOLS)/.installed
	echo 'uv==$(UV_VERSION)' | $(COMPILE) - -o requirements-uv.lock
	$(COMPILE) pyproject.toml -o requirements.lock
	$(COMPILE) pyproject.toml --extra dev -c requirements.lock -o requirements-dev.lock

clean:
	rm -rf $(RUN_VENV) $(DEV_VENV) $(TOOLS) .pytest_cache .ruff_cache .mypy_cache mutants build *.egg-info
