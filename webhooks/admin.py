"""Webhooks in the platform admin: operators look (an organization's endpoints, their failure
streaks and delivery logs); the organization's admins change them, through the services. No
signing secret is ever shown here."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from organizations.admin_usage import ReadOnlyAdmin
from webhooks.models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = (
        "url",
        "id",
        "organization",
        "enabled",
        "disabled_reason",
        "failing_since",
        "deliveries",
        "created_at",
    )
    list_filter = ("enabled", "disabled_reason")
    search_fields = ("url", "id", "organization__slug")
    list_select_related = ("organization",)
    exclude = ("secret", "previous_secret")  # sealed, and never shown

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookEndpoint]:
        return super().get_queryset(request).defer("secret", "previous_secret")

    @admin.display(description="Delivery log")
    def deliveries(self, endpoint: WebhookEndpoint) -> str:
        return format_html(
            '<a href="../webhookdelivery/?endpoint__id__exact={}">Deliveries</a>', endpoint.pk
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "event_type",
        "endpoint",
        "organization",
        "state",
        "attempts",
        "response_status",
        "duration_ms",
        "last_attempt_at",
        "next_attempt_at",
    )
    list_filter = ("state",)
    search_fields = ("id", "event__id", "organization__slug")
    list_select_related = ("organization", "endpoint", "event")
    show_full_result_count = False  # one count of the filtered deliveries is enough

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookDelivery]:
        return (
            super()
            .get_queryset(request)
            .defer("endpoint__secret", "endpoint__previous_secret", "event__data")
        )

    @admin.display(description="Event")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return delivery.event.type
