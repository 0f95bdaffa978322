"""PgBouncer and Redis for the benchmarks, as production runs at scale (SPEC §12): the app
through PgBouncer in transaction pooling mode (127.0.0.1:6432, `DATABASE_POOL_MODE=transaction`),
its cache, rate-limit counters and sessions in Redis (127.0.0.1:6379) under a key prefix of its
own. `.ci/pgbouncer.sh` and `.ci/redis.sh` start them when nothing answers. Commands (migrate,
seeding) still connect to PostgreSQL directly, as they must behind a transaction pooler."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from redis import Redis, RedisError

ROOT = Path(__file__).resolve().parents[1]
PGBOUNCER_PORT = os.environ.get("PGBOUNCER_PORT", "6432")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def start() -> None:
    """PgBouncer and Redis answer."""
    for script in ("redis.sh", "pgbouncer.sh"):
        subprocess.run(["bash", str(ROOT / ".ci" / script)], check=True, stdout=subprocess.DEVNULL)


def app_env(*, database: str, role: tuple[str, str], redis: bool = True) -> dict[str, str]:
    """An app server's variables: `role` on `database` through PgBouncer and, with `redis`,
    cache and sessions in Redis under the database's name (concurrent runs share the server,
    never a counter)."""
    env = {
        "DATABASE_URL": f"postgres://{role[0]}:{role[1]}@127.0.0.1:{PGBOUNCER_PORT}/{database}",
        "DATABASE_POOL_MODE": "transaction",
    }
    if redis:
        env |= {"CACHE_URL": REDIS_URL, "CACHE_KEY_PREFIX": database, "SESSION_ENGINE": "cache"}
    return env


def forget(prefix: str) -> None:
    """Delete the Redis keys under `prefix` (nothing to do when no Redis answers)."""
    try:
        redis = Redis.from_url(REDIS_URL)
        keys = list(redis.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            redis.delete(*keys)
    except RedisError:
        pass
