"""Delivery attempts, as a worker makes them: claim the deliveries (a lease, so no other worker
makes the same attempt meanwhile), sign and send each, record what came back and when to try
again. The claim and the record are short transactions; the requests go out between them,
outside any transaction.

A task carries up to `webhooks.scheduler.PER_TASK` deliveries to one endpoint, so the queue's
own cost (claiming the task, marking it done) and the claim are paid once for the batch, and
results are written every `RECORD_EVERY` attempts, not once per delivery. A batch never holds
its leases longer than `BATCH_SECONDS` of sending, and an endpoint that does not answer ends it
at once: the rest wait, with the deliveries queued after them, until its next attempt is due.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from causeloop.core.crypto import decrypt
from causeloop.core.db import update_each
from causeloop.core.metrics import WEBHOOK_DELIVERIES
from causeloop.core.tenancy import platform_work
from webhooks.addresses import UnsafeAddress, target
from webhooks.catalog import TEST_EVENT
from webhooks.endpoint_health import note_failure, note_success
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.schedule import LEASE, RETRY_DELAYS, next_attempt_after
from webhooks.signing import signature_header
from webhooks.transport import Response, post

logger = logging.getLogger(__name__)
USER_AGENT = "Causeloop-Webhooks/1.0 (+https://www.standardwebhooks.com)"
# Sending stops taking new deliveries of a batch after this long; with one request's timeout
# on top it stays well inside the lease.
BATCH_SECONDS = 30.0
# Results are written every this many attempts or seconds, whichever comes first: a worker
# that dies mid-batch leaves at most that much sent and unrecorded (to be sent again).
RECORD_EVERY = 10
RECORD_SECONDS = 1.0
DISABLED = Response(None, "", 0, "The endpoint is disabled.")


@dataclass(frozen=True)
class Attempt:
    """One attempt made: the delivery, what came back, when, and whether it ends the delivery
    whatever the answer (a disabled endpoint's delivery fails without a retry)."""

    delivery: WebhookDelivery
    response: Response
    at: datetime
    final: bool = False


def attempt(delivery_id: str, *, token: str = "") -> str:
    """Make one delivery's next attempt if it is due and nobody else is making it; returns
    what happened: "succeeded", "retrying", "failed" or "skipped"."""
    return attempt_batch([delivery_id], token=token)[delivery_id]


def attempt_batch(delivery_ids: list[str], *, token: str = "") -> dict[str, str]:
    """Attempt each of `delivery_ids` that is due and free, in event order; returns what
    happened to each ("skipped" for one not due, taken by another worker, or put back)."""
    token = token or uuid.uuid4().hex
    outcomes = dict.fromkeys(delivery_ids, "skipped")
    claimed = _claim(delivery_ids, token, timezone.now())
    started = recorded = time.monotonic()
    made: list[Attempt] = []
    for index, delivery in enumerate(claimed):
        if len(made) >= RECORD_EVERY or (made and time.monotonic() - recorded > RECORD_SECONDS):
            outcomes.update(_record(made, token))
            made, recorded = [], time.monotonic()
        now = timezone.now()
        if time.monotonic() - started > BATCH_SECONDS:
            _release(claimed[index:], token, until=now)
            break
        endpoint, testing = delivery.endpoint, delivery.event.type == TEST_EVENT
        if not endpoint.enabled and not testing:
            made.append(Attempt(delivery, DISABLED, now, final=True))
            continue
        if endpoint.unreachable_until and endpoint.unreachable_until > now and not testing:
            _release([delivery], token, until=endpoint.unreachable_until)
            continue
        response = _send(delivery, now)
        made.append(Attempt(delivery, response, now))
        if response.status is None:  # no answer at all: the rest would wait on it too
            _release(claimed[index + 1 :], token, until=unreachable_until(delivery, now))
            break
    outcomes.update(_record(made, token))
    return outcomes


def unreachable_until(delivery: WebhookDelivery, now: datetime) -> datetime:
    """How long an endpoint that did not answer this delivery is left alone: until the
    delivery's own next attempt (5 s after a first failure, growing with each)."""
    return next_attempt_after(delivery.attempts + 1, now) or now + RETRY_DELAYS[-1]


def _claim(delivery_ids: list[str], token: str, now: datetime) -> list[WebhookDelivery]:
    with platform_work():
        deliveries = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "event")
            .filter(
                pk__in=delivery_ids,
                state=WebhookDelivery.State.PENDING,
                next_attempt_at__lte=now,
            )
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .order_by("event_id")
        )
        if deliveries:
            WebhookDelivery.objects.filter(pk__in=[row.pk for row in deliveries]).update(
                lease_until=now + LEASE, task_id=token, queued=False
            )
        return deliveries


