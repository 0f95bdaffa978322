"""Who may do what: the role of an actor (user or API key) in an organization.

A caller who is not a member gets `NotFound`, never `Forbidden`, so other tenants do not leak.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from causeloop.errors import Forbidden, NotFound
from memberships.models import Membership
from memberships.roles import Role
from organizations.models import ApiKey

if TYPE_CHECKING:
    from memberships.models import User
    from organizations.models import Organization


def role_of(actor: User | ApiKey | None, organization: Organization) -> Role | None:
    """The actor's role in `organization`, or None when it has none. An API key acts as admin
    of its own organization."""
    if actor is None:
        return None
    if isinstance(actor, ApiKey):
        return Role.ADMIN if actor.organization_id == organization.pk else None
    if not getattr(actor, "is_authenticated", False):
        return None
    cache: dict[str, Role | None] = organization.__dict__.setdefault("_role_cache", {})
    if actor.pk not in cache:
        role = (
            Membership.objects.filter(user=actor, organization=organization)
            .values_list("role", flat=True)
            .first()
        )
        cache[actor.pk] = Role(role) if role else None
    return cache[actor.pk]


def remember_role(organization: Organization, actor: User, role: str | None) -> None:
    """Seed the role cache when the caller's membership was already loaded."""
    organization.__dict__.setdefault("_role_cache", {})[actor.pk] = Role(role) if role else None


def forget_roles(organization: Organization) -> None:
    organization.__dict__.pop("_role_cache", None)


def require_role(
    actor: User | ApiKey | None, organization: Organization, *, at_least: Role
) -> Role:
    """The actor's role, if it is at least `at_least`; 404 for outsiders, 403 for too low."""
    role = role_of(actor, organization)
    if role is None:
        raise NotFound("Organization not found.")
    if role < at_least:
        needed, actual = at_least.label.lower(), role.label.lower()
        raise Forbidden(
            f"This needs the {needed} role or higher; you are {actual}.", code="permission_denied"
        )
    return role
