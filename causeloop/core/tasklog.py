"""One log line per task run, when it ends: `{"event": "task", "task", "task_id", "status",
"duration_ms", "attempt", "worker", "organization", "request_id", …}`.

A task run in the request that enqueued it (the immediate backend) carries that request's ID,
like every other line of the request. A worker's run has none of its own: the request that
enqueued it wrote a `task_enqueued` line with the same `task_id` and its own `request_id`, so the
two are joined by the task ID. (django-tasks-db keeps no field for more than the task's own
arguments, and a request ID is no argument of the task.)

The task's arguments are never logged: some are sealed secrets (an invitation's token).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import suppress
from contextvars import Token
from typing import Any

import structlog
from django.tasks.backends.immediate import ImmediateBackend
from django.tasks.base import TaskResult, TaskResultStatus
from django.tasks.signals import task_enqueued, task_finished, task_started

logger = structlog.get_logger("causeloop.tasks")

# What each running task bound to the context, to put back as it ends (a task run in a
# request must leave the request's own context as it found it).
_bound: dict[str, Mapping[str, Token[Any]]] = {}


def _enqueued(sender: type, task_result: TaskResult, **_kwargs: Any) -> None:
    if issubclass(sender, ImmediateBackend):
        return  # it runs now, and its task line carries the request's ID itself
    logger.info("task_enqueued", task=task_result.task.module_path, task_id=str(task_result.id))


def _started(sender: type, task_result: TaskResult, **_kwargs: Any) -> None:
    context: dict[str, str | None] = {
        "task": task_result.task.module_path,
        "task_id": str(task_result.id),
    }
    if "request_id" not in structlog.contextvars.get_contextvars():
        context["request_id"] = None  # a worker's run: no request of its own
    _bound[str(task_result.id)] = structlog.contextvars.bind_contextvars(
        **context, organization=None
    )


def _finished(sender: type, task_result: TaskResult, **_kwargs: Any) -> None:
    began = task_result.last_attempted_at or task_result.started_at
    ended = task_result.finished_at
    duration = (ended - began).total_seconds() * 1000 if began and ended else None
    failed = task_result.status == TaskResultStatus.FAILED
    # The class only: the message and the traceback are in Django's own ERROR line.
    error = task_result.errors[-1].exception_class_path if failed and task_result.errors else None
    logger.log(
        logging.ERROR if failed else logging.INFO,
        "task",
        task=task_result.task.module_path,
        task_id=str(task_result.id),
        status=str(task_result.status),
        duration_ms=round(duration, 2) if duration is not None else None,
        attempt=task_result.attempts,
        worker=task_result.worker_ids[-1] if task_result.worker_ids else None,
        **({"error": error} if failed else {}),
    )
    tokens = _bound.pop(str(task_result.id), None)
    if tokens:
        with suppress(ValueError):  # bound in another context: nothing of ours to put back
            structlog.contextvars.reset_contextvars(**tokens)


def connect() -> None:
    """Write the task lines from now on (called once, as the apps are ready)."""
    task_enqueued.connect(_enqueued, dispatch_uid="causeloop.tasklog.enqueued")
    task_started.connect(_started, dispatch_uid="causeloop.tasklog.started")
    task_finished.connect(_finished, dispatch_uid="causeloop.tasklog.finished")
