"""An organization's shared templates."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from causeloop.core.errors import ValidationFailed
from causeloop.web.api.base import (
    InputSerializer,
    OrganizationEndpoint,
    Text,
    paginated,
)
from causeloop.web.api.documented import (
    page_of,
    responses,
)
from causeloop.web.api.fields import Name
from causeloop.web.api.permissions import CanEditTemplates, IsOrgMember
from causeloop.web.idempotency import idempotent
from organizations.models import Organization, Template
from organizations.selectors import owned_row, templates_for
from organizations.services.templates import (
    TemplateChanges,
    TemplateInput,
    template_create,
    template_delete,
    template_update,
)


class TemplateSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Template.Kind.choices)
    description = serializers.CharField()
    body = serializers.CharField()
    created_by = serializers.CharField(source="created_by_id", allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class TemplateInputSerializer(InputSerializer):
    name = Name()
    kind = serializers.ChoiceField(choices=Template.Kind.choices, default=Template.Kind.PROMPT)
    description = Text(max_length=2000, required=False, allow_blank=True)
    body = Text(
        max_length=Template.MAX_BODY_BYTES, required=False, allow_blank=True, trim_whitespace=False
    )


class TemplatesApi(OrganizationEndpoint):
    permission_classes = [IsAuthenticated, IsOrgMember, CanEditTemplates]

    @extend_schema(
        operation_id="templates_list",
        summary="List templates",
        description=(
            "The organization's shared templates by name, a page at a time, all or one `kind` "
            "(every member and API keys). Another kind than `agent` or `prompt` is 400."
        ),
        parameters=[OpenApiParameter("kind", str, enum=Template.Kind.values)],
        responses=responses(page_of(TemplateSerializer), 404),
    )
    def get(self, request: Request, organization: Organization) -> Response:
        templates = templates_for(organization)
        kind = request.query_params.get("kind")
        if kind:
            if kind not in Template.Kind.values:
                message = '"kind" must be "agent" or "prompt".'
                raise ValidationFailed(message, fields={"kind": [message]})
            templates = templates.filter(kind=kind)
        return paginated(self, templates, TemplateSerializer)

    @extend_schema(
        operation_id="templates_create",
        summary="Create a template",
        description=(
            "Create a shared template: a `name` (1–200 characters), a `kind` (`prompt` unless "
            "told), a description and a body of up to 100 kB (analysts, admins, owners and API "
            "keys; members get 403). Recorded as `template.created` in the audit log and the "
            "events."
        ),
        request=TemplateInputSerializer,
        responses=responses(TemplateSerializer, 404, status=201),
    )
    @idempotent
    def post(self, request: Request, organization: Organization) -> Response:
        data = TemplateInputSerializer.validated(request.data)
        template = template_create(
            organization=organization,
            actor=self.actor,
            fields=TemplateInput(
                name=data["name"],
                kind=data["kind"],
                description=data.get("description", ""),
                body=data.get("body", ""),
            ),
        )
        return Response(TemplateSerializer(template).data, status=status.HTTP_201_CREATED)


class TemplateApi(OrganizationEndpoint):
    versioned = True  # ETag on its answers, If-Match on its writes
    permission_classes = [IsAuthenticated, IsOrgMember, CanEditTemplates]

    def _template(self, organization: Organization, template_id: str) -> Template:
        return owned_row(Template, organization=organization, pk=template_id)

    @extend_schema(
        operation_id="templates_show",
        summary="Show a template",
        description="One shared template, with its body (every member and API keys).",
        responses=responses(TemplateSerializer, 404),
    )
    def get(self, request: Request, organization: Organization, template_id: str) -> Response:
        return Response(TemplateSerializer(self._template(organization, template_id)).data)

    @extend_schema(
        operation_id="templates_update",
        summary="Change a template",
        description=(
            "Change a shared template's name, kind, description or body; what is not sent "
            "stays as it is (analysts, admins, owners and API keys; members get 403). "
            "Recorded as `template.updated` in the audit log and the events."
        ),
        request=TemplateInputSerializer(partial=True),
        responses=responses(TemplateSerializer, 404),
    )
    def patch(self, request: Request, organization: Organization, template_id: str) -> Response:
        template = self._template(organization, template_id)
        data = TemplateInputSerializer.validated(request.data, partial=True)
        changes = TemplateChanges(
            name=data.get("name"),
            kind=data.get("kind"),
            description=data.get("description"),
            body=data.get("body"),
        )
        template = template_update(template=template, actor=self.actor, changes=changes)
        return Response(TemplateSerializer(template).data)

    @extend_schema(
        operation_id="templates_delete",
        summary="Delete a template",
        description=(
            "Delete a shared template, for good (analysts, admins, owners and API keys; "
            "members get 403). Recorded as `template.deleted` in the audit log and the events."
        ),
        responses=responses(None, 404, status=204),
    )
    def delete(self, request: Request, organization: Organization, template_id: str) -> Response:
        template_delete(template=self._template(organization, template_id), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
