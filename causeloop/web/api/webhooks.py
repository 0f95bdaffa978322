"""An organization's webhook endpoints and their delivery logs (§10), admins and owners only.

Endpoints and deliveries are looked up through the organization in the path (the selectors'
`endpoint_of` and `delivery_of`), and a delivery only under its own endpoint: anything else is a
404. Requests never send anything: a test send or a retry makes a delivery due, and the workers
deliver it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from causeloop.core.shown_once import no_store
from causeloop.web.api.base import (
    InputSerializer,
    OrganizationEndpoint,
    Text,
    cursor_paginated,
    paginated,
)
from causeloop.web.api.documented import (
    IDEMPOTENCY_CONFLICT,
    cursor_page_of,
    page_of,
    responses,
)
from causeloop.web.api.permissions import IsOrgAdmin
from causeloop.web.idempotency import idempotent
from organizations.models import Organization
from webhooks.addresses import MAX_URL_LENGTH
from webhooks.catalog import MAX_FILTER_ENTRIES
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.selectors import deliveries_page, delivery_of, endpoint_of, endpoints_for
from webhooks.services.deliveries import delivery_retry
from webhooks.services.endpoints import (
    EndpointChanges,
    endpoint_create,
    endpoint_delete,
    endpoint_test,
    endpoint_update,
    secret_rotate,
)

# --- what is shown ----------------------------------------------------------------------------


class WebhookEndpointSerializer(serializers.Serializer):
    id = serializers.CharField()
    url = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    event_types = serializers.ListField(
        child=serializers.CharField(), help_text="The types and groups sent here; empty: all."
    )
    enabled = serializers.BooleanField()
    disabled_reason = serializers.ChoiceField(
        choices=WebhookEndpoint.DisabledReason.choices,
        allow_blank=True,
        help_text="Empty while enabled; `manual` or `failing` (5 days of failures).",
    )
    failing_since = serializers.DateTimeField(
        allow_null=True, help_text="Since when every delivery has failed, if they do."
    )
    previous_secret_expires_at = serializers.DateTimeField(
        allow_null=True, help_text="Until when the secret before the last rotation signs too."
    )
    created_by = serializers.CharField(source="created_by_id", allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class NewSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        help_text="The signing secret (`whsec_…`): shown this once, keep it safe."
    )


def _with_secret(endpoint: WebhookEndpoint, secret: str, *, status_code: int) -> Response:
    # The secret is stored sealed, no attribute to render: it joins the endpoint's fields here.
    body = {**WebhookEndpointSerializer(endpoint).data, "secret": secret}
    return Response(body, status=status_code)


class WebhookDeliverySerializer(serializers.Serializer):
    id = serializers.CharField()
    endpoint = serializers.CharField(source="endpoint_id")
    event_id = serializers.CharField()
    event_type = serializers.CharField(source="event.type")
    state = serializers.ChoiceField(choices=WebhookDelivery.State.choices)
    attempts = serializers.IntegerField(help_text="Attempts made so far.")
    response_status = serializers.IntegerField(
        allow_null=True, help_text="The HTTP status of the latest attempt's answer."
    )
    duration_ms = serializers.IntegerField(
        allow_null=True, help_text="How long the latest attempt took."
    )
    error = serializers.CharField(
        allow_blank=True, help_text="Why the latest attempt failed, if it did."
    )
    response_body = serializers.CharField(
        allow_blank=True, help_text="The start of the latest answer's body."
    )
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(
        allow_null=True, help_text="When the next attempt is due, while pending."
    )
    created_at = serializers.DateTimeField()


# --- what is read -----------------------------------------------------------------------------


class Flag(serializers.BooleanField):
    """true or false, and nothing that merely looks like one ("yes", 1, "true")."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


def _url(**kwargs: Any) -> Text:
    return Text(
        max_length=MAX_URL_LENGTH,
        help_text="An https URL at a public address (private networks are refused).",
        documented={"format": "uri", "pattern": "^https://"},
        **kwargs,
    )


def _event_types(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=Text(max_length=64),
        max_length=MAX_FILTER_ENTRIES,
        help_text="Event types or groups (`member.*`) to send, as `GET /api/v1/event-types` "
        "lists them; empty: every type.",
        **kwargs,
    )


