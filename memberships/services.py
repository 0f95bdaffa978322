"""Business rules for people in organizations: accounts, memberships, roles, the active
organization, invitations, invite codes and personal tokens."""

from __future__ import annotations

import secrets as _secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from causeloop.core.crypto import encrypt, keyed_hash, random_secret
from causeloop.core.errors import (
    Conflict,
    Forbidden,
    Gone,
    NotAuthenticated,
    NotFound,
    ValidationFailed,
)
from causeloop.core.tenancy import acting_for, enter_tenant, platform_lookup
from memberships.models import Invitation, InviteCode, Membership, PersonalToken, User
from memberships.verification import add_unverified_email
from organizations.access import ensure_role, require_role
from organizations.audit import audit
from organizations.models import ApiKey, Organization
from organizations.roles import INVITABLE_ROLES, Role
from organizations.validation import clean_email, clean_optional_text

# --- accounts -------------------------------------------------------------------------------


def user_register(*, email: str, password: str, name: str = "") -> User:
    """Create an account; the email must be free (case-insensitively), and stays unverified
    until the link mailed to it is followed (`memberships.verification`)."""
    email = clean_email(email)
    name = clean_optional_text(name, field="name", max_length=200, label="Name")
    if not isinstance(password, str) or not password:
        raise ValidationFailed(
            "Password is required.", fields={"password": ["This field is required."]}
        )
    if len(password) > 4096 or "\x00" in password:
        raise ValidationFailed(
            "Password is not acceptable.", fields={"password": ["Invalid password."]}
        )
    try:
        password_validation.validate_password(password, User(email=email, name=name))
    except ValidationError as error:
        raise ValidationFailed(
            " ".join(error.messages), code="weak_password", fields={"password": error.messages}
        ) from None
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(
            "An account with this email already exists.",
            code="email_taken",
            fields={"email": ["An account with this email already exists."]},
        )
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, name=name)
            add_unverified_email(user)
            return user
    except IntegrityError:
        raise Conflict("An account with this email already exists.", code="email_taken") from None


def user_authenticate(*, email: object, password: object) -> User:
    """The active account with this email and password, or `invalid_credentials`."""
    failed = NotAuthenticated("Wrong email or password.", code="invalid_credentials")
    if not isinstance(email, str) or not isinstance(password, str) or len(password) > 4096:
        raise failed
    user = User.objects.by_email(email) if len(email) <= 254 else None
    if user is None:
        User().set_password(password)  # the same work as a real check: no timing oracle
        raise failed
    if not user.check_password(password) or not user.is_active:
        raise failed
    return user


def user_find_or_create(*, email: str, name: str = "") -> tuple[User, bool]:
    """The user with this email, or a new one without a usable password; safe under races."""
    existing = User.objects.by_email(email)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            user = User(email=email, name=name or email.split("@")[0])
            user.set_unusable_password()
            user.save()
            return user, True
    except IntegrityError:
        existing = User.objects.by_email(email)
        if existing is None:
            raise
        return existing, False


# --- the active organization ----------------------------------------------------------------


def _lock_user(user: User) -> None:
    """Serialise changes to one user's memberships (two tabs switching at once)."""
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()


@transaction.atomic
def membership_activate(*, membership: Membership) -> Membership:
    """Make `membership` the user's one active membership."""
    _lock_user(membership.user)
    with acting_for(membership.user_id):  # their memberships in every organization
        Membership.objects.filter(user_id=membership.user_id, is_active=True).exclude(
            pk=membership.pk
        ).update(is_active=False)
        Membership.objects.filter(pk=membership.pk).update(is_active=True)
    membership.is_active = True
    return membership


def organization_switch(*, user: User, organization: Organization) -> Membership:
    """Make `organization` the one the user's browser shows."""
    membership = Membership.objects.filter(user=user, organization=organization).first()
    if membership is None:
        raise NotFound("Organization not found.")
    return membership_activate(membership=membership)


