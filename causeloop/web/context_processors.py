"""What every page's header needs: the signed-in person's organizations (for the switcher: a
bounded few, however many they belong to), and on the account pages, which are about no
organization, the active one's header."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from memberships.models import User
from memberships.selectors import active_membership_of, switcher_of
from organizations.roles import Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    user = request.user
    # Lazy: pages that render their own list (or no header) never query.
    context: dict[str, Any] = {"my_organizations": SimpleLazyObject(lambda: switcher_of(user))}
    match = getattr(request, "resolver_match", None)
    if match is not None and (match.url_name or "").startswith("account_"):
        context.update(organization_header(user))
    return context


def organization_header(user: User) -> dict[str, Any]:
    """The active organization's header (name, logo, colours, navigation) for a page about no
    organization, so that the person still sees where they are; read only when rendered."""
    membership = SimpleLazyObject(lambda: active_membership_of(user))
    return {
        "membership": membership,
        "organization": SimpleLazyObject(lambda: membership.organization if membership else None),
        "is_admin": SimpleLazyObject(
            lambda: bool(membership) and Role(membership.role) >= Role.ADMIN
        ),
    }
