"""Members: joining (every way in), roles, leaving and removal, ownership, and the seat and
owner rules they share."""

from __future__ import annotations

from enum import StrEnum

from django.db import transaction

from causeloop.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from causeloop.core.tenancy import acting_for
from memberships.models import Invitation, Membership, User
from memberships.selectors import seats_used
from memberships.services.active import membership_activate, membership_activate_next
from organizations.access import ensure_role, require_role
from organizations.audit import audit
from organizations.models import ApiKey, Organization
from organizations.roles import Role
from organizations.validation import clean_email

# --- rules ----------------------------------------------------------------------------------


def lock_organization(organization: Organization) -> None:
    """Serialise seat and owner changes of one organization (row lock until commit)."""
    Organization.objects.select_for_update().filter(pk=organization.pk).values_list(
        "pk", flat=True
    ).first()


def ensure_seat_available(
    organization: Organization, *, excluding_invitation: Invitation | None = None
) -> None:
    """Refuse with `seat_limit_reached` when one more person would exceed the seats.
    Call inside a transaction: it locks the organization row."""
    # The lock and the limit in one statement: the row is locked until commit.
    seats = (
        Organization.objects.select_for_update()
        .values_list("seats", flat=True)
        .get(pk=organization.pk)
    )
    if seats_used(organization, excluding_invitation=excluding_invitation) + 1 > seats:
        raise Conflict(
            f"All {seats} seats of this organization are taken (members and pending "
            "invitations). Remove someone or raise the seat limit.",
            code="seat_limit_reached",
        )


def ensure_open_for_joins(organization: Organization, *, field: str | None = None) -> None:
    """Refuse a join (invitation, invite code) while the organization is suspended or awaits
    the platform's approval; nothing changes."""
    if organization.status == Organization.Status.ACTIVE:
        return
    if organization.status == Organization.Status.PENDING:
        message, code = "This organization is awaiting the platform's approval.", "pending"
    else:
        message, code = "This organization is suspended.", "suspended"
    message += " Nobody can join it for now."
    raise Forbidden(
        message, code=f"organization_{code}", fields={field: [message]} if field else None
    )


def ensure_owner_remains(organization: Organization, membership: Membership) -> None:
    """Refuse with `last_owner` when `membership` is the organization's only owner."""
    owners = Membership.objects.filter(organization=organization, role=Role.OWNER)
    if membership.role == Role.OWNER and not owners.exclude(pk=membership.pk).exists():
        raise Conflict(
            "An organization needs at least one owner: make someone else owner first.",
            code="last_owner",
        )


def ensure_can_grant(actor_role: Role, role: Role) -> None:
    """Refuse to grant a role above the actor's own."""
    if role > actor_role:
        raise Forbidden("You cannot grant a role above your own.", code="permission_denied")


def clean_role(value: object, *, allowed: list[Role] | None = None) -> Role:
    """The role `value` names, one of `allowed` (every role by default), or `invalid_role`."""
    allowed = allowed or list(Role)
    if value not in [r.value for r in allowed]:
        choices = ", ".join(r.value for r in allowed)
        message = f'"{value}" is not a valid role here; choose one of {choices}.'
        raise ValidationFailed(message, code="invalid_role", fields={"role": [message]})
    return Role(value)


# --- joining --------------------------------------------------------------------------------


class JoinWay(StrEnum):
    """How a person came into an organization (the audit row's `via`)."""

    DIRECT = "direct"  # a platform operator added them
    INVITATION = "invitation"
    INVITE_CODE = "invite_code"
    DOMAIN_POLICY = "domain_policy"  # they joined on their own, by a domain's policy
    DOMAIN = "domain"  # an admin added them: their verified address is on a verified domain
    DIRECTORY = "directory"  # the organization's identity provider added them (SCIM)


@transaction.atomic
def membership_join(
    *,
    organization: Organization,
    user: User,
    role: Role,
    via: JoinWay,
    actor: User | ApiKey | None,
    invited_by: User | None = None,
    invitation: Invitation | None = None,
    actor_name: str | None = None,
    action: str = "member.joined",
) -> Membership:
    """Make `user` a member of `organization` with `role`: every way in comes through here.
    `actor_name` names an actor that is not a person (a SCIM token); `action` is the audit
    row's (the directory reactivating someone says `member.reactivated`)."""
    by_themselves = via in (JoinWay.INVITATION, JoinWay.INVITE_CODE, JoinWay.DOMAIN_POLICY)
    # The platform places people in organizations it has yet to approve or has suspended;
    # nobody else may (a person joining, an admin adding a domain's people, the directory). A
    # typed code is the field a refusal names.
    field = "code" if via == JoinWay.INVITE_CODE else None
    if via != JoinWay.DIRECT:
        ensure_open_for_joins(organization, field=field)
    if Membership.objects.filter(organization=organization, user=user).exists():
        message = (
            f"You are already a member of {organization.name}."
            if by_themselves
            else f"{user.email} is already a member."
        )
        raise Conflict(
            message,
            code="already_a_member",
            fields={field: ["You are already a member."]} if field else None,
        )
    # An accepted invitation already holds its seat.
    ensure_seat_available(organization, excluding_invitation=invitation)
    membership = Membership.objects.create(
        organization=organization, user=user, role=role, invited_by=invited_by
    )
    if by_themselves:
        membership_activate(membership=membership)  # they land in the organization they joined
    else:
        with acting_for(user):  # is another organization already their active one?
            has_active = Membership.objects.filter(user=user, is_active=True).exists()
        if not has_active:
            membership_activate(membership=membership)
    audit(
        organization,
        actor=actor,
        action=action,
        target=membership,
        details={"email": user.email, "role": role.value, "via": via.value},
        actor_name=actor_name,
    )
    return membership