def active_membership_for(user: User) -> Membership | None:
    """The user's active membership; when none is active, the earliest joined is activated."""
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("organization", "organization__plan")
        .order_by("-is_active", "joined_at", "id")[:1]
    )
    if not memberships:
        return None
    membership = memberships[0]
    if not membership.is_active:
        membership_activate(membership=membership)
    return membership


def _activate_next_membership(user_id: str) -> None:
    """After leaving the active organization, activate the earliest remaining one."""
    with acting_for(user_id):  # their memberships in every organization
        if Membership.objects.filter(user_id=user_id, is_active=True).exists():
            return
        following = Membership.objects.filter(user_id=user_id).order_by("joined_at", "id").first()
        if following is not None:
            Membership.objects.filter(pk=following.pk).update(is_active=True)


# --- seats ----------------------------------------------------------------------------------


def lock_organization(organization: Organization) -> None:
    """Serialise seat and owner changes of one organization (row lock until commit)."""
    Organization.objects.select_for_update().filter(pk=organization.pk).values_list(
        "pk", flat=True
    ).first()


def seats_used(
    organization: Organization, *, excluding_invitation: Invitation | None = None
) -> int:
    """Members plus pending, unexpired invitations."""
    invitations = Invitation.objects.filter(
        organization=organization, status=Invitation.Status.PENDING, expires_at__gt=timezone.now()
    )
    if excluding_invitation is not None:
        invitations = invitations.exclude(pk=excluding_invitation.pk)
    return Membership.objects.filter(organization=organization).count() + invitations.count()


def ensure_seat_available(
    organization: Organization, *, excluding_invitation: Invitation | None = None
) -> None:
    """Refuse with `seat_limit_reached` when one more person would exceed the seats.
    Call inside a transaction: it locks the organization row."""
    lock_organization(organization)
    seats = Organization.objects.values_list("seats", flat=True).get(pk=organization.pk)
    if seats_used(organization, excluding_invitation=excluding_invitation) + 1 > seats:
        raise Conflict(
            f"All {seats} seats of this organization are taken (members and pending "
            "invitations). Remove someone or raise the seat limit.",
            code="seat_limit_reached",
        )


# --- members --------------------------------------------------------------------------------


def _ensure_can_grant(actor_role: Role, role: Role) -> None:
    if role > actor_role:
        raise Forbidden("You cannot grant a role above your own.", code="permission_denied")


def _clean_role(value: object, *, allowed: list[Role] | None = None) -> Role:
    allowed = allowed or list(Role)
    if value not in [r.value for r in allowed]:
        choices = ", ".join(r.value for r in allowed)
        message = f'"{value}" is not a valid role here; choose one of {choices}.'
        raise ValidationFailed(message, code="invalid_role", fields={"role": [message]})
    return Role(value)


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
    role_value = _clean_role(role)
    user = User.objects.by_email(clean_email(email))
    if user is None:
        raise NotFound("No user with this email.", code="user_not_found")
    if Membership.objects.filter(organization=organization, user=user).exists():
        raise Conflict(f"{user.email} is already a member.", code="already_a_member")
    ensure_seat_available(organization)
    membership = Membership.objects.create(
        organization=organization,
        user=user,
        role=role_value,
        invited_by=actor,
    )
    with acting_for(user):  # is another organization already their active one?
        has_active = Membership.objects.filter(user=user, is_active=True).exists()
    if not has_active:
        membership_activate(membership=membership)
    audit(
        organization,
        actor=actor,
        action="member.joined",
        target=membership,
        details={"email": user.email, "role": role_value.value, "via": "direct"},
    )
    return membership


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


def _ensure_owner_remains(organization: Organization, membership: Membership) -> None:
    """Refuse with `last_owner` when `membership` is the organization's only owner."""
    owners = Membership.objects.filter(organization=organization, role=Role.OWNER)
    if membership.role == Role.OWNER and not owners.exclude(pk=membership.pk).exists():
        raise Conflict(
            "An organization needs at least one owner: make someone else owner first.",
            code="last_owner",
        )


