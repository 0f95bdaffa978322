"""Reads about people and their memberships, shared by the pages and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from causeloop.core.errors import NotFound
from causeloop.core.keyset import KeysetPage, keyset_page
from causeloop.core.tenancy import platform_lookup
from memberships.models import Invitation, InviteCode, Membership, User
from organizations.models import Organization
from organizations.selectors import owned_row


@dataclass(frozen=True)
class SeatUsage:
    """Who holds a seat: the members, and the pending invitations that have not expired."""

    members: int
    pending_invitations: int

    @property
    def total(self) -> int:
        return self.members + self.pending_invitations


def seat_usage(
    organization: Organization, *, excluding_invitation: Invitation | None = None
) -> SeatUsage:
    """The organization's seats in use (an expired invitation holds no seat)."""
    invitations = Invitation.objects.filter(
        organization=organization, status=Invitation.Status.PENDING, expires_at__gt=timezone.now()
    )
    if excluding_invitation is not None:
        invitations = invitations.exclude(pk=excluding_invitation.pk)
    return SeatUsage(
        members=Membership.objects.filter(organization=organization).count(),
        pending_invitations=invitations.count(),
    )


def seats_used(
    organization: Organization, *, excluding_invitation: Invitation | None = None
) -> int:
    """Members plus pending, unexpired invitations: the number the seat limit counts."""
    return seat_usage(organization, excluding_invitation=excluding_invitation).total


def members_of(
    organization: Organization, *, role: str | None = None, email_contains: str = ""
) -> QuerySet[Membership]:
    """The organization's members with their users, earliest joined first; only those with
    `role`, or whose email holds `email_contains`, when given."""
    members = organization.memberships.select_related("user").order_by("joined_at", "id")
    if role is not None:
        members = members.filter(role=role)
    if email_contains:
        members = members.filter(user__email__icontains=email_contains)
    return members


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


def memberships_of(user: User) -> QuerySet[Membership]:
    """A person's memberships with their organizations' summaries, earliest joined first."""
    return Membership.objects.summaries_of(user).order_by("joined_at", "id")


def membership_in(user: User, *, organization: str) -> Membership | None:
    """The person's membership in the organization `organization` names (its ID or slug),
    with the organization, its plan and subscription; None when they have none there."""
    lookup = (
        {"organization_id": organization}
        if organization.startswith("org_")
        else {"organization__slug": organization}
    )
    return (
        Membership.objects.select_related(
            "organization", "organization__plan", "organization__subscription"
        )
        .filter(user=user, **lookup)
        .first()
    )


def membership_of(organization: Organization, user: User) -> Membership | None:
    """The person's membership in the organization, if they have one; its `organization` is
    the instance given (so a change of several people's memberships loads it once)."""
    membership = Membership.objects.filter(organization=organization, user=user).first()
    if membership is not None:
        membership.organization, membership.user = organization, user
    return membership


def invite_codes_of(organization: Organization) -> QuerySet[InviteCode]:
    """Every invite code of the organization, newest first."""
    return organization.invite_codes.order_by("-created_at", "-id")


def invite_codes_page(
    organization: Organization, *, after: str = "", before: str = "", size: int = 10
) -> KeysetPage[InviteCode]:
    """A page of the organization's invite codes, newest first, ended ones too, by keyset (no
    count). A cursor that is not one raises ValidationFailed."""
    return keyset_page(
        invite_codes_of(organization), moment="created_at", after=after, before=before, size=size
    )


def invite_code_by_reference(organization: Organization, reference: str) -> InviteCode:
    """One of the organization's invite codes, by its ID (`code_…`) or by the code itself."""
    if reference.startswith("code_"):
        return owned_row(InviteCode, organization=organization, pk=reference)
    invite_code = organization.invite_codes.filter(code=InviteCode.normalize(reference)[:16])
    found = invite_code.first()
    if found is None:
        raise NotFound("Invite code not found.")
    return found


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


def active_membership_of(user: User) -> Membership | None:
    """The person's active membership with its organization, read only (the header of pages
    that are about no organization: the account and error pages)."""
    return (
        Membership.objects.select_related("organization").filter(user=user, is_active=True).first()
    )
