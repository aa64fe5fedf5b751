# Two commands on a fresh clone: `make run` and `make test`. Each bootstraps what it needs:
# a pinned uv in .tools/, then the locked environment in .venv/.

UV_VERSION := 0.13.8
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint chat format clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --quiet
	@touch $@

# A staff admin token for this machine, made once and kept out of git, so the admin API
# works at once; HELPBOT_BOOTSTRAP_ADMIN_TOKEN from the environment wins when set.
ADMIN_TOKEN_FILE := .helpbot-admin-token

$(ADMIN_TOKEN_FILE):
	@umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(32))" > $@

run: $(VENV)/.synced $(ADMIN_TOKEN_FILE)
	$(BIN)/helpbot migrate
	@token="$${HELPBOT_BOOTSTRAP_ADMIN_TOKEN:-$$(cat $(ADMIN_TOKEN_FILE))}"; \
	echo "Staff API: http://127.0.0.1:8000/docs  with  Authorization: Bearer $$token"; \
	HELPBOT_BOOTSTRAP_ADMIN_TOKEN="$$token" $(BIN)/helpbot serve

chat: $(VENV)/.synced
	$(BIN)/helpbot chat

lint: $(VENV)/.synced
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

format: $(VENV)/.synced
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(TOOLS) $(VENV) .pytest_cache .mypy_cache .ruff_cache
