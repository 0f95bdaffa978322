"""An organization's audit log and its data export."""

from __future__ import annotations

from functools import partial

from drf_spectacular.types import OpenApiTypes
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
    cursor_page_of,
    cursor_paginated,
    responses,
)
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
        description=(
            "What happened in the organization, newest first: who did what, to what, from "
            "where (admins and owners)."
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
        description=("Everything the organization holds, as JSON (its admins and owners)."),
        request=ExportInput,
        responses=responses(OpenApiTypes.OBJECT, 404),
    )
    @no_store
    def post(self, request: Request) -> Response:
        data = ExportInput.validated(request.data)
        organization, _role = self.enter_organization(data["organization"])
        return Response(organization_export(organization=organization, actor=self.actor))
