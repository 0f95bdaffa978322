"""Reads about people and their memberships, shared by the pages and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from causeloop.core.errors import NotFound
from causeloop.core.keyset import KeysetPage, keyset_page
from causeloop.core.tenancy import platform_lookup
from memberships.models import Invitation, InviteCode, Membership, User
from organizations.models import Organization
from organizations.roles import Role
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
    organization: Organization,
    *,
    role: str | None = None,
    email_contains: str = "",
    person_contains: str = "",
) -> QuerySet[Membership]:
    """The organization's members with their users, earliest joined first; only those with
    `role`, whose email holds `email_contains`, or whose name or email holds
    `person_contains`, when given (the users' trigram indexes answer either)."""
    members = organization.memberships.select_related("user").order_by("joined_at", "id")
    if role is not None:
        members = members.filter(role=role)
    if email_contains:
        members = members.filter(user__email__icontains=email_contains)
    if person_contains:
        members = members.filter(
            Q(user__email__icontains=person_contains) | Q(user__name__icontains=person_contains)
        )
    return members


def members_page(
    organization: Organization,
    *,
    role: str | None = None,
    person_contains: str = "",
    after: str = "",
    before: str = "",
    size: int = 25,
) -> KeysetPage[Membership]:
    """A page of the organization's members (as `members_of` filters them), earliest joined
    first, by keyset: one query and no count, however many members. A cursor that is not one
    raises ValidationFailed."""
    return keyset_page(
        members_of(organization, role=role, person_contains=person_contains),
        moment="joined_at",
        after=after,
        before=before,
        size=size,
        descending=False,
    )


def owner_count(organization: Organization) -> int:
    """How many owners the organization has (one indexed count, whatever its size)."""
    return organization.memberships.filter(role=Role.OWNER).count()


def pending_invitations_of(organization: Organization) -> QuerySet[Invitation]:
    """Invitations not yet accepted or revoked (expired ones too: they can be sent again),
    newest first."""
    return (
        organization.invitations.filter(status=Invitation.Status.PENDING)
        .select_related("invited_by")
        .order_by("-created_at", "-id")
    )


def pending_invitations_page(
    organization: Organization, *, after: str = "", before: str = "", size: int = 10
) -> KeysetPage[Invitation]:
    """A page of the pending invitations, newest first, by keyset (no count). A cursor that
    is not one raises ValidationFailed."""
    return keyset_page(
        pending_invitations_of(organization),
        moment="created_at",
        after=after,
        before=before,
        size=size,
    )


# The header's switcher lists this many organizations at most; the switcher page finds the rest.
SWITCHER_SIZE = 20


@dataclass(frozen=True)
class Switcher:
    """What the header's organization switcher shows: the active organization first, then the
    others by name, at most `SWITCHER_SIZE` in all; `has_more` when the person belongs to more
    (they are found by searching on the switcher page)."""

    memberships: list[Membership]
    has_more: bool

    def __bool__(self) -> bool:
        return bool(self.memberships)

    @property
    def has_others(self) -> bool:
        """Whether there is another organization to switch to."""
        return len(self.memberships) > 1


def switcher_of(user: User, *, size: int = SWITCHER_SIZE) -> Switcher:
    """The header's switcher for `user`: one query, at most `size` + 1 rows, however many
    organizations they belong to."""
    found = list(
        Membership.objects.summaries_of(user).order_by("-is_active", "organization__name", "id")[
            : size + 1
        ]
    )
    return Switcher(memberships=found[:size], has_more=len(found) > size)


def my_organizations_matching(user: User, query: str = "") -> QuerySet[Membership]:
    """The person's memberships whose organization's name or slug holds `query` (all of them
    without one), by organization name."""
    memberships = Membership.objects.summaries_of(user).order_by("organization__name", "id")
    if query:
        memberships = memberships.filter(
            Q(organization__name__icontains=query) | Q(organization__slug__icontains=query)
        )
    return memberships


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
