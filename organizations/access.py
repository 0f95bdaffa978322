"""Who may do what: the role of an actor (user or API key) in an organization.

A caller who is not a member gets `NotFound`, never `Forbidden`, so other tenants do not leak.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from causeloop.core.errors import Forbidden, NotFound
from organizations.models import ApiKey, Organization
from organizations.roles import Role

if TYPE_CHECKING:
    from memberships.models import User


def role_of(actor: User | ApiKey | None, organization: Organization) -> Role | None:
    """The actor's role in `organization`, or None when it has none. An API key acts as admin
    of its own organization."""
    if actor is None:
        return None
    if isinstance(actor, ApiKey):
        return Role.ADMIN if actor.organization_id == organization.pk else None
    if not getattr(actor, "is_authenticated", False):
        return None
    # A plain query each time (one indexed join), not a cache pinned on the instance.
    role = (
        Organization.objects.filter(pk=organization.pk, memberships__user=actor)
        .values_list("memberships__role", flat=True)
        .first()
    )
    return Role(role) if role else None


def require_role(
    actor: User | ApiKey | None, organization: Organization, *, at_least: Role
) -> Role:
    """The actor's role, if it is at least `at_least`; 404 for outsiders, 403 for too low."""
    return ensure_role(role_of(actor, organization), at_least=at_least)


def ensure_role(role: Role | None, *, at_least: Role) -> Role:
    """`role` (an already resolved one), if it is at least `at_least`; 404 for None."""
    if role is None:
        raise NotFound("Organization not found.")
    if role < at_least:
        needed, actual = at_least.label.lower(), role.label.lower()
        raise Forbidden(
            f"This needs the {needed} role or higher; you are {actual}.", code="permission_denied"
        )
    return role
