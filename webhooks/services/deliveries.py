"""Deliveries an admin acts on: a manual retry. Requests never send anything themselves: they
mark the delivery due, and the workers' scheduler (`webhooks.scheduler`) queues it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from causeloop.core.errors import Conflict
from organizations.access import require_role
from organizations.models import ApiKey
from organizations.roles import Role
from webhooks.catalog import TEST_EVENT
from webhooks.models import WebhookDelivery, WebhookEndpoint

if TYPE_CHECKING:
    from memberships.models import User


@transaction.atomic
def delivery_retry(delivery: WebhookDelivery, *, actor: User | ApiKey) -> WebhookDelivery:
    """Attempt `delivery` again now, whatever its state: a failed one gets one more attempt
    (failing again, it stays failed), a pending one is brought forward, a succeeded one is sent
    once more with the same `webhook-id` (receivers de-duplicate on it). Not while its endpoint
    is disabled (its test events excepted, as for sending them)."""
    require_role(actor, delivery.endpoint.organization, at_least=Role.ADMIN)
    current = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("endpoint", "event")
        .get(pk=delivery.pk)
    )
    if not current.endpoint.enabled and current.event.type != TEST_EVENT:
        raise Conflict(
            "This endpoint is disabled: enable it first, then retry its deliveries.",
            code="endpoint_disabled",
        )
    now = timezone.now()
    if current.lease_until is not None and current.lease_until > now:
        raise Conflict(
            "This delivery is being attempted right now; retry it once the attempt ends.",
            code="delivery_in_progress",
        )
    current.state = WebhookDelivery.State.PENDING
    current.next_attempt_at = now
    current.queued = False
    current.lease_until = None
    current.save(update_fields=["state", "next_attempt_at", "queued", "lease_until"])
    # An admin asking for an attempt now gets one, even from an endpoint left alone for not
    # answering lately.
    WebhookEndpoint.objects.filter(pk=current.endpoint_id).update(unreachable_until=None)
    return current