@transaction.atomic
def membership_change_role(
    *, membership: Membership, actor: User | ApiKey, role: str
) -> Membership:
    """Change a member's role; owners are made and unmade only by owners."""
    organization = membership.organization
    actor_role = require_role(actor, organization, at_least=Role.ADMIN)
    new_role = _clean_role(role)
    touches_owner = new_role == Role.OWNER or membership.role == Role.OWNER
    if touches_owner:
        ensure_role(actor_role, at_least=Role.OWNER)
    _ensure_can_grant(actor_role, new_role)
    lock_organization(organization)
    membership.refresh_from_db(fields=["role"])
    old_role = membership.role
    if old_role == new_role:
        return membership
    if new_role != Role.OWNER:
        _ensure_owner_remains(organization, membership)
    membership.role = new_role
    membership.save(update_fields=["role"])
    audit(
        organization,
        actor=actor,
        action="member.role_changed",
        target=membership,
        details={"email": membership.user.email, "from": old_role, "to": new_role.value},
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
        if membership.role == Role.OWNER:
            ensure_role(actor_role, at_least=Role.OWNER)
    lock_organization(organization)
    membership.refresh_from_db(fields=["role"])
    _ensure_owner_remains(organization, membership)
    user_id, email = membership.user_id, membership.user.email
    audit(
        organization,
        actor=actor,
        action="member.left" if leaving else "member.removed",
        target=membership,
        details={"email": email, "role": membership.role},
    )
    membership.delete()
    _activate_next_membership(user_id)


@transaction.atomic
def ownership_transfer(
    *, organization: Organization, actor: User | ApiKey, membership: Membership
) -> Membership:
    """Make `membership` the owner; the former owner becomes an admin."""
    require_role(actor, organization, at_least=Role.OWNER)
    assert isinstance(actor, User)
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


# --- invitations ----------------------------------------------------------------------------


def _send_invitation(invitation: Invitation, token: str) -> None:
    from memberships.tasks import send_invitation_email

    sealed = encrypt(token.encode()).decode()
    transaction.on_commit(lambda: send_invitation_email.enqueue(invitation.pk, sealed))


@transaction.atomic
def invitation_create(
    *, organization: Organization, actor: User | ApiKey, email: str, role: str
) -> tuple[Invitation, str]:
    """Invite `email`; returns the invitation and its one-time token."""
    actor_role = require_role(actor, organization, at_least=Role.ADMIN)
    email = clean_email(email)
    role_value = _clean_role(role, allowed=INVITABLE_ROLES)
    _ensure_can_grant(actor_role, role_value)
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise Conflict(f"{email} is already a member.", code="already_a_member")
    lock_organization(organization)
    pending = Invitation.objects.filter(
        organization=organization, email__iexact=email, status=Invitation.Status.PENDING
    ).first()
    if pending is not None and not pending.is_expired:
        raise Conflict(f"{email} already has a pending invitation.", code="already_invited")
    if pending is not None:
        # An expired invitation makes way for the new one but stays on record.
        pending.status = Invitation.Status.REVOKED
        pending.save(update_fields=["status"])
    ensure_seat_available(organization)
    token, token_hash = Invitation.new_token()
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role_value,
        token_hash=token_hash,
        invited_by=actor if isinstance(actor, User) else None,
        expires_at=timezone.now() + timedelta(days=settings.CAUSELOOP_INVITATION_DAYS),
    )
    audit(
        organization,
        actor=actor,
        action="member.invited",
        target=invitation,
        details={"email": email, "role": role_value.value},
    )
    _send_invitation(invitation, token)
    return invitation, token


