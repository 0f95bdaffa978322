# The two commands a newcomer needs:
#   make run   — set up what running needs and serve the app with demo data on SQLite
#                (PORT=8123 make run serves on another port)
#   make test  — set everything up and run the whole test suite on PostgreSQL
SHELL := /bin/bash
PY := .venv/bin/python

.PHONY: run test setup lint typecheck bench

setup:
	@bash .ci/setup.sh dev

run:
	@bash .ci/run-app.sh

test:
	@bash .ci/test.sh

lint: setup
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/lint-imports --no-cache

typecheck: setup
	DEBUG=true .venv/bin/mypy causeloop organizations memberships onboarding webhooks

bench: setup
	$(PY) benchmarks/onboard.py && $(PY) benchmarks/api.py && $(PY) benchmarks/rls.py && $(PY) benchmarks/multiserver.py && $(PY) benchmarks/runs.py && $(PY) benchmarks/webhooks.py && $(PY) benchmarks/pooled.py && $(PY) benchmarks/scale.py
