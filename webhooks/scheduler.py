"""The workers' scheduler: what turns committed events into queued delivery attempts.

It runs beside every worker (`manage.py db_worker`, see `webhooks.management.commands`), a few
times a second, and any number of copies cooperate: each step takes its rows with
`FOR UPDATE SKIP LOCKED`, so two workers never take the same ones.

1. `relay`: events not yet relayed (the outbox) → one delivery per endpoint that wants each,
   queued at once.
2. `queue_due`: deliveries due and not queued (retries whose time came, test sends, manual
   retries, attempts a lost worker left) → a task each.
3. `reclaim_lost`: deliveries whose attempt's lease ran out (the worker making it died, for
   instance under `kill -9`) → due again, and the dead task is marked failed.

Requests never send anything: they write rows, and this turns rows into work. Every step uses
the worker's clock, the one the task queue compares `run_after` with.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from datetime import datetime
from itertools import batched

from django.db.models import F
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from causeloop.core.metrics import WEBHOOK_DELIVERIES
from causeloop.core.tenancy import platform_work
from organizations.models import Event
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.schedule import MAX_ATTEMPTS
from webhooks.tasks import deliver

logger = logging.getLogger(__name__)
BATCH = 500
# Deliveries to one endpoint share a task, this many at most (see `webhooks.attempts`).
PER_TASK = 25


def _enqueue(deliveries: list[tuple[str, str]]) -> None:
    """One task per endpoint and `PER_TASK` of its deliveries, from (delivery, endpoint) IDs
    in event order."""
    by_endpoint: dict[str, list[str]] = defaultdict(list)
    for delivery_id, endpoint_id in deliveries:
        by_endpoint[endpoint_id].append(delivery_id)
    for ids in by_endpoint.values():
        for chunk in batched(ids, PER_TASK):
            deliver.enqueue(list(chunk))


def relay(now: datetime | None = None, *, limit: int = BATCH) -> int:
    """Fan one batch of new events out to their endpoints; returns how many events it took."""
    now = now or timezone.now()
    with platform_work():
        events = list(
            Event.objects.filter(relayed=False)
            .order_by("id")
            .select_for_update(skip_locked=True)
            .only("id", "organization_id", "type", "created_at")[:limit]
        )
        if not events:
            return 0
        endpoints: dict[str, list[WebhookEndpoint]] = defaultdict(list)
        for endpoint in WebhookEndpoint.objects.filter(
            organization_id__in={event.organization_id for event in events}, enabled=True
        ).only("id", "organization_id", "event_types", "created_at"):
            endpoints[endpoint.organization_id].append(endpoint)
        deliveries = [
            WebhookDelivery(
                organization_id=event.organization_id,
                endpoint_id=endpoint.pk,
                event_id=event.pk,
                next_attempt_at=now,
                queued=True,
            )
            for event in events
            for endpoint in endpoints[event.organization_id]
            # An endpoint gets what happened once it existed, and what it asked for.
            if endpoint.created_at <= event.created_at and endpoint.wants(event.type)
        ]
        # The constraint on (event, endpoint) backs up SKIP LOCKED: a second relay of an event
        # adds nothing (its task then finds no due delivery and does nothing).
        WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        Event.objects.filter(pk__in=[event.pk for event in events]).update(relayed=True)
        _enqueue([(delivery.pk, delivery.endpoint_id) for delivery in deliveries])
    return len(events)


def queue_due(now: datetime | None = None, *, limit: int = BATCH) -> int:
    """Queue a task for each delivery that is due and has none; returns how many."""
    now = now or timezone.now()
    with platform_work():
        due = list(
            WebhookDelivery.objects.filter(
                state=WebhookDelivery.State.PENDING,
                queued=False,
                next_attempt_at__lte=now,
                lease_until__isnull=True,
            )
            .order_by("next_attempt_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", "endpoint_id")[:limit]
        )
        if not due:
            return 0
        # Marked first: with an immediate task backend the attempt runs inside `enqueue`.
        WebhookDelivery.objects.filter(pk__in=[pk for pk, _ in due]).update(queued=True)
        _enqueue(list(due))
    return len(due)


LOST = (
    "The worker making this attempt stopped before it finished (the endpoint may have received "
    "it); attempting again."
)


def reclaim_lost(now: datetime | None = None, *, limit: int = BATCH) -> int:
    """Make attempts whose lease ran out due again (their worker is gone); returns how many.
    A lost attempt counts as one, so a delivery that keeps killing its workers still reaches
    the end of its attempts instead of being tried forever."""
    now = now or timezone.now()
    with platform_work():
        lost = list(
            WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING, lease_until__lt=now)
            .select_for_update(skip_locked=True)
            .only("id", "task_id")[:limit]
        )
        if not lost:
            return 0
        ids = [row.pk for row in lost]
        WebhookDelivery.objects.filter(pk__in=ids).update(
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            error=LOST,
            response_status=None,
            response_body="",
            duration_ms=None,
            lease_until=None,
            queued=False,
            next_attempt_at=now,
        )
        WebhookDelivery.objects.filter(pk__in=ids, attempts__gte=MAX_ATTEMPTS).update(
            state=WebhookDelivery.State.FAILED, next_attempt_at=None
        )
        _fail_lost_tasks([row.task_id for row in lost if row.task_id])
    WEBHOOK_DELIVERIES.labels("lost").inc(len(lost))
    for row in lost:
        logger.warning("Delivery %s: its worker was lost mid-attempt; attempting again", row.pk)
    return len(lost)


def _fail_lost_tasks(task_ids: list[str]) -> None:
    """Mark the tasks of lost attempts failed, so the task list does not show them running."""
    DBTaskResult.objects.filter(id__in=_uuids(task_ids), status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path="webhooks.scheduler.WorkerLost",
        traceback="The worker running this attempt stopped before it finished.",
    )


def _uuids(values: list[str]) -> list[str]:
    found = []
    for value in values:
        try:
            found.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return found


def run_once(now: datetime | None = None) -> int:
    """One round of all three steps (the relay until it is caught up); how much it did."""
    now = now or timezone.now()
    done = reclaim_lost(now)
    while True:
        relayed = relay(now)
        done += relayed
        if relayed < BATCH:
            break
    return done + queue_due(now)
