"""An organization's audit log and its data exports."""

from __future__ import annotations

from functools import partial

from django.http import FileResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from causeloop.core.errors import NotFound, ValidationFailed
from causeloop.core.shown_once import no_store
from causeloop.core.tenancy import platform_lookup
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
from causeloop.web.api.exports import DataExportSerializer, OrganizationExportSerializer
from causeloop.web.api.permissions import IsOrgAdmin
from causeloop.web.idempotency import idempotent
from onboarding.services.exports import (
    data_export_get,
    data_export_open,
    data_export_request,
    export_filename,
)
from organizations.audit_actions import ACTIONS
from organizations.models import DataExport, Organization
from organizations.selectors import audit_log_page

ACTION = "action"


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
            OpenApiParameter(
                ACTION,
                {"type": "string", "enum": sorted(ACTIONS)},
                description="Only this action, e.g. member.joined.",
            ),
        ],
        responses=responses(
            cursor_page_of(AuditLogSerializer),
            404,
            meanings={400: "`invalid_action`: no such action; `invalid_cursor`; `page_size`"},
        ),
    )
    def get(self, request: Request, organization: Organization) -> Response:
        action = request.query_params.get(ACTION, "")
        if action and action not in ACTIONS:
            message = f"No action is called {action[:64]!r}; GET /api/v1/event-types lists them."
            raise ValidationFailed(message, code="invalid_action", fields={ACTION: [message]})
        return cursor_paginated(
            self, partial(audit_log_page, organization, action=action), AuditLogSerializer
        )


class ExportInput(InputSerializer):
    organization = Text(max_length=64, help_text="ID or slug.")


_SHOWN = (
    "The request's `state` goes from `queued` to `running` to `ready` (or `failed`), its "
    "`progress` counts the rows written, and `links.download` is the document while it is "
    "`ready`, until `expires_at` (then it is `expired`)."
)


class ExportApi(ApiView):
    @extend_schema(
        operation_id="gdpr_export",
        summary="Export an organization's data",
        description=(
            "Ask for everything the organization holds as one JSON document: its details, "
            "members, invitations, API keys, templates, integrations, runs per day and audit "
            "log (its admins, owners and API keys). Secrets never leave: keys and credentials "
            "show only their last four characters. Name the organization by ID or slug; one "
            "you do not belong to is 404. The document is written in the background: this "
            f"answers 202 with the export request, to poll at `links.self`. {_SHOWN} Who asked "
            "is mailed the link when it is ready (for an API key: the organization's owners "
            "and admins). Asking while an export is being prepared answers with that one. "
            "Recorded as `data.exported` in the audit log and the events."
        ),
        request=ExportInput,
        responses=responses(DataExportSerializer, 404, status=202),
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = ExportInput.validated(request.data)
        organization, _role = self.enter_organization(data["organization"])
        export = data_export_request(organization=organization, actor=self.actor)
        body = DataExportSerializer(export, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED)


class ExportRequestEndpoint(ApiView):
    """An export request by its ID: its organization entered through the caller (404 if it is
    not theirs), then the service checks the role."""

    def enter_export_organization(self, export_id: str) -> Organization:
        with platform_lookup():  # which tenant: the request names only the export
            organization_id = (
                DataExport.objects.filter(pk=export_id[:64])
                .values_list("organization_id", flat=True)
                .first()
            )
        if organization_id is None:
            raise NotFound("Export not found.")
        organization, _role = self.enter_organization(organization_id)
        return organization


class ExportRequestApi(ExportRequestEndpoint):
    @extend_schema(
        operation_id="gdpr_export_show",
        summary="Follow an export request",
        description=(
            f"Where an export request stands (admins, owners and API keys). {_SHOWN} Another "
            "organization's export is 404."
        ),
        responses=responses(DataExportSerializer, 404),
    )
    def get(self, request: Request, export_id: str) -> Response:
        organization = self.enter_export_organization(export_id)
        export = data_export_get(organization=organization, actor=self.actor, export_id=export_id)
        return Response(DataExportSerializer(export, context={"request": request}).data)


class ExportDownloadApi(ExportRequestEndpoint):
    @extend_schema(
        operation_id="gdpr_export_download",
        summary="Download an export",
        description=(
            "The export's JSON document, as a file (admins, owners and API keys): while the "
            "export is `ready`. 409 `export_not_ready` while it is being prepared; 410 "
            "`export_expired` once its link expired (its file is deleted), `export_failed` if "
            "it failed. Another organization's export is 404."
        ),
        responses={
            **responses(
                OrganizationExportSerializer,
                404,
                409,
                410,
                meanings={409: "`export_not_ready`", 410: "`export_expired` or `export_failed`"},
            ),
        },
    )
    @no_store  # the organization's data: kept by no cache on the way
    def get(self, request: Request, export_id: str) -> FileResponse:
        organization = self.enter_export_organization(export_id)
        export, file = data_export_open(
            organization=organization, actor=self.actor, export_id=export_id
        )
        return FileResponse(
            file,
            as_attachment=True,
            filename=export_filename(organization, export),
            content_type="application/json",
        )
