"""Organizations: list, create, show, update, delete, switch to, and their branding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from causeloop.web.api.base import (
    ApiView,
    InputSerializer,
    OrganizationEndpoint,
    paginated,
)
from causeloop.web.api.documented import (
    PEOPLE_ONLY,
    page_of,
    responses,
)
from causeloop.web.api.fields import HexColor, Name, Slug, TimezoneName
from causeloop.web.api.permissions import IsOrgMember, IsOrgOwnerToDelete
from causeloop.web.api.platform import PurgingSerializer
from causeloop.web.idempotency import idempotent
from causeloop.web.parsers import GuardedJSONParser
from memberships.selectors import memberships_of, seats_used
from memberships.services.active import organization_switch
from onboarding.lifecycle import organization_create, organization_delete
from organizations.models import ApiKey, Organization, Plan
from organizations.roles import Role
from organizations.services.branding import branding_update
from organizations.services.organizations import organization_update


class MyOrganizationSerializer(serializers.Serializer):
    id = serializers.CharField(source="organization.id")
    name = serializers.CharField(source="organization.name")
    slug = serializers.CharField(source="organization.slug")
    status = serializers.ChoiceField(
        source="organization.status", choices=Organization.Status.choices
    )
    role = serializers.ChoiceField(choices=Role.choices)
    is_active = serializers.BooleanField()
    joined_at = serializers.DateTimeField(allow_null=True)


class BrandingSerializer(serializers.Serializer):
    logo_url = serializers.SerializerMethodField()
    primary_color = serializers.CharField()
    secondary_color = serializers.CharField()

    def get_logo_url(self, organization: Organization) -> str | None:
        return organization.logo.url if organization.logo else None


@dataclass(frozen=True)
class CallersOrganization:
    """An organization as its caller sees it: with the seats in use and their role."""

    organization: Organization
    seats_used: int
    role: Role


# Renders a `CallersOrganization`; its docstring is the component's public description.
class OrganizationSerializer(serializers.Serializer):
    """An organization as you see it: its details, its plan, the seats in use and your role."""

    id = serializers.CharField(source="organization.id")
    name = serializers.CharField(source="organization.name")
    slug = serializers.CharField(source="organization.slug")
    kind = serializers.ChoiceField(source="organization.kind", choices=Organization.Kind.choices)
    status = serializers.ChoiceField(
        source="organization.status", choices=Organization.Status.choices
    )
    plan = serializers.ChoiceField(source="organization.plan_id", choices=Plan.Code.choices)
    seats = serializers.IntegerField(source="organization.seats")
    seats_used = serializers.IntegerField()
    timezone = serializers.CharField(source="organization.timezone")
    settings = serializers.DictField(source="organization.settings")
    branding = BrandingSerializer(source="organization")
    role = serializers.ChoiceField(choices=Role.choices, help_text="Your role in it.")
    created_at = serializers.DateTimeField(source="organization.created_at")


def _organization_data(organization: Organization, role: Role) -> dict[str, Any]:
    seen = CallersOrganization(organization, seats_used(organization), role)
    return OrganizationSerializer(seen).data


class OrganizationCreateInput(InputSerializer):
    name = Name()
    slug = Slug(required=False, allow_blank=True)
    plan = serializers.ChoiceField(choices=Plan.Code.choices, default=Plan.Code.FREE)
    timezone = TimezoneName(default="UTC")
    kind = serializers.ChoiceField(choices=Organization.Kind.choices, default="company")


class OrganizationUpdateInput(InputSerializer):
    name = Name(required=False)
    slug = Slug(required=False)
    timezone = TimezoneName(required=False)
    settings = serializers.DictField(required=False)


class OrganizationsApi(ApiView):
    @extend_schema(
        operation_id="organizations_list",
        summary="List your organizations",
        description=(
            "The organizations you belong to, a page at a time, with your role in each, which "
            "one is active and when you joined. With an organization API key: its own "
            "organization only, as `admin`, with no `joined_at`."
        ),
        responses=responses(page_of(MyOrganizationSerializer), 404, meanings=PEOPLE_ONLY),
    )
    def get(self, request: Request) -> Response:
        if isinstance(request.auth, ApiKey):
            organization = request.auth.organization  # entered by its authentication
            mine = [
                {
                    "organization": organization,
                    "role": Role.ADMIN,
                    "is_active": True,
                    "joined_at": None,
                }
            ]
            return paginated(self, mine, MyOrganizationSerializer)
        return paginated(self, memberships_of(self.person), MyOrganizationSerializer)

    @extend_schema(
        operation_id="organizations_create",
        summary="Create an organization",
        description=(
            "Create an organization with you as its owner; it becomes your active "
            "organization. Without a `slug`, one is made from the name (`acme-corp`, "
            "`acme-corp-2` …). A slug in use is 409 `slug_taken`; a reserved or malformed "
            "slug, or an unknown timezone, is 400. Recorded as `workspace.created` in its "
            "audit log and events. For people: an organization API key gets 404."
        ),
        request=OrganizationCreateInput,
        responses=responses(OrganizationSerializer, 404, 409, status=201, meanings=PEOPLE_ONLY),
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = OrganizationCreateInput.validated(request.data)
        organization = organization_create(
            user=self.person,
            name=data["name"],
            slug=data.get("slug") or None,
            plan=data["plan"],
            timezone_name=data["timezone"],
            kind=data["kind"],
        )
        return Response(
            _organization_data(organization, Role.OWNER), status=status.HTTP_201_CREATED
        )


class OrganizationApi(OrganizationEndpoint):
    versioned = True  # ETag on its answers, If-Match on its writes
    permission_classes = [IsAuthenticated, IsOrgMember, IsOrgOwnerToDelete]

    @extend_schema(
        operation_id="organizations_show",
        summary="Show an organization",
        description=(
            "The organization: its details, its plan and seats in use, its branding, and your "
            "role in it (every member; an API key sees its own organization, as `admin`)."
        ),
        responses=responses(OrganizationSerializer, 404),
    )
    def get(self, request: Request, organization: Organization) -> Response:
        return Response(_organization_data(organization, self.role))

    @extend_schema(
        operation_id="organizations_update",
        summary="Change an organization's settings",
        description=(
            "Change the organization's name, slug, timezone or settings (admins, owners and "
            "API keys); what is not sent stays as it is. A slug in use is 409 `slug_taken`; a "
            "reserved or malformed slug, or an unknown timezone, is 400. Recorded as "
            "`organization.updated` in the audit log and the events."
        ),
        request=OrganizationUpdateInput,
        responses=responses(OrganizationSerializer, 404, 409),
    )
    def patch(self, request: Request, organization: Organization) -> Response:
        data = OrganizationUpdateInput.validated(request.data)
        organization = organization_update(
            organization=organization,
            actor=self.actor,
            name=data.get("name"),
            slug=data.get("slug"),
            timezone_name=data.get("timezone"),
            settings_data=data.get("settings"),
        )
        return Response(_organization_data(organization, self.role))

    @extend_schema(
        operation_id="organizations_delete",
        summary="Delete an organization",
        description=(
            "Delete the organization and everything in it, for good: its members, "
            "invitations, API keys, templates, integrations, runs, webhooks and audit log. "
            "It is suspended at once and its data deleted in the background: this answers 202 "
            "with it as it is now, and it is gone (404) once that is done. The people's "
            "accounts stay, each member's next organization becoming their active one. Owners "
            "only: admins and API keys are refused with 403."
        ),
        responses=responses(PurgingSerializer, 404, status=202),
    )
    def delete(self, request: Request, organization: Organization) -> Response:
        organization_delete(
            organization=organization,
            actor=self.actor,
            confirm_slug=organization.slug,  # addressing it in the path is the confirmation
        )
        return Response(PurgingSerializer(organization).data, status=status.HTTP_202_ACCEPTED)


class OrganizationSwitchApi(OrganizationEndpoint):
    @extend_schema(
        operation_id="organizations_switch",
        summary="Make an organization your active one",
        description=(
            "Make this organization your active one: the one the browser shows and `POST "
            "/invitations` invites into (every member). An organization API key gets 404."
        ),
        request=None,
        responses=responses(OrganizationSerializer, 404),
    )
    def post(self, request: Request, organization: Organization) -> Response:
        organization_switch(user=self.person, organization=organization)
        return Response(_organization_data(organization, self.role))


class BrandingInput(InputSerializer):
    primary_color = HexColor(required=False)
    secondary_color = HexColor(required=False)
    logo = serializers.ImageField(required=False, help_text="multipart/form-data only")
    remove_logo = serializers.BooleanField(required=False, default=False)


class BrandingApi(OrganizationEndpoint):
    versioned = True  # ETag on its answers, If-Match on its writes
    parser_classes = [GuardedJSONParser, MultiPartParser]

    @extend_schema(
        operation_id="branding_show",
        summary="Show an organization's branding",
        description=(
            "The organization's logo (its URL, null without one) and its brand colours "
            "(every member)."
        ),
        responses=responses(BrandingSerializer, 404),
    )
    def get(self, request: Request, organization: Organization) -> Response:
        return Response(BrandingSerializer(organization).data)

    @extend_schema(
        operation_id="branding_update",
        summary="Change an organization's branding",
        description=(
            "Change the organization's colours (`#rrggbb`, as JSON or a form), upload its logo "
            "(`multipart/form-data`) or remove it (`remove_logo`) (admins, owners and API "
            "keys). A colour that is no `#rrggbb` is 400 `invalid_color`, a file that is no "
            "image of an accepted type and size 400 `invalid_logo`. Recorded as "
            "`branding.updated` in the audit log and the events."
        ),
        request={"application/json": BrandingInput, "multipart/form-data": BrandingInput},
        responses=responses(BrandingSerializer, 404),
    )
    def patch(self, request: Request, organization: Organization) -> Response:
        data = BrandingInput.validated(request.data)
        organization = branding_update(
            organization=organization,
            actor=self.actor,
            primary_color=data.get("primary_color"),
            secondary_color=data.get("secondary_color"),
            logo=data.get("logo"),
            remove_logo=data["remove_logo"],
        )
        return Response(BrandingSerializer(organization).data)
