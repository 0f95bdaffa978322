"""`/api/v1/` for organizations: the caller's organizations, settings, switching, branding,
API keys, templates, the audit log and data export."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from causeloop.api import (
    ApiView,
    InputSerializer,
    OrganizationEndpoint,
    Text,
    page_of,
    paginated,
    resolve_organization,
    responses,
)
from causeloop.errors import ValidationFailed
from causeloop.idempotency import idempotent
from causeloop.parsers import GuardedJSONParser
from causeloop.shown_once import no_store
from memberships.models import Membership
from memberships.permissions import role_of
from memberships.roles import Role
from memberships.services import organization_switch, seats_used
from organizations import services
from organizations.models import ApiKey, AuditLog, Organization, Plan, Template

# --- output ---------------------------------------------------------------------------------


class MyOrganizationSerializer(serializers.Serializer):
    id = serializers.CharField(source="organization.id")
    name = serializers.CharField(source="organization.name")
    slug = serializers.CharField(source="organization.slug")
    status = serializers.CharField(source="organization.status")
    role = serializers.CharField()
    is_active = serializers.BooleanField()
    joined_at = serializers.DateTimeField(allow_null=True)


class BrandingSerializer(serializers.Serializer):
    logo_url = serializers.SerializerMethodField()
    primary_color = serializers.CharField()
    secondary_color = serializers.CharField()

    def get_logo_url(self, organization: Organization) -> str | None:
        return organization.logo.url if organization.logo else None


class OrganizationSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    slug = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    plan = serializers.CharField(source="plan_id")
    seats = serializers.IntegerField()
    seats_used = serializers.IntegerField()
    timezone = serializers.CharField()
    settings = serializers.DictField()
    branding = BrandingSerializer(source="*")
    role = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


def _organization_data(organization: Organization, actor: Any) -> dict[str, Any]:
    organization.seats_used = seats_used(organization)  # type: ignore[attr-defined]
    role = role_of(actor, organization)
    organization.role = role.value if role else None  # type: ignore[attr-defined]
    return OrganizationSerializer(organization).data


class ApiKeySerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    fingerprint = serializers.CharField(source="last_four")
    scopes = serializers.ListField(child=serializers.CharField())
    created_by = serializers.CharField(source="created_by_id", allow_null=True)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked = serializers.SerializerMethodField()

    def get_revoked(self, api_key: ApiKey) -> bool:
        return api_key.revoked_at is not None


class NewApiKeySerializer(ApiKeySerializer):
    key = serializers.CharField(help_text="The key itself: shown this once.")


def _new_key(api_key: ApiKey, secret: str, *, status_code: int) -> Response:
    api_key.key = secret  # type: ignore[attr-defined]
    return Response(NewApiKeySerializer(api_key).data, status=status_code)


class TemplateSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    description = serializers.CharField()
    body = serializers.CharField()
    created_by = serializers.CharField(source="created_by_id", allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


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


# --- organizations --------------------------------------------------------------------------


class OrganizationCreateInput(InputSerializer):
    name = Text(max_length=200)
    slug = Text(max_length=50, required=False, allow_blank=True)
    plan = serializers.ChoiceField(choices=Plan.Code.choices, default=Plan.Code.FREE)
    timezone = Text(max_length=64, default="UTC")
    kind = serializers.ChoiceField(choices=Organization.Kind.choices, default="company")


class OrganizationUpdateInput(InputSerializer):
    name = Text(max_length=200, required=False)
    slug = Text(max_length=50, required=False)
    timezone = Text(max_length=64, required=False)
    settings = serializers.DictField(required=False)


class OrganizationsApi(ApiView):
    @extend_schema(
        operation_id="organizations_list",
        responses=responses(page_of(MyOrganizationSerializer)),
    )
    def get(self, request: Request) -> Response:
        if isinstance(request.auth, ApiKey):
            organization = resolve_organization(request, request.auth.organization_id)
            mine = [
                {
                    "organization": organization,
                    "role": Role.ADMIN,
                    "is_active": True,
                    "joined_at": None,
                }
            ]
            return paginated(self, mine, MyOrganizationSerializer)
        memberships = (
            Membership.objects.filter(user=self.person)
            .select_related("organization")
            .order_by("joined_at", "id")
        )
        return paginated(self, memberships, MyOrganizationSerializer)

    @extend_schema(
        operation_id="organizations_create",
        request=OrganizationCreateInput,
        responses=responses(OrganizationSerializer, 409, status=201),
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = OrganizationCreateInput.validated(request.data)
        organization = services.organization_create(
            user=self.person,
            name=data["name"],
            slug=data.get("slug") or None,
            plan=data["plan"],
            timezone_name=data["timezone"],
            kind=data["kind"],
        )
        return Response(
            _organization_data(organization, self.person), status=status.HTTP_201_CREATED
        )


class OrganizationApi(OrganizationEndpoint):
    @extend_schema(
        operation_id="organizations_show", responses=responses(OrganizationSerializer, 404)
    )
    def get(self, request: Request, org: str) -> Response:
        return Response(_organization_data(self.organization, self.actor))

    @extend_schema(
        operation_id="organizations_update",
        request=OrganizationUpdateInput,
        responses=responses(OrganizationSerializer, 404, 409),
    )
    def patch(self, request: Request, org: str) -> Response:
        data = OrganizationUpdateInput.validated(request.data)
        organization = services.organization_update(
            organization=self.organization,
            actor=self.actor,
            name=data.get("name"),
            slug=data.get("slug"),
            timezone_name=data.get("timezone"),
            settings_data=data.get("settings"),
        )
        return Response(_organization_data(organization, self.actor))

    @extend_schema(operation_id="organizations_delete", responses=responses(None, 404, status=204))
    def delete(self, request: Request, org: str) -> Response:
        services.organization_delete(
            organization=self.organization,
            actor=self.actor,
            confirm_slug=self.organization.slug,  # addressing it in the path is the confirmation
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrganizationSwitchApi(OrganizationEndpoint):
    @extend_schema(
        operation_id="organizations_switch",
        request=None,
        responses=responses(OrganizationSerializer, 404),
    )
    def post(self, request: Request, org: str) -> Response:
        organization_switch(user=self.person, organization=self.organization)
        return Response(_organization_data(self.organization, self.person))


# --- branding -------------------------------------------------------------------------------


class BrandingInput(InputSerializer):
    primary_color = Text(max_length=7, required=False)
    secondary_color = Text(max_length=7, required=False)
    logo = serializers.ImageField(required=False, help_text="multipart/form-data only")
    remove_logo = serializers.BooleanField(required=False, default=False)


class BrandingApi(OrganizationEndpoint):
    parser_classes = [GuardedJSONParser, MultiPartParser]

    @extend_schema(operation_id="branding_show", responses=responses(BrandingSerializer, 404))
    def get(self, request: Request, org: str) -> Response:
        return Response(BrandingSerializer(self.organization).data)

    @extend_schema(
        operation_id="branding_update",
        request={"application/json": BrandingInput, "multipart/form-data": BrandingInput},
        responses=responses(BrandingSerializer, 404),
    )
    def patch(self, request: Request, org: str) -> Response:
        data = BrandingInput.validated(request.data)
        organization = services.branding_update(
            organization=self.organization, actor=self.actor, **data
        )
        return Response(BrandingSerializer(organization).data)


# --- API keys -------------------------------------------------------------------------------


class ApiKeyInput(InputSerializer):
    name = Text(max_length=200)
    scopes = serializers.ListField(child=Text(max_length=64), max_length=20, required=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class ApiKeysApi(OrganizationEndpoint):
    @extend_schema(
        operation_id="api_keys_list", responses=responses(page_of(ApiKeySerializer), 404)
    )
    def get(self, request: Request, org: str) -> Response:
        self.require(Role.ADMIN)
        keys = self.organization.api_keys.order_by("-created_at", "-id")
        return paginated(self, keys, ApiKeySerializer)

    @extend_schema(
        operation_id="api_keys_create",
        request=ApiKeyInput,
        responses=responses(NewApiKeySerializer, 404, status=201),
    )
    @no_store
    @idempotent
    def post(self, request: Request, org: str) -> Response:
        data = ApiKeyInput.validated(request.data)
        api_key, secret = services.api_key_create(
            organization=self.organization, actor=self.actor, **data
        )
        return _new_key(api_key, secret, status_code=status.HTTP_201_CREATED)


class ApiKeyRotateApi(OrganizationEndpoint):
    @extend_schema(
        operation_id="api_keys_rotate",
        request=None,
        responses=responses(NewApiKeySerializer, 404, 409, status=201),
    )
    @no_store
    @idempotent
    def post(self, request: Request, org: str, key_id: str) -> Response:
        api_key = services.get_owned(ApiKey, self.organization, key_id)
        new_key, secret = services.api_key_rotate(api_key=api_key, actor=self.actor)
        return _new_key(new_key, secret, status_code=status.HTTP_201_CREATED)


class ApiKeyApi(OrganizationEndpoint):
    @extend_schema(operation_id="api_keys_revoke", responses=responses(None, 404, status=204))
    def delete(self, request: Request, org: str, key_id: str) -> Response:
        api_key = services.get_owned(ApiKey, self.organization, key_id)
        services.api_key_revoke(api_key=api_key, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- templates ------------------------------------------------------------------------------


class TemplateInput(InputSerializer):
    name = Text(max_length=200)
    kind = serializers.ChoiceField(choices=Template.Kind.choices, default=Template.Kind.PROMPT)
    description = Text(max_length=2000, required=False, allow_blank=True)
    body = Text(
        max_length=Template.MAX_BODY_BYTES, required=False, allow_blank=True, trim_whitespace=False
    )


class TemplatesApi(OrganizationEndpoint):
    @extend_schema(
        operation_id="templates_list",
        parameters=[OpenApiParameter("kind", str, enum=Template.Kind.values)],
        responses=responses(page_of(TemplateSerializer), 404),
    )
    def get(self, request: Request, org: str) -> Response:
        templates = Template.objects.for_org(self.organization)
        kind = request.query_params.get("kind")
        if kind:
            if kind not in Template.Kind.values:
                message = '"kind" must be "agent" or "prompt".'
                raise ValidationFailed(message, fields={"kind": [message]})
            templates = templates.filter(kind=kind)
        return paginated(self, templates.order_by("name", "id"), TemplateSerializer)

    @extend_schema(
        operation_id="templates_create",
        request=TemplateInput,
        responses=responses(TemplateSerializer, 404, status=201),
    )
    @idempotent
    def post(self, request: Request, org: str) -> Response:
        data = TemplateInput.validated(request.data)
        template = services.template_create(
            organization=self.organization, actor=self.actor, data=data
        )
        return Response(TemplateSerializer(template).data, status=status.HTTP_201_CREATED)


class TemplateApi(OrganizationEndpoint):
    def _template(self, template_id: str) -> Template:
        return services.get_owned(Template, self.organization, template_id)

    @extend_schema(operation_id="templates_show", responses=responses(TemplateSerializer, 404))
    def get(self, request: Request, org: str, template_id: str) -> Response:
        return Response(TemplateSerializer(self._template(template_id)).data)

    @extend_schema(
        operation_id="templates_update",
        request=TemplateInput(partial=True),
        responses=responses(TemplateSerializer, 404),
    )
    def patch(self, request: Request, org: str, template_id: str) -> Response:
        template = self._template(template_id)
        data = TemplateInput.validated(request.data, partial=True)
        template = services.template_update(template=template, actor=self.actor, data=data)
        return Response(TemplateSerializer(template).data)

    @extend_schema(operation_id="templates_delete", responses=responses(None, 404, status=204))
    def delete(self, request: Request, org: str, template_id: str) -> Response:
        services.template_delete(template=self._template(template_id), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the audit log, export and erasure ------------------------------------------------------


class AuditLogApi(OrganizationEndpoint):
    @extend_schema(
        operation_id="audit_log_list",
        parameters=[
            OpenApiParameter("action", str, description="Only this action, e.g. member.joined."),
        ],
        responses=responses(page_of(AuditLogSerializer), 404),
    )
    def get(self, request: Request, org: str) -> Response:
        self.require(Role.ADMIN)
        rows = AuditLog.objects.filter(organization=self.organization)
        action = request.query_params.get("action", "").strip()
        if action:
            rows = rows.filter(action=action[:64])
        return paginated(self, rows.order_by("-created_at", "-id"), AuditLogSerializer)


class ExportInput(InputSerializer):
    organization = Text(max_length=64, help_text="ID or slug.")


class ExportApi(ApiView):
    @extend_schema(
        operation_id="gdpr_export",
        request=ExportInput,
        responses=responses(OpenApiTypes.OBJECT, 404),
    )
    @no_store
    def post(self, request: Request) -> Response:
        data = ExportInput.validated(request.data)
        organization = resolve_organization(request, data["organization"])
        services.ensure_usable(organization)
        return Response(services.organization_export(organization=organization, actor=self.actor))
