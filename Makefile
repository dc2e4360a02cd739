# Chasqui: every target does its own set-up (environment, jars, Kafka, Postgres) and is fast the second time.

SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")

.PHONY: help setup browser run test test-all chaos lint typecheck format up down status catalogue openapi asyncapi-validate contracts

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

setup:  ## create .venv with every workspace member from uv.lock (installs uv if missing)
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --all-packages --frozen --quiet

run: setup  ## the main command (chasqui-scenario run): Kafka, Postgres, the seven services, a Perú scenario and its report (HOUSEHOLDS=, SEED=)
	@$(UV) run chasqui-scenario run $(if $(HOUSEHOLDS),--households $(HOUSEHOLDS)) $(if $(SEED),--seed $(SEED))

# The console's browser tests drive Debian's chromium (never a downloaded browser build). As root,
# install it once (a no-op when present); otherwise say how: outside CI those tests are then skipped.
browser:  ## Debian's chromium for the console's browser tests (apt-get as root; once)
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "browser: installing Debian's chromium (once)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
				chromium fonts-dejavu-core >/dev/null \
				|| echo "browser: could not install chromium; the browser tests will say so" >&2; \
		else \
			echo "browser: no chromium; run 'sudo apt-get install chromium' or the console's browser tests are skipped" >&2; \
		fi; }

test: setup browser  ## run the test suite against a real Kafka and Postgres (started if not running)
	@$(UV) run pytest

test-all: setup browser  ## the suite plus the slow tests (chaos, benchmarks marked slow)
	@$(UV) run pytest -m ""

chaos: setup  ## every chaos scenario with its checker on a private platform (CHAOS_HOUSEHOLDS=, default 10000); rows in .local/chaos-results.jsonl
	@mkdir -p .local
	@CHASQUI_CHAOS_HOUSEHOLDS=$(or $(CHAOS_HOUSEHOLDS),10000) CHASQUI_CHAOS_RESULTS=$(CURDIR)/.local/chaos-results.jsonl \
		$(UV) run pytest tests/chaos -m chaos -p no:randomly -s -q

lint: setup  ## ruff lint and format check, import-linter contracts (the layers)
	@$(UV) run ruff check .
	@$(UV) run ruff format --check .
	@$(UV) run lint-imports

typecheck: setup  ## mypy --strict over every package
	@$(UV) run mypy libs/common/src libs/testing/src deploy/local/src $(wildcard services/*/src) tools/cli/src tools/contracts/src tools/scenario/src

format: setup
	@$(UV) run ruff format .
	@$(UV) run ruff check --fix .

up: setup  ## start the local Kafka and Postgres (idempotent) and print their addresses
	@$(UV) run chasqui-local start
	@$(UV) run chasqui-local env

down: setup  ## stop the platform: the services `make run` started, then the local Kafka and Postgres
	@$(UV) run chasqui-local down

status: setup  ## is the local stack running?
	@$(UV) run chasqui-local status

catalogue: setup  ## regenerate docs/schemas (JSON Schema per event), docs/catalogue.md, docs/asyncapi.yaml
	@$(UV) run chasqui-catalogue --write docs

openapi: setup  ## export each installed service's OpenAPI document to docs/openapi/
	@$(UV) run python -m chasqui_cli.openapi_export --write docs/openapi

ASYNCAPI_VALIDATE := tools/asyncapi-validate

asyncapi-validate:  ## validate docs/asyncapi.yaml with the official parser (npm ci from the lockfile once)
	@command -v node >/dev/null 2>&1 || { echo "asyncapi-validate: Node.js 18+ and npm are needed" >&2; exit 1; }
	@[ $(ASYNCAPI_VALIDATE)/node_modules/.package-lock.json -nt $(ASYNCAPI_VALIDATE)/package-lock.json ] || \
		(cd $(ASYNCAPI_VALIDATE) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
	@cd $(ASYNCAPI_VALIDATE) && node validate.mjs ../../docs/asyncapi.yaml

contracts: catalogue openapi asyncapi-validate  ## regenerate every published contract and validate AsyncAPI

.PHONY: deploy-tools deploy-check

deploy-tools: setup  ## build kustomize and install the CRD validator into .local (cached)
	@bash deploy/k8s/tools.sh

deploy-check: deploy-tools  ## validate Dockerfile, docker-compose.yml and deploy/k8s (no Docker needed)
	@$(UV) run pytest tests/deploy -q
