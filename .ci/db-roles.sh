#!/usr/bin/env bash
# The two database roles of a PostgreSQL deployment (idempotent; never drops anything):
#   causeloop_owner — owns the schema and every table; `manage.py migrate` runs as it.
#   causeloop_app   — what the application connects as: LOGIN, NOSUPERUSER, NOBYPASSRLS, owns
#                     nothing, may only SELECT/INSERT/UPDATE/DELETE; row-level security applies.
#                     Audit rows are the exception: SELECT and INSERT only, never UPDATE or
#                     DELETE (the migration that creates the guard revokes what the default
#                     privileges below grant; re-running this script revokes it again).
# Usage: bash .ci/db-roles.sh [DATABASE]
#   With DATABASE, also creates it (owned by causeloop_owner) if missing and grants the app role
#   its privileges there, now and for every table the owner creates later.
# Connects as $PGSUPERUSER (default postgres) to $PGHOST:$PGPORT (default 127.0.0.1:5432).
# Passwords: $CAUSELOOP_DB_OWNER_PASSWORD / $CAUSELOOP_DB_APP_PASSWORD (set them in production).
set -euo pipefail
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}"
super="${PGSUPERUSER:-postgres}"
owner_password="${CAUSELOOP_DB_OWNER_PASSWORD:-causeloop_owner}"
app_password="${CAUSELOOP_DB_APP_PASSWORD:-causeloop_app}"
database="${1:-}"

psql -q -X -v ON_ERROR_STOP=1 -U "$super" -d postgres \
  -v owner_password="$owner_password" -v app_password="$app_password" <<'SQL'
SELECT 'CREATE ROLE causeloop_owner LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'causeloop_owner') \gexec
SELECT 'CREATE ROLE causeloop_app LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'causeloop_app') \gexec
ALTER ROLE causeloop_owner LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOREPLICATION
  PASSWORD :'owner_password';
ALTER ROLE causeloop_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB NOREPLICATION
  PASSWORD :'app_password';
SQL

if [[ -n "$database" ]]; then
  psql -q -X -v ON_ERROR_STOP=1 -U "$super" -d postgres -v db="$database" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER causeloop_owner', :'db')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO causeloop_app', :'db') \gexec
SQL
  psql -q -X -v ON_ERROR_STOP=1 -U "$super" -d "$database" <<'SQL'
ALTER SCHEMA public OWNER TO causeloop_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO causeloop_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO causeloop_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO causeloop_app;
ALTER DEFAULT PRIVILEGES FOR ROLE causeloop_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO causeloop_app;
ALTER DEFAULT PRIVILEGES FOR ROLE causeloop_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO causeloop_app;
DO $$
BEGIN
  IF to_regclass('public.organizations_auditlog') IS NOT NULL THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON public.organizations_auditlog FROM causeloop_app;
  END IF;
END
$$;
SQL
fi
echo "==> database roles causeloop_owner and causeloop_app ready${database:+ (database $database)}"
