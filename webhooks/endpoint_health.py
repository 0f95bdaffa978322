"""An endpoint's failure streak: the first failure since its last success starts it, a success
ends it, and five days of it disable the endpoint and tell the organization's admins."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from memberships.mail import render_email
from memberships.models import Membership
from memberships.tasks import queue_email
from organizations.audit import audit
from organizations.roles import Role
from webhooks.models import WebhookEndpoint
from webhooks.schedule import DISABLE_AFTER, should_disable


def note_success(endpoint: WebhookEndpoint) -> None:
    """End the failure streak (in the caller's transaction)."""
    if endpoint.failing_since is not None or endpoint.unreachable_until is not None:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            failing_since=None, unreachable_until=None
        )


def note_failure(endpoint: WebhookEndpoint, now: datetime) -> None:
    """Start the streak, or disable the endpoint once it has lasted `DISABLE_AFTER` (in the
    caller's transaction; exactly one worker wins the disabling)."""
    if endpoint.failing_since is None:
        WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
            failing_since=now
        )
        return
    if not endpoint.enabled or not should_disable(endpoint.failing_since, now):
        return
    disabled = WebhookEndpoint.objects.filter(
        pk=endpoint.pk, enabled=True, failing_since__lte=now - DISABLE_AFTER
    ).update(enabled=False, disabled_reason=WebhookEndpoint.DisabledReason.FAILING)
    if disabled:
        _tell_admins(endpoint)


def _tell_admins(endpoint: WebhookEndpoint) -> None:
    organization = endpoint.organization
    audit(
        organization,
        actor=None,
        action="webhook_endpoint.disabled",
        target=endpoint,
        details={
            "url": endpoint.url,
            "reason": "failing",
            "failing_since": endpoint.failing_since.isoformat() if endpoint.failing_since else None,
        },
    )
    admins = Membership.objects.filter(
        organization_id=organization.pk, role__in=[Role.ADMIN, Role.OWNER]
    ).select_related("user")
    for membership in admins:
        queue_email(
            render_email(
                "webhook_disabled",
                to=membership.user.email,
                subject=f"A webhook endpoint of {organization.name} was disabled",
                context={
                    "person": membership.user,
                    "organization": organization,
                    "endpoint": endpoint,
                    "url": f"{settings.CAUSELOOP_BASE_URL}/admin/webhooks/{endpoint.pk}/",
                },
            )
        )
