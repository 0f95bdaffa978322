"""Workers saying they are alive, and who said it lately (`/readyz` asks)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models.functions import Now

from webhooks.models import WorkerHeartbeat

# A running worker renews its row this often (seconds); `CAUSELOOP_WORKER_STALE_SECONDS`
# (default 60) must stay well above it.
HEARTBEAT_SECONDS = 5.0
# Rows of workers not seen for this long (stopped, or restarted under a new ID) are deleted
# when a worker starts.
FORGET_AFTER = timedelta(days=1)


def heartbeat(*, worker: str) -> None:
    """Record that `worker` is alive now (one upsert, by the database's clock)."""
    WorkerHeartbeat.objects.bulk_create(
        [WorkerHeartbeat(worker=worker[:64], seen_at=Now())],
        update_conflicts=True,
        unique_fields=["worker"],
        update_fields=["seen_at"],
    )


def forget_gone_workers() -> int:
    """Delete the rows of workers not seen for `FORGET_AFTER`; returns how many."""
    deleted, _ = WorkerHeartbeat.objects.filter(seen_at__lt=Now() - FORGET_AFTER).delete()
    return deleted


def workers_seen_within(*, seconds: float) -> int:
    """How many workers said they were alive in the last `seconds` (one indexed count)."""
    return WorkerHeartbeat.objects.filter(seen_at__gte=Now() - timedelta(seconds=seconds)).count()
