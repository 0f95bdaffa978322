"""The events a client pulls instead of (or beside) webhooks, and the catalog of event types.

The events list is a feed read oldest first from a cursor, unlike the newest-first lists of
`cursor_paginated`; it keeps their convention where it can: `next` is the link to follow and
`results` the page, with `next_after` (the cursor itself) and `has_more` besides, because the
end of a feed is only the end for now.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from causeloop.core.errors import ValidationFailed
from causeloop.web.api.base import ApiView, OrganizationEndpoint
from causeloop.web.api.data import AuditLogApi
from causeloop.web.api.documented import page_size_parameter, responses
from causeloop.web.pagination import page_size
from organizations.models import Organization
from webhooks.catalog import (
    MAX_FILTER_ENTRIES,
    clean_event_types,
    event_groups,
    event_types,
    matches,
)
from webhooks.selectors import EVENTS_PAGE_MAX, events_after

AFTER, TYPE, PAGE_SIZE = "after", "type", "page_size"


class EventSerializer(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField()
    created_at = serializers.DateTimeField()
    # Named like Serializer.data (and Field.label below): DRF's metaclass takes it out of the class.
    data = serializers.DictField(  # type: ignore[assignment]
        help_text="What happened, as a webhook's `data` carries it."
    )


class EventFeedSerializer(serializers.Serializer):
    next = serializers.URLField(
        help_text="The events after this page: follow it at once while `has_more`, later to "
        "see new ones."
    )
    next_after = serializers.CharField(
        allow_null=True, help_text="The cursor in `next`: the last event ID read so far."
    )
    has_more = serializers.BooleanField(help_text="Whether more events are waiting already.")
    results = EventSerializer(many=True)


def _types(values: list[str]) -> list[str] | None:
    """The types `?type=` names (repeated, or separated by commas), groups spelled out; None
    for every type. An unknown type is a 400: a typo would otherwise read as no events."""
    wanted = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if not wanted:
        return None
    try:
        cleaned = clean_event_types(wanted[: MAX_FILTER_ENTRIES + 1])
    except ValidationFailed as error:
        raise ValidationFailed(error.message, fields={TYPE: [error.message]}) from error
    return [name for name in event_types() if matches(cleaned, name)]


class EventsApi(OrganizationEndpoint):
    # Events carry what the audit log does: whoever may read that reads these.
    permission_classes = AuditLogApi.permission_classes

    @extend_schema(
        operation_id="events_list",
        summary="Read the organization's events",
        description=(
            "The organization's events, oldest first, after the event ID `after` (from the "
            "start without it): the same events its webhook endpoints receive, for a client "
            "that pulls them. Keep the last ID read (`next_after`) and ask again with it: each "
            "event is read once. An event shows here once it is "
            "`CAUSELOOP_EVENTS_SETTLE_SECONDS` old (2 s), so one whose transaction commits a "
            "moment late is never skipped. `has_more` says whether to ask again at once. "
            "Admins, owners and API keys, as for the audit log."
        ),
        parameters=[
            OpenApiParameter(
                AFTER,
                {"type": "string", "pattern": "^evt_[0-9a-z]{26}$"},
                description="Only events after this one (`evt_…`).",
            ),
            OpenApiParameter(
                TYPE,
                {
                    "type": "array",
                    "items": {"type": "string", "enum": [*event_types(), *event_groups()]},
                },
                description="Only these types or groups (`member.*`); repeat it, or separate "
                "them with commas.",
            ),
            page_size_parameter(EVENTS_PAGE_MAX, noun="Events"),
        ],
        responses=responses(
            EventFeedSerializer,
            404,
            meanings={400: "`invalid_cursor`: `after` is no event ID; or an unknown `type`"},
        ),
    )
    def get(self, request: Request, organization: Organization) -> Response:
        params = request.query_params
        after = params.get(AFTER, "").strip()
        events, has_more = events_after(
            organization,
            after=after,
            types=_types(params.getlist(TYPE)),
            size=page_size(params.get(PAGE_SIZE), most=EVENTS_PAGE_MAX),
        )
        next_after = events[-1].pk if events else (after or None)
        url = request.build_absolute_uri()
        return Response(
            {
                "next": replace_query_param(url, AFTER, next_after) if next_after else url,
                "next_after": next_after,
                "has_more": has_more,
                "results": EventSerializer(events, many=True).data,
            }
        )


class EventTypeSerializer(serializers.Serializer):
    type = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # see EventSerializer.data


class EventCatalogSerializer(serializers.Serializer):
    types = EventTypeSerializer(many=True)
    groups = serializers.ListField(
        child=serializers.CharField(), help_text="Groups a filter may name, such as `member.*`."
    )


class EventTypesApi(ApiView):
    @extend_schema(
        operation_id="event_types_list",
        summary="List the event types",
        description=(
            "Every event type, with its label, and the groups (`member.*`) a webhook "
            "endpoint's `event_types` or the events list's `type` may name. Anyone signed in, "
            "and API keys."
        ),
        responses=responses(EventCatalogSerializer),
    )
    def get(self, request: Request) -> Response:
        types = [{"type": name, "label": label} for name, label in event_types().items()]
        return Response({"types": types, "groups": event_groups()})
