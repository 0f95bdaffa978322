"""Tests the production way (SPEC §12): Django's connection through PgBouncer in transaction
pooling mode (`.ci/pgbouncer.sh`, 127.0.0.1:6432), the cache — rate-limit counters — and the
sessions in Redis (`.ci/redis.sh`, 127.0.0.1:6379). The scripts start either when nothing
answers. Each test database keeps its Redis keys under its own prefix, so parallel workers and
concurrent runs never share a counter, and `cache.clear()` empties only its own."""

from __future__ import annotations

import functools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.db import connection, connections
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[1]
PGBOUNCER_PORT = int(os.environ.get("PGBOUNCER_PORT", "6432"))
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@functools.cache
def started() -> None:
    """Redis and PgBouncer answer (once per process; quick when they already run)."""
    for script in ("redis.sh", "pgbouncer.sh"):
        subprocess.run(["bash", str(ROOT / ".ci" / script)], check=True, capture_output=True)


class PrefixedRedisCache(RedisCache):
    """Django's Redis cache, whose `clear()` removes its own prefix's keys only (Django's
    flushes the whole Redis database: every other run's counters and sessions too)."""

    def clear(self) -> None:
        client = self._cache.get_client(None, write=True)
        keys = list(client.scan_iter(match=f"{self.key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)


def redis_settings(*, prefix: str) -> override_settings:
    """Cache and sessions in Redis under `prefix`."""
    return override_settings(
        CACHES={
            "default": {
                "BACKEND": "tests.pooling.PrefixedRedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": prefix,
            }
        },
        SESSION_ENGINE="django.contrib.sessions.backends.cache",
    )


def admin_console(*commands: str, port: int = PGBOUNCER_PORT) -> list[list[tuple]]:
    """Run commands on PgBouncer's admin console (as `postgres`); their rows."""
    with psycopg.connect(
        host="127.0.0.1", port=port, user="postgres", dbname="pgbouncer", autocommit=True
    ) as admin:
        results = []
        for command in commands:
            cursor = admin.execute(command)
            results.append(cursor.fetchall() if cursor.description else [])
        return results


def release_server_connections(database: str, *, port: int = PGBOUNCER_PORT) -> None:
    """Close PgBouncer's server connections to `database` now (idle, they would stop its DROP
    DATABASE at the end of the run), and let new clients in again."""
    admin_console(f"KILL {database}", f"RESUME {database}", port=port)


@contextmanager
def pooled(port: int = PGBOUNCER_PORT) -> Iterator[None]:
    """Django's connections (every thread's) through the PgBouncer on `port` in transaction
    pooling mode, set up as `DATABASE_POOL_MODE=transaction` sets them up; cache and sessions
    in Redis."""
    started()
    settings = connection.settings_dict
    names = ("HOST", "PORT", "POOL_MODE", "DISABLE_SERVER_SIDE_CURSORS", "OPTIONS")
    saved = {name: settings.get(name) for name in names}
    connections.close_all()
    settings.update(
        HOST="127.0.0.1",
        PORT=str(port),
        POOL_MODE="transaction",
        DISABLE_SERVER_SIDE_CURSORS=True,
        OPTIONS={**settings.get("OPTIONS", {}), "prepare_threshold": None},
    )
    try:
        with redis_settings(prefix=f"test:{settings['NAME']}"):
            try:
                yield
            finally:
                cache.clear()  # nothing of the run stays in Redis
    finally:
        connections.close_all()
        settings.update(saved)
        release_server_connections(settings["NAME"], port=port)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def pool_of_one() -> Iterator[int]:
    """A PgBouncer of its own (`.ci/pgbouncer.sh` on a free port, in a directory of its own)
    whose pools hold one server connection each: yields its port."""
    started()
    directory = tempfile.mkdtemp(prefix="causeloop-pool-of-one-")
    port = free_port()
    env = {
        **os.environ,
        "PGBOUNCER_PORT": str(port),
        "PGBOUNCER_DIR": directory,
        "PGBOUNCER_POOL_SIZE": "1",
    }
    script = ROOT / ".ci" / "pgbouncer.sh"
    subprocess.run(["bash", str(script)], env=env, check=True, capture_output=True)
    try:
        yield port
    finally:
        with suppress(psycopg.OperationalError):  # it may stop before it answers
            admin_console("SHUTDOWN", port=port)
        shutil.rmtree(directory, ignore_errors=True)
