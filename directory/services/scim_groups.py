"""The directory's groups are the organization's four roles (SCIM Groups `owner`, `admin`,
`analyst`, `member`): putting a person in a group gives them its role, taking them out of it
makes them a `member`. A person has one role, so the last group change wins. The directory
may make owners, as an owner would, and the organization always keeps one: demoting its last
owner is refused (`last_owner`). The groups themselves are fixed."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from scim2_models import GroupMember, PatchOp

from causeloop.core.errors import ValidationFailed
from directory.models import DirectoryUser, ScimToken
from directory.scim import POLICY, group_resource
from directory.scim import Group as ScimGroup
from directory.selectors.scim import directory_users_by_id, directory_users_with_role
from memberships.selectors import membership_of
from memberships.services.members import membership_set_role
from organizations.audit import audit
from organizations.models import Organization
from organizations.roles import Role
from organizations.services.organizations import ensure_usable


def _refused(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="invalid_member", fields={"members": [message]})


def _member_ids(organization: Organization, role: Role) -> list[str]:
    return list(directory_users_with_role(organization, role).values_list("pk", flat=True))


@transaction.atomic
def scim_group_patch(
    *, organization: Organization, token: ScimToken, role: Role, patch: PatchOp[ScimGroup]
) -> None:
    """Apply PATCH operations to the group of `role` (scim2-models' rules, under `POLICY`):
    the people added get the role, the people removed become members. An operation that
    does not apply raises scim2-models' SCIMException and changes nothing."""
    ensure_usable(organization)
    members = [
        GroupMember.model_validate({"value": pk, "type": "User"})
        for pk in _member_ids(organization, role)
    ]
    resource = group_resource(role, members=members)
    patch.patch(resource, scim_policy=POLICY)
    _set_members(organization, token, role, resource.members or [])


@transaction.atomic
def scim_group_replace(
    *, organization: Organization, token: ScimToken, role: Role, resource: ScimGroup
) -> None:
    """Make `resource.members` the people with `role` (PUT): the others who had it become
    members. The group's name is the role's: read-only, so a name sent is ignored (RFC 7644
    §3.5.1), as scim2-models reads a replacement."""
    ensure_usable(organization)
    _set_members(organization, token, role, resource.members or [])


def _set_members(
    organization: Organization, token: ScimToken, role: Role, members: list[GroupMember]
) -> None:
    wanted: set[str] = set()
    for member in members:
        if member.type not in (None, "User"):
            raise _refused("A group's members are people (type User): roles do not nest.")
        if not isinstance(member.value, str) or not member.value:
            raise _refused("Each member needs the value of a User's id.")
        wanted.add(member.value)
    current = set(_member_ids(organization, role))
    added = wanted - current
    # Out of the members' group is nowhere: everyone has a role, `member` at the least.
    removed = current - wanted if role != Role.MEMBER else set()
    people = directory_users_by_id(organization, added | removed)
    unknown = sorted(added - people.keys())
    if unknown:
        raise _refused(f"No person of this directory has the id {unknown[0]}.")
    # Promotions first: an owner who replaces another is in place before the other steps down.
    for pk in sorted(added):
        _give_role(organization, people[pk], role, token)
    for pk in sorted(removed):
        _give_role(organization, people[pk], Role.MEMBER, token)


def _give_role(
    organization: Organization, directory_user: DirectoryUser, role: Role, token: ScimToken
) -> None:
    """The person's role becomes `role`: their membership's (never leaving the organization
    without an owner), or the one kept for their return while they are inactive."""
    membership = membership_of(organization, directory_user.user)
    if membership is not None:
        membership_set_role(
            membership=membership, role=role, actor=None, actor_name=token.display_name
        )
    else:
        audit(
            organization,
            actor=None,
            action="directory_user.updated",
            target=directory_user,
            details={"email": directory_user.user.email},
            actor_name=token.display_name,
        )
    directory_user.role = role
    directory_user.updated_at = timezone.now()
    directory_user.save(update_fields=["role", "updated_at"])
