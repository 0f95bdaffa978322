#!/usr/bin/env bash
# `make run`'s background worker (`manage.py db_worker`: mail, webhook deliveries and other
# tasks, with the webhook scheduler beside them, as in production with TASKS_BACKEND=database).
# It stops when the process whose id is $1 (the server) ends: Ctrl-C reaches the server, not a
# job started in the background.
set -euo pipefail
cd "$(dirname "$0")/.."
server="$1"
.venv/bin/python manage.py db_worker --no-reload &
worker=$!
while kill -0 "$server" 2>/dev/null && kill -0 "$worker" 2>/dev/null; do sleep 1; done
kill "$worker" 2>/dev/null || true
