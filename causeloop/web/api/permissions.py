"""The API's permission rules, named (`IsOrgAdmin`, `CanEditTemplates` …).

The organization rules are object permissions, as in Sentry's `OrganizationEndpoint`: the
object is the organization `OrganizationEndpoint` resolved through the caller, and the rule
reads the caller's role resolved with it (`view.role`). Checking a rule runs no query and
changes no database context. An outsider never reaches them (the resolution answered 404);
a role too low is refused 403 `permission_denied`, in the same words as the services.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from causeloop.web.authentication import RootOperator
from organizations.access import ensure_role
from organizations.models import ApiKey
from organizations.roles import Role


class OrganizationRole(BasePermission):
    """The caller's role in the organization is at least `at_least` (for the HTTP `methods`
    named, or every method)."""

    at_least = Role.MEMBER
    methods: frozenset[str] | None = None

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if self.methods is None or request.method in self.methods:
            # Raised rather than False, so the 403 names the role needed and the caller's.
            ensure_role(view.role, at_least=self.at_least)
        return True


class IsOrgMember(OrganizationRole):
    at_least = Role.MEMBER


class CanEditTemplates(OrganizationRole):
    """Analysts and above write the organization's shared templates; every member reads them."""

    at_least = Role.ANALYST
    methods = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class IsOrgAdmin(OrganizationRole):
    at_least = Role.ADMIN


class IsOrgAdminToList(IsOrgAdmin):
    """Only admins list an organization's keys, invitations and invite codes; who may create
    one is the services' rule."""

    methods = frozenset({"GET"})


class CanManageIntegrations(IsOrgAdmin):
    """Admins and owners add, change and remove integrations; every member reads them."""

    methods = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class IsOrgOwner(OrganizationRole):
    at_least = Role.OWNER


class IsOrgOwnerToDelete(IsOrgOwner):
    """Only owners delete the organization."""

    methods = frozenset({"DELETE"})


class IsPlatformOperator(BasePermission):
    """The root key, or a staff user's token or session (never an organization API key)."""

    message = "This endpoint is for platform operators."

    def has_permission(self, request: Request, view: Any) -> bool:
        if isinstance(request.user, RootOperator):
            return True
        return bool(
            not isinstance(request.auth, ApiKey)
            and request.user.is_authenticated
            and getattr(request.user, "is_staff", False)
        )
