"""An export request as the API shows it (`POST /gdpr/export-requests` answers one, `GET
/gdpr/export-requests/{id}` follows it), and the document its download is: what
`organizations.services.export` writes, typed for the OpenAPI document. The document is the
service's output itself; its serializers only describe it (tests/api/test_response_shapes.py
holds the two together, key by key)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from causeloop.web.api.invitations import INVITATION_STATES
from causeloop.web.api.usage import UsageDaySerializer
from organizations.models import DataExport, Integration, Organization, Plan, Template
from organizations.roles import Role

EXPORTS_PATH = "/api/v1/gdpr/export-requests"


class ExportProgressSerializer(serializers.Serializer):
    rows_written = serializers.IntegerField()
    rows_expected = serializers.IntegerField(help_text="Counted as the writing began.")
    percent = serializers.IntegerField(min_value=0, max_value=100)


class ExportLinksSerializer(serializers.Serializer):
    self = serializers.URLField(help_text="This export request: poll it while it is prepared.")
    download = serializers.URLField(
        allow_null=True, help_text="The document, while the export is `ready`; null otherwise."
    )


class DataExportSerializer(serializers.Serializer):
    id = serializers.CharField()
    organization = serializers.CharField(source="organization_id")
    state = serializers.ChoiceField(
        source="current_state",
        choices=DataExport.State.choices,
        help_text="`queued`, then `running`, then `ready` (or `failed`); `expired` once its "
        "download link no longer works and its file was deleted.",
    )
    progress = ExportProgressSerializer(source="*")
    requested_by = serializers.CharField(
        source="requested_by_id", allow_null=True, help_text="The person who asked, if one did."
    )
    requested_by_api_key = serializers.CharField(
        source="requested_by_api_key_id",
        allow_null=True,
        help_text="The organization API key that asked, if one did.",
    )
    size_bytes = serializers.IntegerField(help_text="The document's size, once ready.")
    error = serializers.CharField(help_text="Why it failed; empty otherwise.")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text="When the download link stops working (once ready)."
    )
    links = serializers.SerializerMethodField()

    @extend_schema_field(ExportLinksSerializer)
    def get_links(self, export: DataExport) -> dict[str, Any]:
        request = self.context["request"]
        here = request.build_absolute_uri(f"{EXPORTS_PATH}/{export.pk}")
        return {"self": here, "download": f"{here}/download" if export.is_downloadable else None}


class ExportedOrganizationSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    slug = serializers.CharField()
    status = serializers.ChoiceField(choices=Organization.Status.choices)
    plan = serializers.ChoiceField(choices=Plan.Code.choices)
    seats = serializers.IntegerField()
    timezone = serializers.CharField()
    primary_color = serializers.CharField()
    secondary_color = serializers.CharField()
    settings = serializers.DictField()
    created_at = serializers.DateTimeField()


class ExportedMemberSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The membership's ID.")
    user_id = serializers.CharField()
    email = serializers.EmailField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    joined_at = serializers.DateTimeField()


class ExportedInvitationSerializer(serializers.Serializer):
    id = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    state = serializers.ChoiceField(choices=INVITATION_STATES)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class ExportedApiKeySerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    fingerprint = serializers.CharField(help_text="The key's last four characters.")
    scopes = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class ExportedTemplateSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Template.Kind.choices)
    description = serializers.CharField()
    body = serializers.CharField()
    updated_at = serializers.DateTimeField()


class ExportedIntegrationSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Integration.Kind.choices)
    fingerprint = serializers.CharField(help_text="The credential's last four characters.")
    created_at = serializers.DateTimeField()


class ExportedAuditRowSerializer(serializers.Serializer):
    id = serializers.CharField()
    action = serializers.CharField()
    actor = serializers.CharField(help_text="The actor's name as it was.")
    target_id = serializers.CharField()
    details = serializers.DictField()
    ip_address = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


class OrganizationExportSerializer(serializers.Serializer):
    exported_at = serializers.DateTimeField()
    organization = ExportedOrganizationSerializer()
    members = ExportedMemberSerializer(many=True)
    invitations = ExportedInvitationSerializer(
        many=True, help_text="Every invitation, pending or not."
    )
    api_keys = ExportedApiKeySerializer(
        many=True, help_text="Every API key, revoked ones too; never a key itself."
    )
    templates = ExportedTemplateSerializer(many=True)
    integrations = ExportedIntegrationSerializer(many=True, help_text="Never a credential.")
    usage = UsageDaySerializer(many=True, help_text="Runs per day, oldest first.")
    audit_log = ExportedAuditRowSerializer(many=True, help_text="Newest first.")
