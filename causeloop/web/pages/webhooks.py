"""`/admin/webhooks/` and `/admin/webhooks/<id>/` (admins and owners, SPEC §10): the active
organization's webhook endpoints, a page at a time — add one (its signing secret shown once),
change it, enable or disable it, send it a test event, rotate its secret and delete it (the last
two confirmed first, `web.pages.confirm`) — and each endpoint's delivery log, newest first, a
page at a time, with a retry for each delivery.

No request sends anything: the services record what is due, and the workers (`manage.py
db_worker`) send it, within seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from causeloop.core.errors import DomainError, ValidationFailed
from causeloop.core.shown_once import no_store, show_once, take_shown_once
from causeloop.web.pages import confirm
from causeloop.web.pages.base import OrganizationPage, apply_error, cursor_of, keyset_links
from causeloop.web.pages.paging import numbered_list
from organizations.audit_text import ago
from organizations.roles import Role
from webhooks.forms import EndpointForm, events_summary
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.selectors import (
    LastDelivery,
    deliveries_page,
    delivery_of,
    endpoint_of,
    endpoints_with_last_delivery,
)
from webhooks.services.deliveries import delivery_retry
from webhooks.services.endpoints import (
    PREVIOUS_SECRET_HOURS,
    EndpointChanges,
    endpoint_create,
    endpoint_delete,
    endpoint_test,
    endpoint_update,
    secret_rotate,
)

if TYPE_CHECKING:  # django-stubs is a development dependency
    from django_stubs_ext import WithAnnotations

LIST_URL = "/admin/webhooks/"
LOG_PAGE_SIZE = 25
ONLY_ADMINS = "Only admins and owners can see and change webhooks."
_BADGES = {
    WebhookDelivery.State.PENDING: "badge--accent",
    WebhookDelivery.State.SUCCEEDED: "badge--ok",
    WebhookDelivery.State.FAILED: "badge--danger",
}


@dataclass(frozen=True)
class Badge:
    label: str
    modifier: str


def state_badge(state: str, attempts: int = 0) -> Badge:
    """How a delivery's state reads: a pending one already tried is retrying."""
    if state == WebhookDelivery.State.PENDING and attempts:
        return Badge("Retrying", "badge--warning")
    return Badge(WebhookDelivery.State(state).label, _BADGES[WebhookDelivery.State(state)])


@dataclass(frozen=True)
class EndpointRow:
    endpoint: WebhookEndpoint
    events: str
    last_delivery: Badge | None
    last_delivery_ago: str


@dataclass(frozen=True)
class DeliveryRow:
    delivery: WebhookDelivery
    state: Badge


def detail_url(endpoint: WebhookEndpoint) -> str:
    return f"{LIST_URL}{endpoint.pk}/"


