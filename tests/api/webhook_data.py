"""Webhook endpoints, deliveries and events for the webhooks API's tests, written straight to the
database (no limit, no audit), and what a refused request must leave as it was."""

from datetime import timedelta

from django.utils import timezone

from causeloop.core.crypto import encrypt
from organizations.models import Event
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.signing import new_secret

# A public address written as an IP: nothing to resolve (there is no DNS here), and nothing
# ever connects to it (requests never deliver; no worker runs in these tests).
HOOK_URL = "https://93.184.216.34/hooks"


def make_endpoint(organization, *, url=HOOK_URL, event_types=(), enabled=True, description=""):
    return WebhookEndpoint.objects.create(
        organization=organization,
        url=url,
        description=description,
        event_types=list(event_types),
        enabled=enabled,
        disabled_reason="" if enabled else WebhookEndpoint.DisabledReason.MANUAL,
        secret=encrypt(new_secret().encode()),
    )


def make_events(organization, count, *, type="member.joined"):
    """`count` events, oldest first (their IDs grow with time)."""
    return [
        Event.objects.create(organization=organization, type=type, data={"n": n}, relayed=True)
        for n in range(count)
    ]


def make_deliveries(endpoint, count, **fields):
    """`count` deliveries of new events, one minute apart, newest first in the returned list."""
    now = timezone.now()
    events = make_events(endpoint.organization, count)
    deliveries = [
        WebhookDelivery(
            organization_id=endpoint.organization_id,
            endpoint=endpoint,
            event=event,
            created_at=now - timedelta(minutes=count - n),
            **fields,
        )
        for n, event in enumerate(events)
    ]
    WebhookDelivery.objects.bulk_create(deliveries)
    return deliveries[::-1]


def webhook_state(organization):
    """Everything the webhooks API could change for `organization`: equal before and after a
    refused request."""
    return {
        "endpoints": sorted(
            (pk, url, description, types, enabled, bytes(secret))
            for pk, url, description, types, enabled, secret in WebhookEndpoint.objects.filter(
                organization=organization
            ).values_list("pk", "url", "description", "event_types", "enabled", "secret")
        ),
        "deliveries": sorted(
            WebhookDelivery.objects.filter(organization=organization).values_list(
                "pk", "state", "next_attempt_at", "queued", "lease_until"
            )
        ),
        "events": Event.objects.filter(organization=organization).count(),
    }
