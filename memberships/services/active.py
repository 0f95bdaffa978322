"""The active organization: the one a person's browser shows, at most one per person."""

from __future__ import annotations

from django.db import transaction

from causeloop.core.errors import NotFound
from causeloop.core.tenancy import acting_for
from memberships.models import Membership, User
from organizations.models import Organization


def _lock_user(user_id: str) -> None:
    """Serialise changes to one user's memberships (two tabs switching at once)."""
    User.objects.select_for_update().filter(pk=user_id).values_list("pk", flat=True).first()


@transaction.atomic
def membership_activate(*, membership: Membership) -> Membership:
    """Make `membership` the user's one active membership."""
    _lock_user(membership.user_id)
    # A person's memberships in every organization, beyond the tenant the caller entered.
    with acting_for(membership.user_id):
        Membership.objects.filter(user_id=membership.user_id, is_active=True).exclude(
            pk=membership.pk
        ).update(is_active=False)
        Membership.objects.filter(pk=membership.pk).update(is_active=True)
    membership.is_active = True
    return membership


@transaction.atomic
def membership_activate_next(*, user_id: str) -> None:
    """After the person left their active organization, activate the earliest remaining one."""
    with acting_for(user_id):  # their memberships in every organization
        if Membership.objects.filter(user_id=user_id, is_active=True).exists():
            return
        following = Membership.objects.filter(user_id=user_id).order_by("joined_at", "id").first()
        if following is not None:
            Membership.objects.filter(pk=following.pk).update(is_active=True)


def organization_switch(*, user: User, organization: Organization) -> Membership:
    """Make `organization` the one the user's browser shows."""
    membership = Membership.objects.filter(user=user, organization=organization).first()
    if membership is None:
        raise NotFound("Organization not found.")
    return membership_activate(membership=membership)


def active_membership_for(user: User) -> Membership | None:
    """The user's active membership; when none is active, the earliest joined is activated."""
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("organization", "organization__plan")
        .order_by("-is_active", "joined_at", "id")[:1]
    )
    if not memberships:
        return None
    membership = memberships[0]
    if not membership.is_active:
        membership_activate(membership=membership)
    return membership
