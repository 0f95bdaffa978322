"""The background task that makes one delivery attempt (`manage.py db_worker` runs it)."""

from __future__ import annotations

from django.tasks import TaskContext, task

from webhooks.attempts import attempt


@task(takes_context=True)
def deliver(context: TaskContext, delivery_id: str) -> str:
    """Attempt `delivery_id` if it is still due; a duplicate or late task does nothing."""
    return attempt(delivery_id, token=str(context.task_result.id))
