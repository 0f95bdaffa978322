"""What `/readyz` checks (SPEC §12): the database, the cache, the migrations, the workers.

Each check is a django-health-check `HealthCheck` that raises its `ServiceUnavailable` with a
message fit for anyone to read (no server address, no driver text: the probe is public; the
cause goes to the log). They run in the request's own thread on the app's own database
connection, one after the other: the package's view would run them in an executor's threads
(other connections, so not "the app's connection"), answer a failure with 500 and show the
driver's message, so `readiness()` is the runner instead.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.core.cache import caches
from django.db import Error, connection
from django.db.migrations.executor import MigrationExecutor
from django.tasks import task_backends
from django_tasks_db import DatabaseBackend
from health_check import HealthCheck
from health_check.exceptions import HealthCheckException, ServiceUnavailable

from webhooks.heartbeat import workers_seen_within

logger = logging.getLogger(__name__)

OK, FAILING, NOT_REQUIRED = "ok", "failing", "not required"


@dataclasses.dataclass
class DatabaseCheck(HealthCheck):
    """The app's own connection answers `SELECT 1`."""

    def run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                row = cursor.fetchone()
        except Error as error:
            raise ServiceUnavailable("The database did not answer.") from error
        if row != (1,):
            raise ServiceUnavailable("The database answered SELECT 1 with something else.")


@dataclasses.dataclass
class CacheCheck(HealthCheck):
    """The shared cache keeps a value and forgets it: set, get and delete a key of its own."""

    alias: str = "default"

    def run(self) -> None:
        key, value = f"causeloop:readyz:{uuid.uuid4().hex}", "ready"
        try:
            cache = caches[self.alias]
            cache.set(key, value, timeout=30)
            kept = cache.get(key)
            cache.delete(key)
        except Exception as error:  # each backend has its own (Redis's, the database's…)
            raise ServiceUnavailable("The cache did not answer.") from error
        if kept != value:
            raise ServiceUnavailable("The cache did not keep a value.")


@dataclasses.dataclass
class MigrationsCheck(HealthCheck):
    """No migration of the code is missing from the database. Once true, a process remembers
    it (the code it runs cannot gain a migration), so later probes read no migration file."""

    applied: ClassVar[bool] = False

    def run(self) -> None:
        if MigrationsCheck.applied:
            return
        try:
            executor = MigrationExecutor(connection)
            missing = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Error as error:
            raise ServiceUnavailable("The applied migrations could not be read.") from error
        if missing:
            raise ServiceUnavailable(f"{len(missing)} migration(s) not applied yet.")
        MigrationsCheck.applied = True


@dataclasses.dataclass
class WorkersCheck(HealthCheck):
    """A background worker said it was alive within `CAUSELOOP_WORKER_STALE_SECONDS`."""

    def run(self) -> None:
        stale = settings.CAUSELOOP_WORKER_STALE_SECONDS
        try:
            seen = workers_seen_within(seconds=stale)
        except Error as error:
            raise ServiceUnavailable("The workers' heartbeats could not be read.") from error
        if not seen:
            raise ServiceUnavailable(f"No worker seen in the last {stale} seconds.")


def workers_required() -> bool:
    """Whether tasks wait for a worker (`TASKS_BACKEND=database`) rather than run in-process."""
    return isinstance(task_backends["default"], DatabaseBackend)


@dataclass(frozen=True)
class Readiness:
    """Every check's result (`{"status": …}` with a `message` when failing, the `seconds` it
    took when it passed) and the names of those failing."""

    checks: dict[str, dict[str, str | float]]
    failing: list[str]


def _outcome(check: HealthCheck) -> dict[str, str | float]:
    started = time.perf_counter()
    try:
        check.run()
    except HealthCheckException as error:
        logger.warning("Readiness check %r failed: %s", check, error, exc_info=error.__cause__)
        return {"status": FAILING, "message": str(error.message)}
    except Exception:
        logger.exception("Readiness check %r failed unexpectedly", check)
        return {"status": FAILING, "message": "The check failed unexpectedly."}
    return {"status": OK, "seconds": round(time.perf_counter() - started, 4)}


def readiness() -> Readiness:
    """Run every check; those that need the database are not run when it did not answer."""
    checks = {"database": _outcome(DatabaseCheck()), "cache": _outcome(CacheCheck())}
    database_up = checks["database"]["status"] == OK
    skipped: dict[str, str | float] = {
        "status": FAILING,
        "message": "Not checked: the database did not answer.",
    }
    checks["migrations"] = _outcome(MigrationsCheck()) if database_up else skipped
    if not workers_required():
        checks["workers"] = {"status": NOT_REQUIRED}
    else:
        checks["workers"] = _outcome(WorkersCheck()) if database_up else skipped
    failing = [name for name, result in checks.items() if result["status"] == FAILING]
    return Readiness(checks=checks, failing=failing)