class WebhookEndpointInput(InputSerializer):
    url = _url()
    description = Text(max_length=200, required=False, allow_blank=True)
    event_types = _event_types(required=False)
    enabled = Flag(required=False)


# A PATCH: only the fields sent change (no defaults, or they would overwrite).
class WebhookEndpointChangesInput(WebhookEndpointInput):
    url = _url(required=False)


# --- endpoints --------------------------------------------------------------------------------

_WHO = "Admins, owners and API keys."
_LIMIT_CONFLICT = {
    409: "`webhook_endpoint_limit_reached`: the organization has as many endpoints as allowed "
    f"(`fields.limit` gives it); {IDEMPOTENCY_CONFLICT}",
}
_NOT_FOUND = {404: "The organization or the endpoint is absent, or not yours"}


class WebhookEndpointApiBase(OrganizationEndpoint):
    permission_classes = [IsAuthenticated, IsOrgAdmin]

    def endpoint(self, organization: Organization, endpoint_id: str) -> WebhookEndpoint:
        """One of the organization's endpoints; 404 for any other ID, another tenant's too."""
        return endpoint_of(organization, endpoint_id)


class WebhookEndpointsApi(WebhookEndpointApiBase):
    @extend_schema(
        operation_id="webhooks_list",
        summary="List webhook endpoints",
        description=(
            f"The organization's webhook endpoints, oldest first. {_WHO} Signing secrets are "
            "never shown here: only when an endpoint is added or its secret rotated."
        ),
        responses=responses(page_of(WebhookEndpointSerializer), 404),
    )
    def get(self, request: Request, organization: Organization) -> Response:
        return paginated(self, endpoints_for(organization), WebhookEndpointSerializer)

    @extend_schema(
        operation_id="webhooks_create",
        summary="Add a webhook endpoint",
        description=(
            f"Subscribe an https URL to the organization's events (all of them, or the "
            f"`event_types` listed). {_WHO} The response carries the signing secret this once; "
            "deliveries are signed with it as the Standard Webhooks specification says. A URL "
            "that is not https or reaches a private network is 400. Recorded as "
            "`webhook_endpoint.created` in the audit log and the events."
        ),
        request=WebhookEndpointInput,
        responses=responses(NewSecretSerializer, 404, 409, status=201, meanings=_LIMIT_CONFLICT),
    )
    @no_store
    @idempotent
    def post(self, request: Request, organization: Organization) -> Response:
        data = WebhookEndpointInput.validated(request.data)
        endpoint, secret = endpoint_create(
            organization=organization,
            actor=self.actor,
            url=data["url"],
            description=data.get("description", ""),
            event_types=data.get("event_types"),
            enabled=data.get("enabled", True),
        )
        return _with_secret(endpoint, secret, status_code=status.HTTP_201_CREATED)