class WebhooksPage(OrganizationPage):
    """The endpoints, and the form that adds one."""

    required_role = Role.ADMIN

    def _list(self, form: EndpointForm | None = None, status: int = 200) -> HttpResponse:
        endpoints: list[WithAnnotations[WebhookEndpoint, LastDelivery]]
        endpoints, pager = numbered_list(
            self.request, endpoints_with_last_delivery(self.organization)
        )
        rows = [
            EndpointRow(
                endpoint,
                events_summary(endpoint.event_types),
                state_badge(endpoint.last_delivery_state) if endpoint.last_delivery_state else None,
                ago(endpoint.last_delivery_at),
            )
            for endpoint in endpoints
        ]
        form = form or EndpointForm()
        return self.page(
            "webhooks/endpoints.html",
            status=400 if pager.notice else status,
            rows=rows,
            pager=pager,
            form=form,
            event_groups=form.event_groups(),
            limit=settings.CAUSELOOP_WEBHOOK_ENDPOINTS_LIMIT,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._list()

    @no_store  # the next page shows the new secret
    def post(self, request: HttpRequest) -> HttpResponse:
        form = EndpointForm(request.POST)
        status = 400
        if form.is_valid():
            fields = form.cleaned_data
            try:
                endpoint, secret = endpoint_create(
                    organization=self.organization,
                    actor=self.person,
                    url=fields["url"],
                    description=fields["description"],
                    event_types=fields["event_types"],
                )
                show_once(request, "Signing secret", secret)
                return self.done(
                    "Endpoint added. Copy its signing secret now: it is shown only once.",
                    to=detail_url(endpoint),
                )
            except DomainError as error:
                apply_error(form, error)
                status = error.status_code
        return self._list(form, status=status)


class WebhookPage(OrganizationPage):
    """One endpoint: what it is, what to do with it, and its delivery log. The page itself
    asks no role, so that an ID that is not the organization's is 404 whatever the caller's
    role; an endpoint of the organization is then refused (403) below admin."""

    def _endpoint(self, endpoint_id: str) -> WebhookEndpoint:
        endpoint = endpoint_of(self.organization, endpoint_id)
        if self.role < Role.ADMIN:
            raise PermissionDenied(ONLY_ADMINS)
        return endpoint

    @no_store  # it may show a new secret
    def get(self, request: HttpRequest, endpoint_id: str) -> HttpResponse:
        endpoint = self._endpoint(endpoint_id)
        return self._page(endpoint, shown_once=take_shown_once(request))

    def _page(
        self,
        endpoint: WebhookEndpoint,
        *,
        form: EndpointForm | None = None,
        status: int = 200,
        shown_once: dict[str, str] | None = None,
    ) -> HttpResponse:
        after, before = cursor_of(self.request, "after"), cursor_of(self.request, "before")
        notice = ""
        try:
            log = deliveries_page(endpoint, after=after, before=before, size=LOG_PAGE_SIZE)
        except ValidationFailed as error:
            status, notice = 400, error.message
            log = deliveries_page(endpoint, size=LOG_PAGE_SIZE)
        form = form or EndpointForm.for_endpoint(
            url=endpoint.url, description=endpoint.description, event_types=endpoint.event_types
        )
        expires = endpoint.previous_secret_expires_at
        return self.page(
            "webhooks/endpoint.html",
            status=status,
            endpoint=endpoint,
            events=events_summary(endpoint.event_types),
            form=form,
            event_groups=form.event_groups(),
            deliveries=[
                DeliveryRow(delivery, state_badge(delivery.state, delivery.attempts))
                for delivery in log.rows
            ],
            links=keyset_links(log),
            is_first_page=not (after or before) or log.newer is None,
            notice=notice,
            shown_once=shown_once,
            previous_secret_until=expires if expires and expires > timezone.now() else None,
            grace_hours=PREVIOUS_SECRET_HOURS,
            rotate=confirm.rotate_webhook_secret(endpoint),
            delete=confirm.delete_webhook(endpoint),
        )

    @no_store  # a rotation's answer leads to the new secret
    def post(self, request: HttpRequest, endpoint_id: str) -> HttpResponse:
        endpoint = self._endpoint(endpoint_id)
        action = request.POST.get("action", "")
        if action == "update":
            return self._update(endpoint)
        if action in ("enable", "disable"):
            enable = action == "enable"
            endpoint_update(endpoint, actor=self.person, changes=EndpointChanges(enabled=enable))
            return self.done(
                "Endpoint enabled: new events are sent to it again."
                if enable
                else "Endpoint disabled: no new events are sent to it until it is enabled."
            )
        if action == "test":
            endpoint_test(endpoint, actor=self.person)
            return self.done(
                "Test event sent: it will arrive within seconds, and shows in the delivery log "
                "below (reload the page to see how it went)."
            )
        if action == "retry":
            delivery = delivery_of(endpoint, request.POST.get("delivery"))
            delivery_retry(delivery, actor=self.person)
            return self.done(
                f"Delivery of {delivery.event_id} ({delivery.event.type}) will be attempted "
                "again within seconds."
            )
        if action == "rotate":
            if not confirm.confirmed(request):
                return confirm.confirmation_page(self, confirm.rotate_webhook_secret(endpoint))
            _endpoint, secret = secret_rotate(endpoint, actor=self.person)
            show_once(request, "New signing secret", secret)
            return self.done(
                "Secret rotated. Copy the new one now: it is shown only once. The old secret "
                f"keeps signing beside it for {PREVIOUS_SECRET_HOURS} hours."
            )
        if action == "delete":
            if not confirm.confirmed(request):
                return confirm.confirmation_page(self, confirm.delete_webhook(endpoint))
            endpoint_delete(endpoint, actor=self.person)
            return self.done(f"Endpoint {endpoint.url} deleted.", to=LIST_URL)
        raise BadRequest("Unknown action.")

    def _update(self, endpoint: WebhookEndpoint) -> HttpResponse:
        form = EndpointForm(self.request.POST)
        status = 400
        if form.is_valid():
            fields = form.cleaned_data
            try:
                endpoint_update(
                    endpoint,
                    actor=self.person,
                    changes=EndpointChanges(
                        url=fields["url"],
                        description=fields["description"],
                        event_types=fields["event_types"],
                    ),
                )
                return self.done("Endpoint saved.")
            except DomainError as error:  # refused: the endpoint is as saved, the form as sent
                apply_error(form, error)
                status = error.status_code
        return self._page(endpoint, form=form, status=status)
