"""How long events and their delivery logs are kept: `events_prune` deletes the old ones in
bounded batches (`manage.py prune_events`, daily). Event IDs grow with time, so "older than"
is a range of the primary key: each batch is an index range, whatever the table holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from causeloop.core.ids import id_floor
from causeloop.core.tenancy import platform_work
from organizations.models import Event
from organizations.validation import clean_whole
from webhooks.models import WebhookDelivery

DEFAULT_KEEP_DAYS = 90
MIN_KEEP_DAYS = 7  # longer than any delivery's retry schedule
MAX_BATCH = 10_000


@dataclass(frozen=True)
class EventsPruned:
    """The events created before `cutoff` deleted (or counted, on a dry run), with their
    deliveries, in `batches` transactions."""

    cutoff: datetime
    events: int
    deliveries: int
    batches: int
    dry_run: bool


def events_prune(
    *, older_than_days: int = DEFAULT_KEEP_DAYS, batch_size: int = 1000, dry_run: bool = False
) -> EventsPruned:
    """Platform: delete events older than `older_than_days` (at least 7: no delivery is still
    being retried by then) and their delivery logs, `batch_size` events per transaction."""
    days = clean_whole(
        older_than_days, field="older_than", label="Days", low=MIN_KEEP_DAYS, high=36_500
    )
    size = clean_whole(batch_size, field="batch_size", label="Batch size", low=1, high=MAX_BATCH)
    cutoff = timezone.now() - timedelta(days=days)
    old = Event.objects.filter(id__lt=id_floor("evt", cutoff))
    if dry_run:
        with platform_work():
            events = old.count()
            deliveries = WebhookDelivery.objects.filter(event__in=old).count()
        return EventsPruned(cutoff, events, deliveries, 0, dry_run=True)
    events = deliveries = batches = 0
    while True:
        with platform_work():
            ids = list(old.order_by("id").values_list("id", flat=True)[:size])
            if not ids:
                break
            deliveries += WebhookDelivery.objects.filter(event_id__in=ids).delete()[0]
            events += Event.objects.filter(id__in=ids).delete()[0]
            batches += 1
    return EventsPruned(cutoff, events, deliveries, batches, dry_run=False)