class WebhookEndpointApi(WebhookEndpointApiBase):
    versioned = True  # ETag on its answers, If-Match on its writes

    @extend_schema(
        operation_id="webhooks_show",
        summary="Show a webhook endpoint",
        description=f"One webhook endpoint, without its signing secret. {_WHO}",
        responses=responses(WebhookEndpointSerializer, 404, meanings=_NOT_FOUND),
    )
    def get(self, request: Request, organization: Organization, endpoint_id: str) -> Response:
        endpoint = self.endpoint(organization, endpoint_id)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhooks_update",
        summary="Change a webhook endpoint",
        description=(
            f"Change the URL, description, event types or whether it is enabled; what is not "
            f"sent stays as it is. Enabling an endpoint clears its failure streak. {_WHO} "
            f"Recorded as `webhook_endpoint.updated` in the audit log and the events."
        ),
        request=WebhookEndpointChangesInput,
        responses=responses(WebhookEndpointSerializer, 404, meanings=_NOT_FOUND),
    )
    def patch(self, request: Request, organization: Organization, endpoint_id: str) -> Response:
        endpoint = self.endpoint(organization, endpoint_id)
        data = WebhookEndpointChangesInput.validated(request.data)
        changes = EndpointChanges(
            url=data.get("url"),
            description=data.get("description"),
            event_types=data.get("event_types"),
            enabled=data.get("enabled"),
        )
        endpoint = endpoint_update(endpoint, actor=self.actor, changes=changes)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhooks_delete",
        summary="Remove a webhook endpoint",
        description=(
            f"Remove the endpoint and its delivery log; nothing more is sent. {_WHO} Recorded "
            f"as `webhook_endpoint.deleted` in the audit log and the events."
        ),
        responses=responses(None, 404, status=204, meanings=_NOT_FOUND),
    )
    def delete(self, request: Request, organization: Organization, endpoint_id: str) -> Response:
        endpoint_delete(self.endpoint(organization, endpoint_id), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookSecretRotateApi(WebhookEndpointApiBase):
    @extend_schema(
        operation_id="webhooks_rotate_secret",
        summary="Rotate a webhook signing secret",
        description=(
            f"A new signing secret, in the response this once. For a day the previous secret "
            f"signs each delivery too (a second `v1,` signature), so the receiver can switch "
            f"without refusing a message. {_WHO} Recorded as `webhook_endpoint.secret_rotated` "
            f"in the audit log and the events."
        ),
        request=None,
        responses=responses(
            NewSecretSerializer,
            404,
            409,
            meanings={**_NOT_FOUND, 409: IDEMPOTENCY_CONFLICT},
        ),
    )
    @no_store
    @idempotent
    def post(self, request: Request, organization: Organization, endpoint_id: str) -> Response:
        endpoint, secret = secret_rotate(self.endpoint(organization, endpoint_id), actor=self.actor)
        return _with_secret(endpoint, secret, status_code=status.HTTP_200_OK)


class WebhookTestApi(WebhookEndpointApiBase):
    @extend_schema(
        operation_id="webhooks_test",
        summary="Send a test event",
        description=(
            f"Send a `webhook.test` event to this endpoint only, even a disabled one. The "
            f"answer is the pending delivery: the workers send it within seconds, and the "
            f"delivery log shows how it went. {_WHO}"
        ),
        request=None,
        responses=responses(
            WebhookDeliverySerializer,
            404,
            409,
            status=202,
            meanings={**_NOT_FOUND, 409: IDEMPOTENCY_CONFLICT},
        ),
    )
    @idempotent
    def post(self, request: Request, organization: Organization, endpoint_id: str) -> Response:
        delivery = endpoint_test(self.endpoint(organization, endpoint_id), actor=self.actor)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


# --- deliveries -------------------------------------------------------------------------------


class WebhookDeliveriesApi(WebhookEndpointApiBase):
    @extend_schema(
        operation_id="webhooks_deliveries_list",
        summary="List an endpoint's deliveries",
        description=(
            f"The endpoint's delivery log, newest first, a page at a time: follow `next` for "
            f"older deliveries, `previous` for newer ones (no count). Each shows its state, "
            f"its attempts, the latest answer and when the next attempt is due. {_WHO}"
        ),
        responses=responses(cursor_page_of(WebhookDeliverySerializer), 404, meanings=_NOT_FOUND),
    )
    def get(self, request: Request, organization: Organization, endpoint_id: str) -> Response:
        endpoint = self.endpoint(organization, endpoint_id)
        return cursor_paginated(self, partial(deliveries_page, endpoint), WebhookDeliverySerializer)


class WebhookDeliveryRetryApi(WebhookEndpointApiBase):
    @extend_schema(
        operation_id="webhooks_deliveries_retry",
        summary="Retry a delivery",
        description=(
            f"Attempt the delivery again now, whatever its state: the answer is the delivery, "
            f"pending and due, and the workers send it (a delivered event again has the same "
            f"`webhook-id`, for receivers to recognise). {_WHO}"
        ),
        request=None,
        responses=responses(
            WebhookDeliverySerializer,
            404,
            409,
            status=202,
            meanings={
                404: "The organization, the endpoint or the delivery is absent, or not yours",
                409: "`delivery_in_progress`: an attempt is being made; retry once it ends. "
                "`endpoint_disabled`: enable the endpoint first (its test events excepted)",
            },
        ),
    )
    def post(
        self, request: Request, organization: Organization, endpoint_id: str, delivery_id: str
    ) -> Response:
        found = delivery_of(self.endpoint(organization, endpoint_id), delivery_id)
        delivery = delivery_retry(found, actor=self.actor)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
