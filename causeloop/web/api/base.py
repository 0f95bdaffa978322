"""The base classes of the REST API: who is acting, which organization a request is about, and
the platform's own endpoints.

Every endpoint under `/organizations/{org}` derives from `OrganizationEndpoint`, which resolves
`{org}` (an ID or a slug) *through the caller* — their membership, or the API key's own
organization — answers 404 for anything else, enters the tenant for row-level security and
refuses a suspended tenant, checks the endpoint's named permissions against the caller's role,
and hands the organization to the handler (`def get(self, request, organization)`). Handlers
never look a tenant up or enter one themselves. Role rules for changes are the services'
(`require_role`); views only translate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from causeloop.core.errors import NotFound
from causeloop.core.keyset import KeysetPage
from causeloop.core.tenancy import enter_platform, enter_tenant
from causeloop.web.api.conventions import check_precondition, with_conventions
from causeloop.web.api.permissions import IsOrgMember, IsPlatformOperator
from causeloop.web.authentication import (
    BearerTokenAuthentication,
    RootKeyAuthentication,
    SessionAuthentication,
)
from causeloop.web.pagination import PageNumberPagination, cursor_links, cursor_page
from memberships.models import User
from memberships.selectors import membership_in
from memberships.services.active import active_membership_for
from organizations.models import ApiKey, Organization
from organizations.roles import Role
from organizations.selectors import organization_by_reference
from organizations.services.organizations import ensure_usable


def actor_of(request: Request) -> User | ApiKey:
    """Who acts: the organization API key, or the signed-in person."""
    return request.auth if isinstance(request.auth, ApiKey) else cast(User, request.user)


def resolve_organization(request: Request, reference: str) -> tuple[Organization, Role]:
    """The organization `reference` (ID or slug) names and the caller's role in it, if the
    caller belongs to it (an API key acts as admin of its own organization)."""
    not_found = NotFound("Organization not found.")
    if not isinstance(reference, str) or len(reference) > 64:
        raise not_found
    reference = reference.strip().lower()
    api_key = request.auth if isinstance(request.auth, ApiKey) else None
    if api_key is not None:
        organization = api_key.organization
        if reference not in (organization.pk, organization.slug):
            raise not_found
        return organization, Role.ADMIN
    membership = membership_in(cast(User, request.user), organization=reference)
    if membership is None:
        raise not_found
    return membership.organization, Role(membership.role)


class ApiView(APIView):
    """Every endpoint: authenticated unless it says otherwise. A path parameter that cannot
    name anything (NUL bytes, absurd lengths) is 404 before any lookup.

    The only ways an endpoint enters a tenant: `OrganizationEndpoint` (the path names it),
    `enter_organization` (the body names it), `enter_active_organization` (the caller's active
    one) and `enter_any_organization` (an operator's, any tenant)."""

    # A single resource whose GET the writes check `If-Match` against, with an `ETag` on its
    # answers (`conventions.check_precondition`).
    versioned = False

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        for value in kwargs.values():
            if isinstance(value, str) and ("\x00" in value or len(value) > 200):
                raise NotFound("Not found.")
        if request.method == "OPTIONS":
            self.answer_anyone(request, **kwargs)
            return
        super().initial(request, *args, **kwargs)
        self.prepare(request, **kwargs)

    def prepare(self, request: Request, **kwargs: Any) -> None:
        """After authentication, permissions and throttles, before the handler: where an
        endpoint enters what it is about (not for `OPTIONS`, which is about nothing)."""

    def answer_anyone(self, request: Request, **kwargs: Any) -> None:
        """`OPTIONS` says which methods the path allows, to anyone — a browser's preflight
        carries no credentials —, and nothing about any caller or tenant."""
        self.format_kwarg = self.get_format_suffix(**kwargs)
        request.accepted_renderer, request.accepted_media_type = self.perform_content_negotiation(
            request
        )

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        return with_conventions(self, request, response)

    @property
    def actor(self) -> User | ApiKey:
        return actor_of(self.request)

    @property
    def operator(self) -> User | None:
        """The staff member acting for the platform, or None for the platform itself (the root
        key); only meaningful once `IsPlatformOperator` admitted the caller."""
        return self.request.user if isinstance(self.request.user, User) else None

    @property
    def person(self) -> User:
        """The signed-in person; endpoints about "me" refuse organization API keys."""
        if isinstance(self.request.auth, ApiKey):
            raise NotFound("Not found.")
        return cast(User, self.request.user)

    def enter_organization(self, reference: str) -> tuple[Organization, Role]:
        """The organization `reference` names, through the caller (404 for anything else), and
        the caller's role in it; entered for row-level security, refused when suspended."""
        organization, role = resolve_organization(self.request, reference)
        enter_tenant(organization)
        ensure_usable(organization)
        return organization, role

    def enter_active_organization(self) -> Organization:
        """The API key's organization, or the signed-in person's active one; entered and
        refused when suspended."""
        if isinstance(self.request.auth, ApiKey):
            organization = self.request.auth.organization
        else:
            membership = active_membership_for(self.person)
            if membership is None:
                raise NotFound("You have no organization yet.", code="no_active_organization")
            organization = membership.organization
        enter_tenant(organization)
        ensure_usable(organization)
        return organization

    def enter_any_organization(self, reference: str) -> Organization:
        """For platform operators only (checked by the caller): the platform context, any
        organization by ID or slug, and that tenant entered."""
        enter_platform()
        organization = organization_by_reference(reference)
        enter_tenant(organization)
        return organization


class OrganizationEndpoint(ApiView):
    """An endpoint about one organization, `{org}` in the path. The handlers receive it
    resolved, as `organization` in place of `org`; `self.role` is the caller's role in it.
    `permission_classes` name the role each method needs (`causeloop.web.api.permissions`)."""

    permission_classes = [permissions.IsAuthenticated, IsOrgMember]
    organization: Organization
    role: Role  # the caller's, resolved with the organization

    def prepare(self, request: Request, **kwargs: Any) -> None:
        self.organization, self.role = self.enter_organization(kwargs["org"])
        self.check_object_permissions(request, self.organization)
        self.hand_over(self.organization)
        if self.versioned:
            check_precondition(self, request)

    def hand_over(self, organization: Organization) -> None:
        """The handler gets the organization itself: DRF passes `self.kwargs` to it."""
        del self.kwargs["org"]
        self.kwargs["organization"] = organization


PLATFORM_AUTHENTICATION = [
    RootKeyAuthentication,
    BearerTokenAuthentication,
    SessionAuthentication,
]


class PlatformEndpoint(ApiView):
    """An operators' endpoint: once the caller is known to be one, every tenant is visible."""

    authentication_classes = PLATFORM_AUTHENTICATION
    permission_classes = [permissions.IsAuthenticated, IsPlatformOperator]

    def prepare(self, request: Request, **kwargs: Any) -> None:
        enter_platform()


class Text(serializers.CharField):
    """A string field that refuses other JSON types instead of converting them. `documented`:
    JSON Schema keywords the OpenAPI document gives it for what the services check of it (a
    pattern, a length, a format), `causeloop.web.api.fields` names the common kinds."""

    documented: dict[str, Any] = {}

    def __init__(self, *, documented: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if documented is not None:
            self.documented = documented

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class Integer(serializers.IntegerField):
    """A whole number that refuses strings and booleans instead of converting them."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class InputSerializer(serializers.Serializer):
    """A request body: a JSON object with only the fields the endpoint knows."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(str(name) for name in data if name not in self.fields)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)

    @classmethod
    def validated(cls, data: Any, **kwargs: Any) -> dict[str, Any]:
        serializer = cls(data=data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


def paginated(view: APIView, queryset: Any, serializer: type[serializers.Serializer]) -> Response:
    """One page of `queryset` with `count`, `next`, `previous` and `results`."""
    paginator = PageNumberPagination()
    page: list[Any] | None = paginator.paginate_queryset(queryset, view.request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


def cursor_paginated(
    view: APIView,
    pager: Callable[..., KeysetPage[Any]],
    serializer: type[serializers.Serializer],
) -> Response:
    """One page of an unbounded list, newest first, from `pager(after=, before=, size=)` (a
    keyset selector), with `next`, `previous` and `results`: no count, however long the list."""
    page = cursor_page(view.request, pager)
    return Response(
        {**cursor_links(view.request, page), "results": serializer(page.rows, many=True).data}
    )