def _require_pending(invitation: Invitation) -> None:
    if invitation.status == Invitation.Status.REVOKED:
        raise Gone("This invitation was revoked.", code="invitation_revoked")
    if invitation.status == Invitation.Status.ACCEPTED:
        raise Gone("This invitation has already been used.", code="invitation_used")


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor: User | ApiKey) -> tuple[Invitation, str]:
    """Issue a new token and expiry for a pending invitation and mail it again."""
    organization = invitation.organization
    require_role(actor, organization, at_least=Role.ADMIN)
    lock_organization(organization)
    invitation.refresh_from_db()
    _require_pending(invitation)
    if invitation.is_expired:
        ensure_seat_available(organization, excluding_invitation=invitation)
    token, invitation.token_hash = Invitation.new_token()
    invitation.expires_at = timezone.now() + timedelta(days=settings.CAUSELOOP_INVITATION_DAYS)
    invitation.save(update_fields=["token_hash", "expires_at"])
    audit(
        organization,
        actor=actor,
        action="member.invitation_resent",
        target=invitation,
        details={"email": invitation.email},
    )
    _send_invitation(invitation, token)
    return invitation, token


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User | ApiKey) -> Invitation:
    """Revoke a pending invitation; its link stops working."""
    organization = invitation.organization
    require_role(actor, organization, at_least=Role.ADMIN)
    invitation.refresh_from_db()
    _require_pending(invitation)
    invitation.status = Invitation.Status.REVOKED
    invitation.save(update_fields=["status"])
    audit(
        organization,
        actor=actor,
        action="member.invitation_revoked",
        target=invitation,
        details={"email": invitation.email},
    )
    return invitation


def invitation_url(token: str) -> str:
    """The page where the invitation with this token is seen and accepted."""
    return f"{settings.CAUSELOOP_BASE_URL}/invitations/{token}/"