@transaction.atomic
def membership_add(
    *, organization: Organization, actor: User | None, email: str, role: str
) -> Membership:
    """Add an existing user to the organization directly: a platform operator's action only
    (`actor` is the staff member, None for the platform itself). Nobody else adds a person
    without their consent: an organization's admins invite them (`invitation_create`)."""
    if actor is not None and not actor.is_staff:
        raise Forbidden(
            "Only the platform adds people directly; invite them instead.",
            code="permission_denied",
        )
    role_value = clean_role(role)
    user = User.objects.by_email(clean_email(email))
    if user is None:
        raise NotFound("No user with this email.", code="user_not_found")
    return membership_join(
        organization=organization,
        user=user,
        role=role_value,
        via=JoinWay.DIRECT,
        actor=actor,
        invited_by=actor,
    )


# --- roles, leaving, ownership --------------------------------------------------------------


@transaction.atomic
def membership_change_role(
    *, membership: Membership, actor: User | ApiKey, role: str
) -> Membership:
    """Change a member's role; owners are made and unmade only by owners."""
    organization = membership.organization
    actor_role = require_role(actor, organization, at_least=Role.ADMIN)
    new_role = clean_role(role)
    if new_role == Role.OWNER or not actor_role.manages(membership.role):
        ensure_role(actor_role, at_least=Role.OWNER)  # owners are made and unmade by owners
    ensure_can_grant(actor_role, new_role)
    return membership_set_role(membership=membership, role=new_role, actor=actor)


@transaction.atomic(savepoint=False)  # a step of its callers' transactions
def membership_set_role(
    *,
    membership: Membership,
    role: Role,
    actor: User | ApiKey | None,
    actor_name: str | None = None,
) -> Membership:
    """Give `membership` `role`, keeping the organization an owner; who may is the caller's
    rule (`membership_change_role`, the directory's groups)."""
    organization = membership.organization
    lock_organization(organization)
    membership.refresh_from_db(fields=["role"])
    old_role = membership.role
    if old_role == role:
        return membership
    if role != Role.OWNER:
        ensure_owner_remains(organization, membership)
    membership.role = role
    membership.save(update_fields=["role"])
    audit(
        organization,
        actor=actor,
        action="member.role_changed",
        target=membership,
        details={"email": membership.user.email, "from": old_role, "to": role.value},
        actor_name=actor_name,
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User | ApiKey) -> None:
    """Remove a member; anyone may leave, admins remove others, only owners remove owners."""
    organization = membership.organization
    leaving = isinstance(actor, User) and actor.pk == membership.user_id
    if leaving:
        require_role(actor, organization, at_least=Role.MEMBER)
    else:
        actor_role = require_role(actor, organization, at_least=Role.ADMIN)
        if not actor_role.manages(membership.role):
            ensure_role(actor_role, at_least=Role.OWNER)  # only owners remove owners
    action = "member.left" if leaving else "member.removed"
    membership_end(membership=membership, actor=actor, action=action)


@transaction.atomic(savepoint=False)  # a step of its callers' transactions
def membership_end(
    *,
    membership: Membership,
    actor: User | ApiKey | None,
    action: str,
    actor_name: str | None = None,
) -> None:
    """End `membership`, keeping the organization an owner, with the audit row `action`; who
    may is the caller's rule (`membership_remove`, the directory deactivating someone). The
    person's next organization becomes their active one."""
    organization = membership.organization
    lock_organization(organization)
    membership.refresh_from_db(fields=["role"])
    ensure_owner_remains(organization, membership)
    user_id, email = membership.user_id, membership.user.email
    audit(
        organization,
        actor=actor,
        action=action,
        target=membership,
        details={"email": email, "role": membership.role},
        actor_name=actor_name,
    )
    membership.delete()
    membership_activate_next(user_id=user_id)


@transaction.atomic
def ownership_transfer(
    *,
    organization: Organization,
    actor: User | ApiKey,
    membership: Membership,
    confirm_slug: str,
) -> Membership:
    """Make `membership` the owner, after the slug is typed to confirm; the former owner
    becomes an admin."""
    require_role(actor, organization, at_least=Role.OWNER)
    assert isinstance(actor, User)
    if confirm_slug != organization.slug:
        message = f'Type "{organization.slug}" to confirm.'
        raise ValidationFailed(message, code="confirmation_mismatch", fields={"confirm": [message]})
    if membership.organization_id != organization.pk:
        raise NotFound("Membership not found.")
    lock_organization(organization)
    if membership.user_id == actor.pk:
        raise Conflict("You already own this organization.", code="already_owner")
    previous = Membership.objects.get(organization=organization, user=actor)
    Membership.objects.filter(pk=membership.pk).update(role=Role.OWNER)
    Membership.objects.filter(pk=previous.pk).update(role=Role.ADMIN)
    membership.role = Role.OWNER
    audit(
        organization,
        actor=actor,
        action="ownership.transferred",
        target=membership,
        details={"from": actor.email, "to": membership.user.email},
    )
    return membership
