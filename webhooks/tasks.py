"""The background task that makes delivery attempts (`manage.py db_worker` runs it)."""

from __future__ import annotations

from django.tasks import TaskContext, task

from webhooks.attempts import attempt_batch


@task(takes_context=True)
def deliver(context: TaskContext, delivery_ids: list[str] | str) -> dict[str, str]:
    """Attempt the deliveries (one endpoint's, up to `scheduler.PER_TASK`) that are still due;
    a duplicate or late task does nothing. Returns what happened to each."""
    ids = [delivery_ids] if isinstance(delivery_ids, str) else list(delivery_ids)
    return attempt_batch(ids, token=str(context.task_result.id))
