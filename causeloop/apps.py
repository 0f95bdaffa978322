from typing import Any

from django.apps import AppConfig
from django.core.management import call_command
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate

from causeloop.core import lookups, tasklog
from causeloop.core.db import plan_each_run


def create_cache_table(using: str, **_kwargs: Any) -> None:
    """The database cache's table (the rate-limit counters every app process shares), made by
    every `migrate` where it is missing; nothing when the cache is Redis."""
    call_command("createcachetable", database=using, verbosity=0)


class CauseloopConfig(AppConfig):
    """Cross-cutting glue that needs tables: API idempotency records, database-level
    tenant isolation, the shared cache; the task log line; `iexact` served by the lower()
    indexes (causeloop.core.lookups), and prepared statements planned for their parameters."""

    name = "causeloop"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registration, not a cycle: importing the module registers the OpenAPI extensions,
        # which must wait until the apps (and their models) are ready.
        from causeloop.web.api import schema  # noqa: F401

        post_migrate.connect(create_cache_table, sender=self)
        tasklog.connect()
        lookups.register()
        connection_created.connect(plan_each_run, dispatch_uid="causeloop.plan_each_run")
