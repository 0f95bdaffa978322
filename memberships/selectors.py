"""Reads about people and their memberships, shared by the pages and the API."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from causeloop.core.errors import NotFound
from causeloop.core.tenancy import platform_lookup
from memberships.models import Invitation, Membership, User
from organizations.models import Organization


def seats_used(
    organization: Organization, *, excluding_invitation: Invitation | None = None
) -> int:
    """Members plus pending, unexpired invitations (an expired one holds no seat)."""
    invitations = Invitation.objects.filter(
        organization=organization, status=Invitation.Status.PENDING, expires_at__gt=timezone.now()
    )
    if excluding_invitation is not None:
        invitations = invitations.exclude(pk=excluding_invitation.pk)
    return Membership.objects.filter(organization=organization).count() + invitations.count()


def members_of(organization: Organization) -> QuerySet[Membership]:
    """The organization's members with their users, earliest joined first."""
    return organization.memberships.select_related("user").order_by("joined_at", "id")


def pending_invitations_of(organization: Organization) -> QuerySet[Invitation]:
    """Invitations not yet accepted or revoked (expired ones too: they can be sent again),
    newest first."""
    return (
        organization.invitations.filter(status=Invitation.Status.PENDING)
        .select_related("invited_by")
        .order_by("-created_at", "-id")
    )


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
