#!/usr/bin/env bash
# `make test`: set everything up and run the whole suite (browser tests included) on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh dev
bash .ci/postgres.sh
bash .ci/db-roles.sh  # causeloop_owner / causeloop_app: the RLS tests connect as them
bash .ci/redis.sh  # the pooled tests' cache, rate limits and sessions
bash .ci/pgbouncer.sh  # transaction pooling in front of PostgreSQL: the pooled tests go through it
bash .ci/chromium.sh
bash .ci/redocly.sh  # the OpenAPI document's lint (tests/api/openapi/)
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/causeloop}"
echo "==> lint and types"
.venv/bin/ruff check --quiet .
.venv/bin/ruff format --check --quiet .
DEBUG=true .venv/bin/mypy causeloop organizations memberships onboarding webhooks directory
.venv/bin/lint-imports --no-cache
echo "==> running the test suite on $DATABASE_URL"
# Two workers (xdist): each has its own test database and live server.
# Tests that open a connection per thread share one group, so the two workers never run two
# of them at once (PostgreSQL allows 100 connections).
exec .venv/bin/pytest -q -n "${PYTEST_WORKERS:-2}" --dist loadgroup "$@"
