"""What `POST /gdpr/export-requests` answers: the data `organizations.services.export`'s
`organization_export` returns, typed for the OpenAPI document. The response is the service's
data itself; these serializers only describe it (tests/api/test_response_shapes.py holds the
two together, key by key)."""

from __future__ import annotations

from rest_framework import serializers

from causeloop.web.api.invitations import INVITATION_STATES
from causeloop.web.api.usage import UsageDaySerializer
from organizations.models import Integration, Organization, Plan, Template
from organizations.roles import Role


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
