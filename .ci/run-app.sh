#!/usr/bin/env bash
# `make run`: set up, migrate an embedded SQLite database, load demo data, serve on :8000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh dev
export DEBUG="${DEBUG:-true}"
unset DATABASE_URL
mkdir -p var
PY=.venv/bin/python
$PY manage.py migrate --no-input -v0
$PY manage.py seed_demo
# Mail leaves from a background worker beside the server, as in production (.ci/worker.sh).
export TASKS_BACKEND="${TASKS_BACKEND:-database}"
if [ "$TASKS_BACKEND" = database ]; then bash .ci/worker.sh $$ & fi
echo
echo "  Causeloop is running at http://127.0.0.1:8000/  (platform admin: http://127.0.0.1:8000/platform-admin/)"
echo
exec $PY manage.py runserver 127.0.0.1:8000
