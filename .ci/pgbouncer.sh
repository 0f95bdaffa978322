#!/usr/bin/env bash
# Makes sure PgBouncer answers on 127.0.0.1:6432 in transaction pooling mode, in front of the
# PostgreSQL on 127.0.0.1:5432 (installs and starts it if needed; idempotent). The app goes
# through it with DATABASE_URL on port 6432 and DATABASE_POOL_MODE=transaction (settings.py).
#
# The configuration it starts with is this checkout's own, written to var/pgbouncer/:
#   - every database name is passed through to PostgreSQL (`* = host=… port=…`), so each test
#     database is pooled without listing it;
#   - pool_mode=transaction: a server connection serves one transaction, then another client;
#   - authentication fit for a test machine whose PostgreSQL trusts 127.0.0.1: the superuser
#     `postgres` is trusted on loopback (it runs the tests and the admin console), the two
#     application roles log in with their passwords (SCRAM, checked against the plain-text
#     userlist written here from the same variables as .ci/db-roles.sh). Production keeps no
#     plain-text password: see docs/operations.md (auth_type=scram-sha-256 with auth_query).
#   - the admin console (`psql -h 127.0.0.1 -p 6432 -U postgres pgbouncer`: SHOW POOLS, KILL,
#     RESUME, RELOAD) is open to `postgres`.
# Runs as the `postgres` user when started by root (PgBouncer refuses to run as root).
# Environment: PGBOUNCER_PORT (6432), PGHOST/PGPORT of the server (127.0.0.1:5432),
# CAUSELOOP_DB_APP_PASSWORD / CAUSELOOP_DB_OWNER_PASSWORD (as .ci/db-roles.sh); for a second
# instance (a test's pool of one server connection): PGBOUNCER_DIR (var/pgbouncer) and
# PGBOUNCER_POOL_SIZE (server connections per database and user, 8). Stop an instance with
# `psql -h 127.0.0.1 -p PORT -U postgres pgbouncer -c SHUTDOWN`.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PGBOUNCER_PORT:-6432}"
server_host="${PGHOST:-127.0.0.1}" server_port="${PGPORT:-5432}"
dir="${PGBOUNCER_DIR:-$PWD/var/pgbouncer}"
pool_size="${PGBOUNCER_POOL_SIZE:-8}"

answers() { pg_isready -q -h 127.0.0.1 -p "$port" -U postgres -d pgbouncer 2>/dev/null; }

if answers; then exit 0; fi
if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$(dirname "$dir")" 2>/dev/null; then
  dir="/tmp/causeloop-pgbouncer-$port"  # the postgres user cannot reach this checkout
fi
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9  # two test workers starting at once: the second finds the first's server answering
if answers; then exit 0; fi

if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
  echo "==> installing PgBouncer"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null
  # The package's own service (Debian's configuration, no databases) would take the port.
  service pgbouncer stop >/dev/null 2>&1 || true
fi
pgbouncer="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"

quote() { printf '"%s"' "${1//\"/\"\"}"; }
umask 077
{
  echo "$(quote postgres) \"\""
  echo "$(quote causeloop_app) $(quote "${CAUSELOOP_DB_APP_PASSWORD:-causeloop_app}")"
  echo "$(quote causeloop_owner) $(quote "${CAUSELOOP_DB_OWNER_PASSWORD:-causeloop_owner}")"
} >"$dir/userlist.txt"
cat >"$dir/hba.conf" <<'HBA'
# type  database  user      address        method
host    all       postgres  127.0.0.1/32   trust
host    all       all       127.0.0.1/32   scram-sha-256
HBA
cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=$server_host port=$server_port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
pool_mode = transaction
auth_type = hba
auth_hba_file = $dir/hba.conf
auth_file = $dir/userlist.txt
admin_users = postgres
stats_users = postgres
; Two test workers, the multi-server tests' gunicorn processes and the benchmarks, with room.
max_client_conn = 400
; Per database and user: well under PostgreSQL's max_connections, shared with direct clients.
default_pool_size = $pool_size
reserve_pool_size = 0
; Test databases come and go: idle server connections are closed soon, so none lingers to
; stop a DROP DATABASE for long (the suite also closes them itself: KILL/RESUME).
server_idle_timeout = 15
server_lifetime = 3600
server_login_retry = 1
query_wait_timeout = 60
ignore_startup_parameters = extra_float_digits
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI

as_user=()
if [ "$(id -u)" = 0 ]; then
  chown -R postgres: "$dir"
  as_user=(-u postgres)
fi
echo "==> starting PgBouncer on 127.0.0.1:$port (transaction pooling, config in $dir)"
"$pgbouncer" -d "${as_user[@]}" "$dir/pgbouncer.ini" 9>&-  # the daemon keeps no lock
for _ in $(seq 1 30); do answers && exit 0; sleep 0.5; done
echo "PgBouncer did not come up on 127.0.0.1:$port (see $dir/pgbouncer.log)" >&2
exit 1
