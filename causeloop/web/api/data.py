"""An organization's audit log and its data export."""

from __future__ import annotations

from functools import partial

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from causeloop.core.shown_once import no_store
from causeloop.web.api.base import (
    ApiView,
    InputSerializer,
    OrganizationEndpoint,
    Text,
    cursor_paginated,
)
from causeloop.web.api.documented import (
    cursor_page_of,
    responses,
)
from causeloop.web.api.exports import OrganizationExportSerializer
from causeloop.web.api.permissions import IsOrgAdmin
from organizations.models import Organization
from organizations.selectors import audit_log_page
from organizations.services.export import organization_export


class AuditLogSerializer(serializers.Serializer):
    id = serializers.CharField()
    action = serializers.CharField()
    actor = serializers.CharField(source="actor_name")
    actor_user = serializers.CharField(source="actor_user_id", allow_null=True)
    actor_api_key = serializers.CharField(source="actor_api_key_id", allow_null=True)
    target_type = serializers.CharField()
    target_id = serializers.CharField()
    target = serializers.CharField(source="target_repr")
    details = serializers.DictField()
    ip_address = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


class AuditLogApi(OrganizationEndpoint):
    permission_classes = [IsAuthenticated, IsOrgAdmin]

    @extend_schema(
        operation_id="audit_log_list",
        summary="Read the audit log",
        description=(
            "What happened in the organization, newest first, a page at a time: who did what, "
            "to what, from which IP address (admins, owners and API keys). Filter by one "
            "`action`; `GET /event-types` lists them. Rows are never changed, only forgotten "
            "in part when a person is erased."
        ),
        parameters=[
            OpenApiParameter("action", str, description="Only this action, e.g. member.joined."),
        ],
        responses=responses(cursor_page_of(AuditLogSerializer), 404),
    )
    def get(self, request: Request, organization: Organization) -> Response:
        action = request.query_params.get("action", "").strip()[:64]
        return cursor_paginated(
            self, partial(audit_log_page, organization, action=action), AuditLogSerializer
        )


class ExportInput(InputSerializer):
    organization = Text(max_length=64, help_text="ID or slug.")


class ExportApi(ApiView):
    @extend_schema(
        operation_id="gdpr_export",
        summary="Export an organization's data",
        description=(
            "Everything the organization holds, as one JSON document: its details, members, "
            "invitations, API keys, templates, integrations, runs per day and audit log (its "
            "admins, owners and API keys). Secrets never leave: keys and credentials show "
            "only their last four characters. Name the organization by ID or slug; one you do "
            "not belong to is 404. Recorded as `data.exported` in the audit log and the events."
        ),
        request=ExportInput,
        responses=responses(OrganizationExportSerializer, 404),
    )
    @no_store
    def post(self, request: Request) -> Response:
        data = ExportInput.validated(request.data)
        organization, _role = self.enter_organization(data["organization"])
        return Response(organization_export(organization=organization, actor=self.actor))