def _release(deliveries: list[WebhookDelivery], token: str, *, until: datetime) -> None:
    """Give unattempted deliveries back, due at `until` (no attempt counted): the scheduler
    queues them again then."""
    if not deliveries:
        return
    with platform_work():
        WebhookDelivery.objects.filter(pk__in=[row.pk for row in deliveries], task_id=token).update(
            lease_until=None, queued=False, next_attempt_at=until
        )


def payload(delivery: WebhookDelivery) -> bytes:
    """The body: `{type, timestamp, data}` as the specification shapes it."""
    event = delivery.event
    body = {"type": event.type, "timestamp": event.created_at.isoformat(), "data": event.data}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def secrets_in_use(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The current secret, and the previous one while its grace after a rotation lasts."""
    secrets = [decrypt(bytes(endpoint.secret)).decode()]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        secrets.append(decrypt(bytes(endpoint.previous_secret)).decode())
    return secrets


def _send(delivery: WebhookDelivery, now: datetime) -> Response:
    try:
        where = target(delivery.endpoint.url)  # resolved again now: DNS may have changed
    except UnsafeAddress as error:
        return Response(None, "", 0, str(error)[:500])
    body = payload(delivery)
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": delivery.event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(
            secrets_in_use(delivery.endpoint, now),
            msg_id=delivery.event_id,
            timestamp=timestamp,
            body=body,
        ),
    }
    return post(where, body, headers)


def _outcome(made: Attempt) -> tuple[dict[str, object], str]:
    attempts = made.delivery.attempts + 1
    response = made.response
    retry_at = None if response.ok or made.final else next_attempt_after(attempts, made.at)
    if response.ok:
        state, outcome = WebhookDelivery.State.SUCCEEDED, "succeeded"
    elif retry_at:
        state, outcome = WebhookDelivery.State.PENDING, "retrying"
    else:
        state, outcome = WebhookDelivery.State.FAILED, "failed"
    fields = {
        "state": state,
        "attempts": attempts,
        "last_attempt_at": made.at,
        "next_attempt_at": retry_at,
        "lease_until": None,
        "queued": False,
        "response_status": response.status,
        "response_body": response.body,
        "duration_ms": response.duration_ms,
        "error": response.error,
    }
    return fields, outcome


def _record(made: list[Attempt], token: str) -> dict[str, str]:
    """Write every attempt's result in one transaction, for the deliveries still leased to
    this batch (a lease that ran out means another worker took the delivery over)."""
    if not made:
        return {}
    outcomes: dict[str, str] = {}
    with platform_work():
        ours = set(
            WebhookDelivery.objects.select_for_update()
            .filter(pk__in=[item.delivery.pk for item in made], task_id=token)
            .values_list("pk", flat=True)
        )
        changed = []
        for item in made:
            if item.delivery.pk not in ours:
                logger.warning("Delivery %s: lease lost, attempt not recorded", item.delivery.pk)
                continue
            fields, outcomes[item.delivery.pk] = _outcome(item)
            for name, value in fields.items():
                setattr(item.delivery, name, value)
            changed.append(item)
        if changed:
            update_each([item.delivery for item in changed], list(_outcome(changed[0])[0]))
        _note_health([item for item in changed if not item.final])
    # Counted once recorded (committed): an attempt whose lease was lost is the other's.
    for outcome in outcomes.values():
        WEBHOOK_DELIVERIES.labels(outcome).inc()
    return outcomes


def _note_health(made: list[Attempt]) -> None:
    """Each endpoint's failure streak: a success in the batch ends it, failures extend it."""
    by_endpoint: dict[str, list[Attempt]] = {}
    for item in made:
        by_endpoint.setdefault(item.delivery.endpoint_id, []).append(item)
    for items in by_endpoint.values():
        endpoint: WebhookEndpoint = items[0].delivery.endpoint
        if any(item.response.ok for item in items):
            note_success(endpoint)
            continue
        last = items[-1]
        if last.response.status is None:
            # Recorded already: the delivery's own next attempt is when the endpoint is due.
            until = last.delivery.next_attempt_at or last.at + RETRY_DELAYS[-1]
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(unreachable_until=until)
        note_failure(endpoint, last.at)
