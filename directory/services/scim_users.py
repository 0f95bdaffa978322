"""The people an identity provider manages (SCIM Users): created, replaced, patched and
deleted, each change going through the membership rules.

A User is a `DirectoryUser` of the organization. While active, the person is a member; made
inactive, their membership ends at once (never the organization's last owner) and the record
keeps their role for their return, which goes through the seat limit like any join. Nobody
joins without consent (SPEC §8): a new address gets a new account (without a password: its
owner sets one with "Forgot password", which proves the address), an existing account is
taken only when it already is a member, or when the organization verified its address's
domain. The directory keeps the name of an account it created in step; it never changes an
account's email address.

Every change is audited with the token's name as the actor (`ScimToken.display_name`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils import timezone
from scim2_models import PatchOp

from causeloop.core.errors import Conflict, ValidationFailed
from directory.models import DirectoryUser, ScimToken
from directory.scim import POLICY, stored_attributes, user_resource
from directory.scim import User as ScimUser
from directory.selectors.domains import domain_vouches_for
from memberships.models import User
from memberships.selectors import membership_of
from memberships.services.members import JoinWay, membership_end, membership_join
from memberships.verification import add_unverified_email
from organizations.audit import audit
from organizations.models import Organization
from organizations.roles import Role
from organizations.services.organizations import ensure_usable
from organizations.validation import clean_email, has_control_characters

# Bounds on what a record keeps: a name is short, a person has few addresses.
LONGEST_TEXT = 500
MOST_EMAILS = 20


@dataclass(frozen=True)
class _Values:
    """A User resource as the record stores it, checked."""

    user_name: str
    external_id: str
    active: bool | None  # None: not said (a new person is active, a known one stays as is)
    attributes: dict[str, object]
    address: str | None  # the address a new account signs in with
    account_name: str


def _refused(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def _text(value: object, *, field: str, longest: int) -> str:
    if not isinstance(value, str) or has_control_characters(value):
        raise _refused(field, f"{field} must be text without control characters.")
    if len(value) > longest:
        raise _refused(field, f"{field} must be at most {longest} characters.")
    return value


def _values(resource: ScimUser) -> _Values:
    """What of `resource` is kept, or ValidationFailed naming the attribute."""
    user_name = _text(resource.user_name, field="userName", longest=254)
    if not user_name.strip():
        raise _refused("userName", "userName is required.")
    external_id = resource.external_id or ""
    _text(external_id, field="externalId", longest=255)
    names = resource.name
    texts = {
        "displayName": resource.display_name,
        "name.formatted": names.formatted if names else None,
        "name.givenName": names.given_name if names else None,
        "name.familyName": names.family_name if names else None,
    }
    for field, value in texts.items():
        if value is not None:
            _text(value, field=field, longest=LONGEST_TEXT)
    emails = resource.emails or []
    if len(emails) > MOST_EMAILS:
        raise _refused("emails", f"A person has at most {MOST_EMAILS} email addresses here.")
    for email in emails:
        if email.value is not None:
            clean_email(email.value, field="emails")
    preferred = next((e for e in emails if e.primary), emails[0] if emails else None)
    address = preferred.value if preferred is not None else None
    if address is None and "@" in user_name:
        address = user_name
    given = " ".join(part for part in (texts["name.givenName"], texts["name.familyName"]) if part)
    account_name = (texts["displayName"] or texts["name.formatted"] or given or "").strip()
    return _Values(
        user_name=user_name,
        external_id=external_id,
        active=resource.active,
        attributes=stored_attributes(resource),
        address=address,
        account_name=account_name[:200],
    )


def _ensure_user_name_free(
    organization: Organization, user_name: str, *, excluding: DirectoryUser | None = None
) -> None:
    # lower(user_name) = …: the expression of the unique index.
    same = DirectoryUser.objects.filter(
        Exact(Lower("user_name"), Value(user_name.lower())), organization=organization
    )
    if excluding is not None:
        same = same.exclude(pk=excluding.pk)
    if same.exists():
        raise Conflict(
            f"The userName “{user_name}” is already taken in this directory.",
            code="user_name_taken",
        )


def _audit(directory_user: DirectoryUser, action: str, token: ScimToken) -> None:
    """An audit row about the person, by the directory (the token's name)."""
    audit(
        directory_user.organization,
        actor=None,
        action=action,
        target=directory_user,
        details={"email": directory_user.user.email},
        actor_name=token.display_name,
    )


def _new_account(address: str, name: str) -> User:
    """An account for `address` with no password: its owner sets one by "Forgot password"."""
    user = User(email=address, name=name)
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError:
        raise Conflict(
            f"An account with the address {address} was created meanwhile; try again.",
            code="user_name_taken",
        ) from None
    add_unverified_email(user)
    return user


def _save(directory_user: DirectoryUser, *, fields: list[str] | None = None) -> None:
    """Insert the record (no `fields`) or update `fields`; a userName or person taken
    meanwhile by a concurrent request is the same conflict as one taken before."""
    try:
        with transaction.atomic():
            if fields is None:
                directory_user.save(force_insert=True)
            else:
                directory_user.save(update_fields=fields)
    except IntegrityError:
        raise Conflict(
            f"The userName “{directory_user.user_name}” or its person is already in this "
            "directory.",
            code="user_name_taken",
        ) from None


@transaction.atomic
def scim_user_create(
    *, organization: Organization, token: ScimToken, resource: ScimUser
) -> DirectoryUser:
    """A new person of the directory, active unless `resource` says otherwise: a member with
    the `member` role (or the role they already have), their account made if there is none."""
    ensure_usable(organization)
    values = _values(resource)
    if values.address is None:
        raise _refused(
            "emails",
            "A new person needs an email address: send emails, or an address as userName.",
        )
    address = clean_email(values.address, field="emails")
    _ensure_user_name_free(organization, values.user_name)
    account = User.objects.by_email(address)
    membership = membership_of(organization, account) if account is not None else None
    taken = DirectoryUser.objects.filter(organization=organization, user=account)
    if account is not None and taken.exists():
        raise Conflict(
            f"{address} already is in this directory, under another userName.",
            code="user_name_taken",
        )
    if account is not None and membership is None and not domain_vouches_for(organization, address):
        raise Conflict(
            f"{address} already has an account, which is not a member of "
            f"{organization.name}. Nobody joins an organization without their consent: "
            "invite them from the Members page (or verify the domain of their address), "
            "then sync them again.",
            code="invitation_required",
        )
    created_account = account is None
    if account is None:
        account = _new_account(address, values.account_name)
    active = True if values.active is None else values.active
    now = timezone.now()
    directory_user = DirectoryUser(
        organization=organization,
        user=account,
        user_name=values.user_name,
        external_id=values.external_id,
        active=active,
        role=membership.role if membership is not None else Role.MEMBER,
        attributes=values.attributes,
        created_account=created_account,
        created_at=now,
        updated_at=now,
    )
    _save(directory_user)
    if membership is None and active:
        membership_join(
            organization=organization,
            user=account,
            role=Role.MEMBER,
            via=JoinWay.DIRECTORY,
            actor=None,
            actor_name=token.display_name,
        )
    else:
        # An existing member taken into the directory, or a person created inactive.
        _audit(directory_user, "directory_user.updated", token)
        _apply_active(directory_user, wanted=active, token=token)
    return directory_user


def _locked(directory_user: DirectoryUser) -> DirectoryUser:
    """The record, re-read under a row lock: one change of a person at a time."""
    return (
        DirectoryUser.objects.select_for_update(of=("self",))
        .select_related("user", "organization")
        .get(pk=directory_user.pk)
    )


@transaction.atomic
def scim_user_replace(
    *, directory_user: DirectoryUser, token: ScimToken, resource: ScimUser
) -> DirectoryUser:
    """Replace what the directory says of the person (PUT): its attributes, and whether they
    are active (left out: as they are)."""
    ensure_usable(directory_user.organization)
    return _replace(_locked(directory_user), _values(resource), token)


@transaction.atomic
def scim_user_patch(
    *, directory_user: DirectoryUser, token: ScimToken, patch: PatchOp[ScimUser]
) -> DirectoryUser:
    """Apply PATCH operations to the person (scim2-models' rules, under `POLICY`); an
    operation that does not apply raises scim2-models' SCIMException and changes nothing."""
    ensure_usable(directory_user.organization)
    locked = _locked(directory_user)
    resource = user_resource(locked, role=locked.role)
    patch.patch(resource, scim_policy=POLICY)
    return _replace(locked, _values(resource), token)


def _replace(directory_user: DirectoryUser, values: _Values, token: ScimToken) -> DirectoryUser:
    organization, account = directory_user.organization, directory_user.user
    if values.user_name.lower() != directory_user.user_name.lower():
        _ensure_user_name_free(organization, values.user_name, excluding=directory_user)
    before = (directory_user.user_name, directory_user.external_id, directory_user.attributes)
    after = (values.user_name, values.external_id, values.attributes)
    if before != after:
        directory_user.user_name, directory_user.external_id, directory_user.attributes = after
        directory_user.updated_at = timezone.now()
        _save(directory_user, fields=["user_name", "external_id", "attributes", "updated_at"])
        _audit(directory_user, "directory_user.updated", token)
    if directory_user.created_account and account.name != values.account_name:
        account.name = values.account_name
        account.save(update_fields=["name"])
    _apply_active(directory_user, wanted=values.active, token=token)
    return directory_user


def _apply_active(directory_user: DirectoryUser, *, wanted: bool | None, token: ScimToken) -> None:
    """Make the person's membership follow `active`: ended when false (their role kept), made
    again when true (through the seat limit), as it is when not said."""
    active = directory_user.active if wanted is None else wanted
    organization, account = directory_user.organization, directory_user.user
    membership = membership_of(organization, account)
    if not active and membership is not None:
        directory_user.role = membership.role
        membership_end(
            membership=membership,
            actor=None,
            action="member.deactivated",
            actor_name=token.display_name,
        )
    elif active and membership is None:
        membership_join(
            organization=organization,
            user=account,
            role=Role(directory_user.role),
            via=JoinWay.DIRECTORY,
            actor=None,
            actor_name=token.display_name,
            action="member.joined" if directory_user.active else "member.reactivated",
        )
    if active != directory_user.active or (membership is not None and not active):
        directory_user.active = active
        directory_user.updated_at = timezone.now()
        directory_user.save(update_fields=["active", "role", "updated_at"])


@transaction.atomic
def scim_user_delete(*, directory_user: DirectoryUser, token: ScimToken) -> None:
    """Delete the person from the directory: their membership ends (never the last owner's)
    and the record is gone. Their account stays: it may belong elsewhere."""
    organization = directory_user.organization
    ensure_usable(organization)
    locked = _locked(directory_user)
    membership = membership_of(organization, locked.user)
    if membership is not None:
        membership_end(
            membership=membership,
            actor=None,
            action="member.removed",
            actor_name=token.display_name,
        )
    _audit(locked, "directory_user.deleted", token)
    locked.delete()
