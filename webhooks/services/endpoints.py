"""An organization's webhook endpoints (admin+): add, change, enable or disable, remove, rotate
the signing secret and send a test event. Every change is audited (and so is itself an event).

The secret is shown once, when the endpoint is added or its secret rotated; it is stored sealed
under the master key. After a rotation the previous secret keeps signing beside the new one for
`PREVIOUS_SECRET_HOURS`, so a receiver can switch over without rejecting a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from causeloop.core.crypto import encrypt
from causeloop.core.errors import Conflict
from organizations.access import require_role
from organizations.audit import audit
from organizations.events import emit
from organizations.models import ApiKey, Organization
from organizations.roles import Role
from organizations.services.plans import subscription_locked
from organizations.validation import clean_optional_text
from webhooks.addresses import clean_url
from webhooks.catalog import TEST_EVENT, clean_event_types
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.signing import new_secret

if TYPE_CHECKING:
    from memberships.models import User

PREVIOUS_SECRET_HOURS = 24


@dataclass(frozen=True, kw_only=True)
class EndpointChanges:
    """What to change; None leaves a field as it is."""

    url: str | None = None
    description: str | None = None
    event_types: list[str] | None = None
    enabled: bool | None = None


def _description(value: object) -> str:
    return clean_optional_text(value, field="description", max_length=200, label="Description")


def _details(endpoint: WebhookEndpoint) -> dict[str, object]:
    return {
        "url": endpoint.url,
        "event_types": endpoint.event_types,
        "enabled": endpoint.enabled,
    }


@transaction.atomic
def endpoint_create(
    *,
    organization: Organization,
    actor: User | ApiKey,
    url: object,
    description: object = "",
    event_types: object = None,
    enabled: bool = True,
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (the only time the secret is returned)."""
    require_role(actor, organization, at_least=Role.ADMIN)
    clean = clean_url(url)
    text, types = _description(description), clean_event_types(event_types)
    # Counted under the organization's usage lock, so two adds cannot both take the last.
    subscription_locked(organization)
    limit = settings.CAUSELOOP_WEBHOOK_ENDPOINTS_LIMIT
    if WebhookEndpoint.objects.filter(organization_id=organization.pk).count() >= limit:
        raise Conflict(
            f"An organization can have at most {limit} webhook endpoints; remove one first.",
            code="webhook_endpoint_limit_reached",
            fields={"limit": [str(limit)]},
        )
    secret = new_secret()
    endpoint = WebhookEndpoint(
        organization=organization,
        url=clean,
        description=text,
        event_types=types,
        enabled=bool(enabled),
        disabled_reason="" if enabled else WebhookEndpoint.DisabledReason.MANUAL,
        secret=encrypt(secret.encode()),
        created_by=None if isinstance(actor, ApiKey) else actor,
    )
    endpoint.save(force_insert=True)
    audit(
        organization,
        actor=actor,
        action="webhook_endpoint.created",
        target=endpoint,
        details=_details(endpoint),
    )
    return endpoint, secret


@transaction.atomic
def endpoint_update(
    endpoint: WebhookEndpoint, *, actor: User | ApiKey, changes: EndpointChanges
) -> WebhookEndpoint:
    """Change what was given. Enabling clears the failure streak; disabling stops new
    deliveries (ones already pending fail at their next attempt)."""
    require_role(actor, endpoint.organization, at_least=Role.ADMIN)
    # Every value is checked before any is applied: a refusal leaves the caller's object as
    # it was, not half changed.
    wanted: dict[str, object] = {}
    if changes.url is not None:
        wanted["url"] = clean_url(changes.url)
    if changes.description is not None:
        wanted["description"] = _description(changes.description)
    if changes.event_types is not None:
        wanted["event_types"] = clean_event_types(changes.event_types)
    if changes.enabled is not None:
        wanted["enabled"] = changes.enabled
    changed = [name for name, value in wanted.items() if getattr(endpoint, name) != value]
    for name in changed:
        setattr(endpoint, name, wanted[name])
    if "enabled" in changed:
        endpoint.disabled_reason = "" if endpoint.enabled else WebhookEndpoint.DisabledReason.MANUAL
        endpoint.failing_since = endpoint.unreachable_until = None
    if not changed:
        return endpoint
    endpoint.save()
    audit(
        endpoint.organization,
        actor=actor,
        action="webhook_endpoint.updated",
        target=endpoint,
        details={**_details(endpoint), "changed": changed},
    )
    return endpoint


@transaction.atomic
def endpoint_delete(endpoint: WebhookEndpoint, *, actor: User | ApiKey) -> None:
    """Remove the endpoint and its delivery log."""
    require_role(actor, endpoint.organization, at_least=Role.ADMIN)
    audit(
        endpoint.organization,
        actor=actor,
        action="webhook_endpoint.deleted",
        target=endpoint,
        details=_details(endpoint),
    )
    endpoint.delete()


@transaction.atomic
def secret_rotate(
    endpoint: WebhookEndpoint, *, actor: User | ApiKey
) -> tuple[WebhookEndpoint, str]:
    """A new signing secret, returned once; the old one signs too for a day."""
    require_role(actor, endpoint.organization, at_least=Role.ADMIN)
    secret = new_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + timedelta(hours=PREVIOUS_SECRET_HOURS)
    endpoint.secret = encrypt(secret.encode())
    endpoint.save()
    audit(
        endpoint.organization,
        actor=actor,
        action="webhook_endpoint.secret_rotated",
        target=endpoint,
        details={"url": endpoint.url, "previous_valid_hours": PREVIOUS_SECRET_HOURS},
    )
    return endpoint, secret


@transaction.atomic
def endpoint_test(endpoint: WebhookEndpoint, *, actor: User | ApiKey) -> WebhookDelivery:
    """Send a `webhook.test` event to this endpoint only (even a disabled one: that is how an
    admin checks it before enabling it again)."""
    require_role(actor, endpoint.organization, at_least=Role.ADMIN)
    event = emit(
        endpoint.organization,
        type=TEST_EVENT,
        data={"endpoint_id": endpoint.pk, "message": "A test event sent from Causeloop."},
        relayed=True,  # for this endpoint only: the relay does not fan it out
    )
    delivery = WebhookDelivery(
        organization_id=endpoint.organization_id,
        endpoint=endpoint,
        event=event,
        next_attempt_at=timezone.now(),
    )
    delivery.save(force_insert=True)  # the workers' scheduler queues it once this commits
    return delivery
