"""Reads about people in an organization, shared by the pages and the API."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from memberships.models import Invitation, Membership
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
