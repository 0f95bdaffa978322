"""Reading webhooks: an organization's endpoints, an endpoint's delivery log and the events a
client pulls. Each list is one query for its page, whatever the history."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from causeloop.core.errors import ValidationFailed
from causeloop.core.keyset import KeysetPage, keyset_page
from organizations.models import Event, Organization
from organizations.selectors import owned_row
from webhooks.models import WebhookDelivery, WebhookEndpoint

if TYPE_CHECKING:  # django-stubs is a development dependency
    from django_stubs_ext import WithAnnotations

EVENTS_PAGE_MAX = 100
_EVENT_ID_LENGTH = 30  # "evt_" + 26


def endpoints_for(organization: Organization) -> QuerySet[WebhookEndpoint]:
    """The organization's endpoints, oldest first (at most a few dozen: there is a limit)."""
    return WebhookEndpoint.objects.filter(organization_id=organization.pk).order_by(
        "created_at", "id"
    )


class LastDelivery(TypedDict):
    """What `endpoints_with_last_delivery` adds to each endpoint."""

    last_delivery_state: str | None
    last_delivery_at: datetime | None


def endpoints_with_last_delivery(
    organization: Organization,
) -> QuerySet[WithAnnotations[WebhookEndpoint, LastDelivery]]:
    """The organization's endpoints, each with its newest delivery's state and time
    (`last_delivery_state`, `last_delivery_at`; None before the first): still one query."""
    newest = WebhookDelivery.objects.filter(endpoint_id=OuterRef("pk")).order_by("-id")[:1]
    return endpoints_for(organization).annotate(
        last_delivery_state=Subquery(newest.values("state")),
        last_delivery_at=Subquery(newest.values("created_at")),
    )


def endpoint_of(organization: Organization, endpoint_id: object) -> WebhookEndpoint:
    """One of the organization's endpoints; NotFound for any other ID, another tenant's too."""
    return owned_row(WebhookEndpoint, organization=organization, pk=endpoint_id)


def deliveries_for(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return (
        WebhookDelivery.objects.filter(endpoint_id=endpoint.pk)
        .select_related("event")
        .order_by("-created_at", "-id")
    )


def deliveries_page(
    endpoint: WebhookEndpoint, *, after: str = "", before: str = "", size: int = 25
) -> KeysetPage[WebhookDelivery]:
    """A page of the endpoint's delivery log, newest first, by keyset (no count)."""
    return keyset_page(
        deliveries_for(endpoint), moment="created_at", after=after, before=before, size=size
    )


def delivery_of(endpoint: WebhookEndpoint, delivery_id: object) -> WebhookDelivery:
    """One of the endpoint's deliveries, with its event; NotFound for any other ID (another
    endpoint's or another tenant's too)."""
    return owned_row(
        WebhookDelivery,
        organization=endpoint.organization_id,
        pk=delivery_id,
        rows=WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event"),
    )


def events_after(
    organization: Organization, *, after: str = "", types: list[str] | None = None, size: int = 50
) -> tuple[list[Event], bool]:
    """Up to `size` of the organization's events with an ID after `after` (oldest first), and
    whether more follow. Event IDs grow with time, so a client that keeps the last ID it saw
    reads each event once — provided no event with a smaller ID can still appear. One can: its
    transaction may commit a moment after a later one's. So the feed holds back the events of
    the last `CAUSELOOP_EVENTS_SETTLE_SECONDS` (longer than any write transaction lasts)."""
    if after and (not after.startswith("evt_") or len(after) != _EVENT_ID_LENGTH):
        message = '"after" must be an event ID (evt_…) from an earlier page.'
        raise ValidationFailed(message, code="invalid_cursor", fields={"after": [message]})
    rows = Event.objects.filter(organization_id=organization.pk).order_by("id")
    settle = settings.CAUSELOOP_EVENTS_SETTLE_SECONDS
    if settle:
        rows = rows.filter(created_at__lte=timezone.now() - timedelta(seconds=settle))
    if after:
        rows = rows.filter(id__gt=after)
    if types:
        rows = rows.filter(type__in=types)
    found = list(rows[: size + 1])
    return found[:size], len(found) > size
