"""Invitations: an admin invites an email with a role; the person with that email accepts."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from causeloop.core.crypto import keyed_hashes
from causeloop.core.errors import Conflict, Forbidden, Gone, NotFound
from causeloop.core.tenancy import platform_lookup
from memberships.models import Invitation, Membership, User
from memberships.services.members import (
    JoinWay,
    clean_role,
    ensure_can_grant,
    ensure_seat_available,
    lock_organization,
    membership_join,
)
from memberships.tasks import queue_invitation_email
from organizations.access import require_role
from organizations.audit import audit
from organizations.models import ApiKey, Organization
from organizations.roles import INVITABLE_ROLES, Role
from organizations.validation import clean_email


def _expiry() -> datetime:
    return timezone.now() + timedelta(days=settings.CAUSELOOP_INVITATION_DAYS)


@transaction.atomic
def invitation_create(
    *, organization: Organization, actor: User | ApiKey, email: str, role: str
) -> tuple[Invitation, str]:
    """Invite `email`; returns the invitation and its one-time token."""
    actor_role = require_role(actor, organization, at_least=Role.ADMIN)
    email = clean_email(email)
    role_value = clean_role(role, allowed=INVITABLE_ROLES)
    ensure_can_grant(actor_role, role_value)
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise Conflict(f"{email} is already a member.", code="already_a_member")
    lock_organization(organization)
    pending = (
        Invitation.objects.addressed_to(email)
        .filter(organization=organization, status=Invitation.Status.PENDING)
        .first()
    )
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
        expires_at=_expiry(),
    )
    audit(
        organization,
        actor=actor,
        action="member.invited",
        target=invitation,
        details={"email": email, "role": role_value.value},
    )
    queue_invitation_email(invitation, token)
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
    invitation.expires_at = _expiry()
    # The new link is on its way: the earlier message's outcome no longer describes it.
    invitation.delivery = Invitation.Delivery.QUEUED
    invitation.delivery_error = ""
    invitation.delivery_at = None
    invitation.save(
        update_fields=["token_hash", "expires_at", "delivery", "delivery_error", "delivery_at"]
    )
    audit(
        organization,
        actor=actor,
        action="member.invitation_resent",
        target=invitation,
        details={"email": invitation.email},
    )
    queue_invitation_email(invitation, token)
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


def invitation_by_token(token: object) -> Invitation:
    """The invitation a token names, or NotFound."""
    if not isinstance(token, str) or not 10 <= len(token) <= 200:
        raise NotFound("Invitation not found.")
    # Reached from public pages: no tenant is known until the token names it, and holding the
    # token is the right to see that tenant's invitation.
    # Under the current master key or an old one (a rotation), in one indexed query.
    digests = keyed_hashes(token)
    with platform_lookup() as lookup:
        invitation = (
            Invitation.objects.select_related("organization", "invited_by")
            .filter(token_hash__in=digests)
            .first()
        )
        if invitation is None:
            raise NotFound("Invitation not found.")
        if invitation.token_hash != digests[0]:  # hashed under an old key: now the current one
            Invitation.objects.filter(pk=invitation.pk).update(token_hash=digests[0])
            invitation.token_hash = digests[0]
        lookup.then_enter_tenant(invitation.organization)
    return invitation


def invited_email(token: object) -> str | None:
    """The address a still-pending invitation with this token is for, if there is one."""
    try:
        invitation = invitation_by_token(token)
    except NotFound:
        return None
    return invitation.email if invitation.state == "pending" else None


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Join the organization as the invited role; works once, for the invited email only."""
    invitation = (
        Invitation.objects.select_for_update().select_related("organization").get(pk=invitation.pk)
    )
    _require_pending(invitation)
    if invitation.is_expired:
        raise Gone("This invitation has expired; ask for a new one.", code="invitation_expired")
    if invitation.email.lower() != user.email.lower():
        raise Forbidden(
            f"This invitation is for {invitation.email}; you are signed in as {user.email}.",
            code="invitation_email_mismatch",
        )
    membership = membership_join(
        organization=invitation.organization,
        user=user,
        role=Role(invitation.role),
        via=JoinWay.INVITATION,
        actor=user,
        invited_by=invitation.invited_by,
        invitation=invitation,
    )
    invitation.status = Invitation.Status.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["status", "accepted_at", "accepted_by"])
    return membership
