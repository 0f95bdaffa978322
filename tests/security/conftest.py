"""Fixtures for the database walls: the two roles, and switching Django's connection to them.

The main suite connects as the PostgreSQL superuser (row-level security does not apply to it).
These tests connect as `causeloop_app` — the role the application runs as in production — and
as `causeloop_owner`, to prove what each of them sees.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection, connections

from causeloop.core.tenancy import platform_work

ROOT = Path(__file__).resolve().parents[2]
APP_ROLE = ("causeloop_app", os.environ.get("CAUSELOOP_DB_APP_PASSWORD", "causeloop_app"))
OWNER_ROLE = ("causeloop_owner", os.environ.get("CAUSELOOP_DB_OWNER_PASSWORD", "causeloop_owner"))


def _pg_env() -> dict[str, str]:
    settings = connection.settings_dict
    return {
        **os.environ,
        "PGHOST": settings.get("HOST") or "127.0.0.1",
        "PGPORT": str(settings.get("PORT") or 5432),
        "PGSUPERUSER": settings.get("USER") or "postgres",
        "PGPASSWORD": settings.get("PASSWORD") or "",
    }


@pytest.fixture(scope="session")
def rls_database(django_db_setup, django_db_blocker) -> None:
    """The roles exist (`.ci/db-roles.sh`), and the test database is laid out as in production:
    tables owned by `causeloop_owner`, DML granted to `causeloop_app`."""
    subprocess.run(
        ["bash", str(ROOT / ".ci" / "db-roles.sh")], env=_pg_env(), check=True, capture_output=True
    )
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (table,) in cursor.fetchall():
            cursor.execute(f'ALTER TABLE "{table}" OWNER TO causeloop_owner')
        # The audit functions are the owner's too (migrate runs as the owner in production).
        cursor.execute(
            "SELECT oid::regprocedure FROM pg_proc WHERE proname IN ("
            "'causeloop_audit_append_only', 'causeloop_audit_forget', 'causeloop_audit_purge')"
        )
        for (function,) in cursor.fetchall():
            cursor.execute(f"ALTER FUNCTION {function} OWNER TO causeloop_owner")
        cursor.execute(
            "GRANT USAGE ON SCHEMA public TO causeloop_app;"
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO causeloop_app;"
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO causeloop_app;"
            # Audit rows are append-only for the application (SPEC §8).
            "REVOKE UPDATE, DELETE, TRUNCATE ON organizations_auditlog FROM causeloop_app;"
        )


@contextmanager
def connected_as(role: tuple[str, str]) -> Iterator[None]:
    """Every new connection of this process (any thread) logs in as `role` in the block."""
    settings = connection.settings_dict
    saved = settings["USER"], settings["PASSWORD"]
    connections.close_all()
    settings["USER"], settings["PASSWORD"] = role
    try:
        yield
    finally:
        connections.close_all()
        settings["USER"], settings["PASSWORD"] = saved


@pytest.fixture
def as_app(committed_db, rls_database) -> Iterator[None]:
    """Django's connection is the application role's for the test."""
    with connected_as(APP_ROLE):
        yield


@pytest.fixture
def as_owner(committed_db, rls_database) -> Iterator[None]:
    with connected_as(OWNER_ROLE):
        yield


@pytest.fixture
def platform() -> object:
    """`with platform():` — one committed transaction in the platform context."""
    return platform_work


@pytest.fixture
def _no_zeal() -> Iterator[None]:
    """For tests that run several service calls in a row (the same query twice is no N+1)."""
    from zeal import zeal_ignore

    with zeal_ignore():
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def _fresh_rate_limits(db) -> Iterator[None]:
    """Rate-limit counters live in the (database) cache: start empty, and leave nothing for
    other tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
