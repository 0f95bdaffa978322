"""The directory's SCIM 2.0 vocabulary (RFC 7643), on scim2-models: the User and Group
resources as this service keeps them, the four groups that stand for the roles, and how a
directory record reads as a User.

The resources declare only the attributes that are stored, so the schemas published at
`/scim/v2/Schemas` say exactly what a client gets back: an attribute this service does not
keep (a title, a phone number, the enterprise extension) is accepted and dropped, as
Microsoft Entra and Okta send many of them by default (`POLICY`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from scim2_models import (
    URN,
    ComplexAttribute,
    Context,
    ExtensibleStringEnum,
    GroupMember,
    GroupMembership,
    Mutability,
    Required,
    Resource,
    Schema,
    ScimPolicy,
    Uniqueness,
)

from organizations.roles import Role

if TYPE_CHECKING:
    from directory.models import DirectoryUser

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"

# What the payloads of identity providers may carry beyond the specification: attributes this
# service does not keep (dropped), Entra's `remove` operations that name their target in
# `value`, and its `replace` of `emails[type eq "work"].value` on a user without one.
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)


class Name(ComplexAttribute):
    formatted: str | None = None
    """The person's full name, as it is displayed."""

    family_name: str | None = None
    """The family name, or last name."""

    given_name: str | None = None
    """The given name, or first name."""


class Email(ComplexAttribute):
    class Type(ExtensibleStringEnum):
        work = "work"
        home = "home"
        other = "other"

    # Checked as the rest of the product checks addresses (`clean_email`), which unlike
    # pydantic's EmailStr accepts the internal domains directories hold (`corp.local`).
    value: str | None = None
    """An email address of the person."""

    type: Type | None = None
    """What the address is for: work, home or other."""

    primary: bool | None = None
    """Whether this is the person's preferred address: a new account signs in with it."""


class User(Resource[Any]):
    """A person of the organization. While active, they are a member with the role of their
    group; deactivated, they lose access at once and keep their role for their return."""

    __schema__ = URN(USER_SCHEMA)

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    """The person's unique name in the directory, usually their email address."""

    name: Name | None = None
    """The parts of the person's name."""

    Name: ClassVar[type[ComplexAttribute]] = Name

    display_name: str | None = None
    """The person's name as it is displayed."""

    emails: list[Email] | None = None
    """The person's email addresses. A new account signs in with the primary one (or the
    first); when there is none, userName must be an email address. The address of an
    account is never changed by the directory."""

    Emails: ClassVar[type[ComplexAttribute]] = Email

    active: bool | None = None
    """Whether the person is a member of the organization: false removes them at once, true
    brings them back with their role."""

    groups: Annotated[list[GroupMembership] | None, Mutability.read_only] = None
    """The group of the person's role (owner, admin, analyst or member)."""


class Group(Resource[Any]):
    """One of the organization's four roles: its members are the directory's people with that
    role. The groups are fixed: adding a person to one gives them its role (a person has one
    role), removing them from it makes them a member."""

    __schema__ = URN(GROUP_SCHEMA)

    display_name: Annotated[str | None, Mutability.read_only, Required.true] = None
    """The role's name: Owners, Admins, Analysts or Members."""

    members: list[GroupMember] | None = None
    """The directory's people with this role, by their User id."""

    Members: ClassVar[type[ComplexAttribute]] = GroupMember


# The groups, highest role first: their ids are the roles' own names.
ROLE_GROUPS: dict[Role, str] = {
    Role.OWNER: "Owners",
    Role.ADMIN: "Admins",
    Role.ANALYST: "Analysts",
    Role.MEMBER: "Members",
}


def role_of_group(group_id: object) -> Role | None:
    """The role a group id names (`owner`, `admin`, `analyst`, `member`), or None."""
    return Role(group_id) if isinstance(group_id, str) and group_id in Role.values else None


def schemas() -> list[Schema]:
    """The User and Group schemas as published. `emails` (with its `value`) and `active` are
    declared required, which is what a client should send; a client that leaves `emails` out
    with an address as userName, or `active` out, is still served."""
    user, group = User.to_schema(), Group.to_schema()
    emails = user["emails"]
    emails.required = Required.true
    emails["value"].required = Required.true
    user["active"].required = Required.true
    for schema in (user, group):
        schema.description = _one_line(schema.description)
        for attribute in schema.attributes or []:
            attribute.description = _one_line(attribute.description)
            for sub_attribute in attribute.sub_attributes or []:
                sub_attribute.description = _one_line(sub_attribute.description)
    return [user, group]


def _one_line(text: str | None) -> str | None:
    """A docstring as a schema's description: one line."""
    return " ".join(text.split()) if text else text


# The attributes kept in `DirectoryUser.attributes`, as SCIM spells them; the others have
# their own column (userName, externalId, active) or are computed (id, groups, meta).
STORED = ("name", "displayName", "emails")


def stored_attributes(resource: User) -> dict[str, Any]:
    """What of `resource` is kept beside the columns, as a client gave it (null values left
    out)."""
    dumped = resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return {name: dumped[name] for name in STORED if dumped.get(name) not in (None, [], {})}


def user_resource(directory_user: DirectoryUser, *, role: str, base_url: str = "") -> User:
    """The User a directory record reads as, in the group of `role` (the member's role while
    active, the one kept for their return otherwise). `base_url` (`…/scim/v2`) makes the
    group's `$ref`; the web layer adds `meta`."""
    group = {"value": role, "display": ROLE_GROUPS[Role(role)], "type": "direct"}
    if base_url:
        group["$ref"] = f"{base_url}/Groups/{role}"
    payload = {
        **{name: value for name, value in directory_user.attributes.items() if name in STORED},
        "schemas": [USER_SCHEMA],
        "id": directory_user.pk,
        "externalId": directory_user.external_id or None,
        "userName": directory_user.user_name,
        "active": directory_user.active,
        "groups": [group],
    }
    return User.model_validate(payload)


def group_resource(role: Role, *, members: list[GroupMember] | None = None) -> Group:
    """The Group of `role`, with `members` when they were read."""
    return Group(id=role.value, display_name=ROLE_GROUPS[role], members=members)
