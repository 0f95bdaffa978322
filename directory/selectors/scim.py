"""Reads of directory sync shared by the SCIM service, the API and the pages: SCIM tokens and
the directory's people (with the role each one has now)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from scim2_models import ScimFilter

from causeloop.core.keyset import KeysetPage, keyset_page
from directory.models import DirectoryUser, ScimToken
from directory.scim import User as ScimUser
from directory.scim_filter import user_filter_query
from memberships.models import Membership
from organizations.models import Organization
from organizations.roles import Role
from organizations.selectors import owned_row

if TYPE_CHECKING:  # django-stubs is a development dependency
    from django_stubs_ext import WithAnnotations

# How many recently revoked tokens the directory page still lists under the usable ones.
REVOKED_SHOWN = 10


def scim_tokens_for(organization: Organization) -> QuerySet[ScimToken]:
    """The organization's SCIM tokens, revoked ones included, newest first."""
    return organization.scim_tokens.order_by("-created_at", "-id")


def usable_scim_tokens_of(organization: Organization) -> QuerySet[ScimToken]:
    """The tokens that still work, newest first."""
    return scim_tokens_for(organization).filter(revoked_at__isnull=True)


def recently_revoked_scim_tokens_of(organization: Organization) -> list[ScimToken]:
    """The last few revoked tokens, most recently revoked first."""
    revoked = organization.scim_tokens.filter(revoked_at__isnull=False)
    return list(revoked.order_by("-revoked_at", "-id")[:REVOKED_SHOWN])


class RoleNow(TypedDict):
    """What `directory_users_of` adds to each directory user."""

    role_now: str


type DirectoryUsers = QuerySet[WithAnnotations[DirectoryUser, RoleNow]]


def directory_users_of(organization: Organization) -> DirectoryUsers:
    """The directory's people with their accounts, oldest first, each with `role_now`: their
    member's role while they have one, else the role kept for their return."""
    member_role = Membership.objects.filter(
        organization=OuterRef("organization"), user=OuterRef("user")
    ).values("role")[:1]
    return (
        DirectoryUser.objects.filter(organization=organization)
        .select_related("user")
        .annotate(role_now=Coalesce(Subquery(member_role), "role"))
        .order_by("created_at", "id")
    )


def directory_user_in(
    organization: Organization, pk: object
) -> WithAnnotations[DirectoryUser, RoleNow]:
    """One of the organization's directory users, or NotFound whatever `pk` is."""
    rows = directory_users_of(organization)
    return owned_row(rows.model, organization=organization, pk=pk, rows=rows)


def directory_users_matching(
    organization: Organization, scim_filter: ScimFilter[ScimUser] | None
) -> DirectoryUsers:
    """The directory users a SCIM filter matches (all of them without one)."""
    users = directory_users_of(organization)
    return users if scim_filter is None else users.filter(user_filter_query(scim_filter))


def directory_users_with_role(organization: Organization, role: Role) -> DirectoryUsers:
    """The directory users whose role is `role` now: a group's members."""
    return directory_users_of(organization).filter(role_now=role.value)


@dataclass(frozen=True)
class GroupPerson:
    """A member of a group as the group lists them."""

    id: str
    role: str
    name: str  # their displayName, else their userName


def group_people(organization: Organization, role: Role | None = None) -> list[GroupPerson]:
    """The people of every group (or of `role`'s), in one query of four columns."""
    rows = directory_users_of(organization)
    if role is not None:
        rows = rows.filter(role_now=role.value)
    columns = rows.values_list("pk", "role_now", "user_name", "attributes__displayName")
    return [
        GroupPerson(id=pk, role=role_now, name=shown if isinstance(shown, str) and shown else name)
        for pk, role_now, name, shown in columns
    ]


def directory_users_by_id(
    organization: Organization, ids: set[str]
) -> dict[str, WithAnnotations[DirectoryUser, RoleNow]]:
    """The organization's directory users among `ids`, by ID (others' are absent)."""
    return {user.pk: user for user in directory_users_of(organization).filter(pk__in=ids)}


def directory_people_page(
    organization: Organization, *, after: str = "", before: str = "", size: int = 25
) -> KeysetPage[WithAnnotations[DirectoryUser, RoleNow]]:
    """A page of the directory's people, newest first, by keyset (one query, no count)."""
    rows = directory_users_of(organization).order_by("-created_at", "-id")
    return keyset_page(rows, moment="created_at", after=after, before=before, size=size)


@dataclass(frozen=True)
class DirectorySummary:
    """How the directory stands: its people, and when it last spoke and last changed one."""

    people: int
    active: int
    last_request_at: datetime | None
    last_change_at: datetime | None


def directory_summary(organization: Organization) -> DirectorySummary:
    """Counts and moments for the directory page (two aggregate queries)."""
    people = organization.directory_users.aggregate(
        people=Count("id"), active=Count("id", filter=Q(active=True)), changed=Max("updated_at")
    )
    last_request = organization.scim_tokens.aggregate(at=Max("last_used_at"))["at"]
    return DirectorySummary(
        people=people["people"],
        active=people["active"],
        last_request_at=last_request,
        last_change_at=people["changed"],
    )
