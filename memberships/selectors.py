"""Reads about people and their memberships, shared by the pages and the API."""

from __future__ import annotations

from causeloop.core.errors import NotFound
from causeloop.core.tenancy import platform_lookup
from memberships.models import Invitation, Membership, User


def user_organizations(user: User) -> list[Membership]:
    """The memberships the header's switcher lists."""
    return list(Membership.objects.summaries_of(user).order_by("organization__name", "id"))


def invitation_addressed_to(*, email: str, invitation_id: str) -> Invitation:
    """An invitation addressed by ID: only the person it names may reach it; its organization
    is entered once it is found (the invitation is the right to it)."""
    with platform_lookup() as lookup:  # the invitation names the tenant; none is known yet
        invitation = (
            Invitation.objects.select_related("organization", "invited_by")
            .filter(pk=invitation_id[:64], email__iexact=email)
            .first()
        )
        if invitation is not None:
            lookup.then_enter_tenant(invitation.organization)
    if invitation is None:
        raise NotFound("Invitation not found.")
    return invitation
