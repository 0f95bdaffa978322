"""Invite codes: a shareable code that lets anyone signed in join as a member."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from causeloop.core.errors import Gone, NotFound, ValidationFailed
from causeloop.core.tenancy import enter_tenant, platform_lookup
from memberships.models import InviteCode, Membership, User
from memberships.services.members import JoinWay, membership_join
from organizations.access import require_role
from organizations.audit import audit
from organizations.models import ApiKey, Organization
from organizations.roles import Role


def _new_invite_code() -> str:
    return "".join(secrets.choice(InviteCode.ALPHABET) for _ in range(InviteCode.LENGTH))


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
    """Stop a code from letting anyone else join; those who joined with it stay."""
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


@transaction.atomic
def invite_code_join(*, code: str, user: User) -> Membership:
    """Join an organization as `member` with a shareable code."""
    normalized = InviteCode.normalize(code)
    with platform_lookup():  # no tenant is known yet: the code names it
        invite_code = (
            InviteCode.objects.select_related("organization").filter(code=normalized).first()
            if 4 <= len(normalized) <= 16
            else None
        )
    if invite_code is None or not invite_code.is_active:
        raise NotFound(
            "This invite code is not valid.",
            code="invalid_invite_code",
            fields={"code": ["This invite code is not valid."]},
        )
    if not invite_code.is_usable:
        raise Gone(
            "This invite code has expired; ask for a new one.",
            code="invite_code_expired",
            fields={"code": ["This invite code has expired."]},
        )
    # The person is not in this organization yet, so no caller entered its tenant: the code is
    # the right to join it.
    enter_tenant(invite_code.organization_id)
    membership = membership_join(
        organization=invite_code.organization,
        user=user,
        role=Role.MEMBER,
        via=JoinWay.INVITE_CODE,
        actor=user,
    )
    InviteCode.objects.filter(pk=invite_code.pk).update(uses=F("uses") + 1)
    return membership
