"""One delivery attempt, as a worker makes it: claim the delivery (a lease, so no other worker
makes the same attempt meanwhile), sign and send it, record what came back and when to try
again. The claim and the record are two short transactions; the request goes out between them,
outside any transaction.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from causeloop.core.crypto import decrypt
from causeloop.core.tenancy import platform_work
from webhooks.addresses import UnsafeAddress, target
from webhooks.catalog import TEST_EVENT
from webhooks.endpoint_health import note_failure, note_success
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.schedule import LEASE, next_attempt_after
from webhooks.signing import signature_header
from webhooks.transport import Response, post

logger = logging.getLogger(__name__)
USER_AGENT = "Causeloop-Webhooks/1.0 (+https://www.standardwebhooks.com)"


def attempt(delivery_id: str, *, token: str = "") -> str:
    """Make the delivery's next attempt if it is due and nobody else is making it; returns
    what happened: "succeeded", "retrying", "failed" or "skipped"."""
    now = timezone.now()
    token = token or uuid.uuid4().hex
    delivery = _claim(delivery_id, token, now)
    if delivery is None:
        return "skipped"
    endpoint = delivery.endpoint
    if not endpoint.enabled and delivery.event.type != TEST_EVENT:
        response = Response(None, "", 0, "The endpoint is disabled.")
        return _record(delivery, token, response, now, final=True)
    return _record(delivery, token, _send(delivery, now), now)


def _claim(delivery_id: str, token: str, now: datetime) -> WebhookDelivery | None:
    with platform_work():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "event")
            .filter(pk=delivery_id, state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .first()
        )
        if delivery is None:
            return None
        delivery.lease_until, delivery.task_id, delivery.queued = now + LEASE, token, False
        delivery.save(update_fields=["lease_until", "task_id", "queued"])
        return delivery


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


def _record(
    delivery: WebhookDelivery, token: str, response: Response, now: datetime, *, final: bool = False
) -> str:
    attempts = delivery.attempts + 1
    retry_at = None if response.ok or final else next_attempt_after(attempts, now)
    if response.ok:
        state = WebhookDelivery.State.SUCCEEDED
    else:
        state = WebhookDelivery.State.PENDING if retry_at else WebhookDelivery.State.FAILED
    with platform_work():
        recorded = WebhookDelivery.objects.filter(pk=delivery.pk, task_id=token).update(
            state=state,
            attempts=attempts,
            last_attempt_at=now,
            next_attempt_at=retry_at,
            lease_until=None,
            queued=False,
            response_status=response.status,
            response_body=response.body,
            duration_ms=response.duration_ms,
            error=response.error,
        )
        if not recorded:  # the lease ran out and another worker took the delivery over
            logger.warning("Delivery %s: lease lost, attempt not recorded", delivery.pk)
            return "skipped"
        if response.ok:
            note_success(delivery.endpoint)
        elif not final:
            note_failure(delivery.endpoint, now)
    if response.ok:
        return "succeeded"
    return "retrying" if retry_at else "failed"
