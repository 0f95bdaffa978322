"""A throwaway PostgreSQL database laid out as in production, for the benchmarks: tables owned
by `causeloop_owner` (which migrates), the app connecting as `causeloop_app` (row-level security
applies). Server and superuser come from PGHOST, PGPORT, PGSUPERUSER (default 127.0.0.1:5432,
postgres)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = os.environ.get("PGHOST", "127.0.0.1")
PORT = os.environ.get("PGPORT", "5432")
SUPERUSER = os.environ.get("PGSUPERUSER", "postgres")
APP = ("causeloop_app", os.environ.get("CAUSELOOP_DB_APP_PASSWORD", "causeloop_app"))
OWNER = ("causeloop_owner", os.environ.get("CAUSELOOP_DB_OWNER_PASSWORD", "causeloop_owner"))


def url(database: str, role: tuple[str, str]) -> str:
    return f"postgres://{role[0]}:{role[1]}@{HOST}:{PORT}/{database}"


def recreate(database: str, env: dict[str, str] | None = None) -> None:
    """Drop `database`, create it for the two roles, migrate it as the owner."""
    pg_env = {**os.environ, "PGHOST": HOST, "PGPORT": PORT}
    drop = f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'
    subprocess.run(
        ["psql", "-q", "-U", SUPERUSER, "-d", "postgres", "-c", drop], env=pg_env, check=True
    )
    subprocess.run(["bash", str(ROOT / ".ci" / "db-roles.sh"), database], env=pg_env, check=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        check=True,
        env={**os.environ, "DEBUG": "true", **(env or {}), "DATABASE_URL": url(database, OWNER)},
    )
