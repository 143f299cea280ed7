# SPBE Platform — `make help` lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
PYTEST_ARGS ?=
export SPBE_PORT := $(PORT)
export SPBE_PUBLIC_URL ?= http://$(HOST):$(PORT)

.PHONY: help
help: ## List every target with what it does
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sort | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

.PHONY: install
install: $(BIN)/.installed assets ## Create .venv and install the platform, its tools and its web assets

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: assets
assets: node_modules/.installed ## Build the rebranded govuk-frontend CSS/JS and fonts into the package
	npm run --silent build

.PHONY: migrate
migrate: $(BIN)/.installed ## Migrate the database to the latest schema
	$(BIN)/spbe db upgrade

.PHONY: demo
demo: migrate ## Load region codes, agencies and demo data (safe to repeat)
	$(BIN)/spbe demo seed

.PHONY: run
run: install demo ## Start the whole platform on SQLite with demo data at http://127.0.0.1:8000 (PORT=… for another)
	$(BIN)/spbe serve --host $(HOST) --port $(PORT)

.PHONY: lint
lint: $(BIN)/.installed ## Ruff lint and format check, and the import-direction contract
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

.PHONY: format
format: $(BIN)/.installed ## Format and auto-fix with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

.PHONY: types
types: $(BIN)/.installed ## mypy --strict on src/
	$(BIN)/mypy

.PHONY: test
test: install lint types ## Lint, type-check and run every test (SPBE_DATABASE_URL picks PostgreSQL)
	$(BIN)/pytest $(PYTEST_ARGS)

.PHONY: test-pg
test-pg: install ## Run the tests against a throwaway local PostgreSQL (Debian's postgresql)
	scripts/with-postgres.sh $(BIN)/pytest $(PYTEST_ARGS)

.PHONY: i18n
i18n: $(BIN)/.installed ## Extract translatable text and update the id/en catalogues (then translate new ids)
	$(BIN)/pybabel extract -F babel.cfg -o src/spbe/locale/messages.pot --no-location --sort-output \
		--project="SPBE Platform" --version=0.1.0 --copyright-holder="SPBE Platform contributors" .
	$(BIN)/pybabel update -i src/spbe/locale/messages.pot -d src/spbe/locale --no-fuzzy-matching --ignore-obsolete

.PHONY: bench-registry
bench-registry: $(BIN)/.installed ## Benchmark: import 27,400 apps, duplicate re-cluster, single checks, precision/recall (ARGS="--count 200000")
	$(BIN)/python bench/bench_registry.py $(ARGS)

.PHONY: bench-evaluation
bench-evaluation: $(BIN)/.installed ## Benchmark: score 615 agencies × 47 indicators and aggregate (target ≤ 1 s)
	$(BIN)/python bench/bench_evaluation.py

.PHONY: bench-identity
bench-identity: install ## Benchmark: token endpoint req/s (private_key_jwt, 50 clients) and login p50/p95
	$(BIN)/python bench/bench_identity.py

.PHONY: bench-interop
bench-interop: install ## Benchmark: direct vs nginx vs SPLP gateway with wrk (needs Debian wrk, nginx-light)
	bench/interop/run.sh

.PHONY: clean
clean: ## Remove the virtualenv, built assets, caches and the local data folder
	rm -rf $(VENV) node_modules src/spbe/core/static/vendor var .pytest_cache .mypy_cache .ruff_cache
