#!/usr/bin/env bash
# `make run`: set up what running needs, migrate an embedded SQLite database, load demo data and
# serve on http://127.0.0.1:$PORT/ (PORT defaults to 8000: `PORT=8123 make run`).
# `bash .ci/run-app.sh --dry-run` prints the steps it would take and runs none of them.
set -euo pipefail
cd "$(dirname "$0")/.."
dry_run=false
[ "${1:-}" = "--dry-run" ] && dry_run=true
step() { if $dry_run; then echo "+ $*"; else "$@"; fi; }

PORT="${PORT:-8000}"
if ! [[ "$PORT" =~ ^[0-9]{1,5}$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
  echo "PORT must be a port number from 1 to 65535 (got \"$PORT\")." >&2
  exit 2
fi
url="http://127.0.0.1:$PORT"

step bash .ci/setup.sh run
export DEBUG="${DEBUG:-true}"
# Log lines (one per request, one per task) readable in a terminal; production writes JSON.
export LOG_FORMAT="${LOG_FORMAT:-console}"
# Links in emails point at this server.
export CAUSELOOP_BASE_URL="${CAUSELOOP_BASE_URL:-$url}"
unset DATABASE_URL
mkdir -p var
PY=.venv/bin/python
step $PY manage.py migrate --no-input -v0
step $PY manage.py seed_demo
# Mail and webhooks leave from a background worker beside the server, as in production
# (.ci/worker.sh). On this machine webhooks may go to local receivers (never in production).
export TASKS_BACKEND="${TASKS_BACKEND:-database}"
export CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE="${CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE:-true}"
if [ "$TASKS_BACKEND" = database ] && ! $dry_run; then bash .ci/worker.sh $$ & fi
echo
echo "  Causeloop is running at $url/"
echo "  Sign in as alice@acme.test with the password causeloop-demo"
echo "  (platform admin: $url/platform-admin/ as operator@causeloop.test)"
echo "  A worker beside it sends mail and webhooks (manage.py db_worker); webhooks may go to"
echo "  http://127.0.0.1 receivers in this demo."
echo
if $dry_run; then
  echo "+ $PY manage.py runserver 127.0.0.1:$PORT"
  exit 0
fi
exec $PY manage.py runserver "127.0.0.1:$PORT"