def invitation_by_token(token: object) -> Invitation:
    """The invitation a token names, or NotFound."""
    if not isinstance(token, str) or not 10 <= len(token) <= 200:
        raise NotFound("Invitation not found.")
    with platform_lookup() as lookup:  # no tenant is known yet: the token names it
        invitation = (
            Invitation.objects.select_related("organization", "invited_by")
            .filter(token_hash=keyed_hash(token))
            .first()
        )
        if invitation is None:
            raise NotFound("Invitation not found.")
        lookup.then_enter_tenant(invitation.organization)  # the token is the right to it
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Join the organization as the invited role; works once, for the invited email only."""
    invitation = (
        Invitation.objects.select_for_update().select_related("organization").get(pk=invitation.pk)
    )
    organization = invitation.organization
    _require_pending(invitation)
    if invitation.is_expired:
        raise Gone("This invitation has expired; ask for a new one.", code="invitation_expired")
    if invitation.email.lower() != user.email.lower():
        raise Forbidden(
            f"This invitation is for {invitation.email}; you are signed in as {user.email}.",
            code="invitation_email_mismatch",
        )
    ensure_open_for_joins(organization)
    if Membership.objects.filter(organization=organization, user=user).exists():
        raise Conflict("You are already a member of this organization.", code="already_a_member")
    ensure_seat_available(organization, excluding_invitation=invitation)
    membership = Membership.objects.create(
        organization=organization,
        user=user,
        role=invitation.role,
        invited_by=invitation.invited_by,
    )
    invitation.status = Invitation.Status.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["status", "accepted_at", "accepted_by"])
    membership_activate(membership=membership)
    audit(
        organization,
        actor=user,
        action="member.joined",
        target=membership,
        details={"email": user.email, "role": invitation.role, "via": "invitation"},
    )
    return membership


# --- invite codes ---------------------------------------------------------------------------


def _new_invite_code() -> str:
    return "".join(_secrets.choice(InviteCode.ALPHABET) for _ in range(InviteCode.LENGTH))


@transaction.atomic
def invite_code_create(
    *, organization: Organization, actor: User | ApiKey, expires_in_days: int | None = None
) -> InviteCode:
    """A new shareable code for joining as a member."""
    require_role(actor, organization, at_least=Role.ADMIN)
    days = settings.CAUSELOOP_INVITE_CODE_DAYS if expires_in_days is None else expires_in_days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 90:
        message = "Expiry must be between 1 and 90 days."
        raise ValidationFailed(message, fields={"expires_in_days": [message]})
    code = _new_invite_code()
    with platform_lookup():  # codes are unique across every tenant
        while InviteCode.objects.filter(code=code).exists():
            code = _new_invite_code()
    invite_code = InviteCode.objects.create(
        organization=organization,
        code=code,
        created_by=actor if isinstance(actor, User) else None,
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit(organization, actor=actor, action="invite_code.created", target=invite_code)
    return invite_code


@transaction.atomic
def invite_code_deactivate(*, invite_code: InviteCode, actor: User | ApiKey) -> InviteCode:
    require_role(actor, invite_code.organization, at_least=Role.ADMIN)
    if invite_code.is_active:
        invite_code.is_active = False
        invite_code.save(update_fields=["is_active"])
        audit(
            invite_code.organization,
            actor=actor,
            action="invite_code.deactivated",
            target=invite_code,
        )
    return invite_code


def normalize_invite_code(code: object) -> str:
    return "".join(str(code).split()).upper().replace("-", "") if isinstance(code, str) else ""


@transaction.atomic
def invite_code_join(*, code: str, user: User) -> Membership:
    """Join an organization as `member` with a shareable code."""
    normalized = normalize_invite_code(code)
    with platform_lookup():  # no tenant is known yet: the code names it
        invite_code = (
            InviteCode.objects.select_related("organization").filter(code=normalized).first()
            if 4 <= len(normalized) <= 16
            else None
        )
    if invite_code is not None:
        enter_tenant(invite_code.organization_id)
    if invite_code is None or not invite_code.is_active:
        raise NotFound(
            "This invite code is not valid.",
            code="invalid_invite_code",
            fields={"code": ["This invite code is not valid."]},
        )
    if invite_code.expires_at <= timezone.now():
        raise Gone(
            "This invite code has expired; ask for a new one.",
            code="invite_code_expired",
            fields={"code": ["This invite code has expired."]},
        )
    organization = invite_code.organization
    ensure_open_for_joins(organization, field="code")
    if Membership.objects.filter(organization=organization, user=user).exists():
        raise Conflict(
            f"You are already a member of {organization.name}.",
            code="already_a_member",
            fields={"code": ["You are already a member."]},
        )
    ensure_seat_available(organization)
    membership = Membership.objects.create(organization=organization, user=user, role=Role.MEMBER)
    InviteCode.objects.filter(pk=invite_code.pk).update(uses=F("uses") + 1)
    membership_activate(membership=membership)
    audit(
        organization,
        actor=user,
        action="member.joined",
        target=membership,
        details={"email": user.email, "role": Role.MEMBER.value, "via": "invite_code"},
    )
    return membership


# --- personal access tokens -----------------------------------------------------------------


def personal_token_create(
    *, user: User, name: str = "", expires_at: datetime | None = None
) -> tuple[PersonalToken, str]:
    """A new personal token; the secret is returned once and stored only as a keyed hash."""
    name = clean_optional_text(name, field="name", max_length=200, label="Name")
    if expires_at is not None and expires_at <= timezone.now():
        message = "Expiry must be in the future."
        raise ValidationFailed(message, fields={"expires_at": [message]})
    secret = PersonalToken.PREFIX + random_secret(24)
    with transaction.atomic(), acting_for(user):  # signing in for a token: no session yet
        token = PersonalToken.objects.create(
            user=user,
            name=name,
            key_hash=keyed_hash(secret),
            last_four=secret[-4:],
            expires_at=expires_at,
        )
    return token, secret


def personal_token_revoke(*, token: PersonalToken, user: User) -> None:
    if token.user_id != user.pk:
        raise NotFound("Token not found.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
