"""`manage.py db_worker`: django-tasks-db's worker, with the webhook scheduler running beside it.

The worker runs tasks as django-tasks-db's does (same options). Beside it, a thread runs
`webhooks.scheduler.run_once` every `CAUSELOOP_WEBHOOKS_SCHEDULER_INTERVAL` seconds: it relays
new events to endpoints and queues the attempts that are due, so deliveries start within a
fraction of a second of the change committing, with no request ever sending one. Any number of
workers may run; their schedulers share the work without overlap.

The same thread renews the worker's heartbeat (`webhooks.heartbeat`) every few seconds, so
`/readyz` knows a worker is alive; it shares the scheduler's database connection.

With `--batch` (tests, one-off runs) there is no thread: the heartbeat is written once, then the
scheduler runs, then the queued tasks, and again until a round finds nothing to do.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from webhooks.heartbeat import HEARTBEAT_SECONDS, forget_gone_workers, heartbeat
from webhooks.scheduler import run_once

logger = logging.getLogger("webhooks.scheduler")


def _scheduler_loop(interval: float, worker: str) -> None:
    last_beat = -HEARTBEAT_SECONDS
    while True:
        try:
            close_old_connections()
            if time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
                heartbeat(worker=worker)
                last_beat = time.monotonic()
            run_once()
        except Exception:
            logger.exception("The webhook scheduler's round failed; trying again")
        time.sleep(interval)


# An idle worker looks for tasks this often (django-tasks-db's default is 1 s): with the
# scheduler's own interval, it bounds how long a committed event waits before it is sent.
IDLE_INTERVAL = 0.25


class Command(db_worker.Command):
    help = "Run a database background worker, with the webhook scheduler beside it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(interval=IDLE_INTERVAL)

    def configure_logging(self, verbosity: int) -> None:
        """django-tasks-db's levels, except that a task's run is one line (causeloop.core.tasklog):
        Django's own start and end lines of each task stay off unless `-v 2` asks for them."""
        super().configure_logging(verbosity)
        if verbosity == 1:
            logging.getLogger("django.tasks").setLevel(logging.WARNING)

    def handle(self, *args: Any, **options: Any) -> None:
        worker = options["worker_id"]
        if options["batch"]:
            heartbeat(worker=worker)
            run_once()
            while True:
                super().handle(*args, **options)
                if not run_once():
                    return
        # With --reload, only the child process that runs the worker schedules.
        if not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            interval = settings.CAUSELOOP_WEBHOOKS_SCHEDULER_INTERVAL
            forget_gone_workers()
            threading.Thread(
                target=_scheduler_loop,
                args=(interval, worker),
                name="webhook-scheduler",
                daemon=True,
            ).start()
        super().handle(*args, **options)
