"""Invite codes: a shareable code that lets anyone signed in join, with its rules (SPEC §11): the
role it grants, a cap on its uses (exact under concurrency) and an email domain."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from causeloop.core.errors import Forbidden, Gone, NotFound
from causeloop.core.tenancy import enter_tenant, platform_lookup
from memberships.models import InviteCode, Membership, User
from memberships.services.members import JoinWay, clean_role, ensure_can_grant, membership_join
from organizations.access import require_role
from organizations.audit import audit
from organizations.models import ApiKey, Organization
from organizations.roles import INVITABLE_ROLES, Role
from organizations.validation import clean_domain, clean_whole, email_domain

MAX_USES_CAP = 100_000


def _new_invite_code() -> str:
    return "".join(secrets.choice(InviteCode.ALPHABET) for _ in range(InviteCode.LENGTH))


@transaction.atomic
def invite_code_create(
    *,
    organization: Organization,
    actor: User | ApiKey,
    expires_in_days: int | None = None,
    role: str | None = None,
    max_uses: int | None = None,
    email_domain: str | None = None,
) -> InviteCode:
    """A new shareable code. It grants `role` (member by default; at most the creator's own,
    never owner), lets at most `max_uses` people join (no cap by default), and only people whose
    address is on `email_domain` when one is given."""
    actor_role = require_role(actor, organization, at_least=Role.ADMIN)
    days = settings.CAUSELOOP_INVITE_CODE_DAYS if expires_in_days is None else expires_in_days
    days = clean_whole(days, field="expires_in_days", label="Expiry in days", low=1, high=90)
    granted = Role.MEMBER if role is None else clean_role(role, allowed=INVITABLE_ROLES)
    ensure_can_grant(actor_role, granted)
    if max_uses is not None:
        max_uses = clean_whole(max_uses, field="max_uses", label="Uses", low=1, high=MAX_USES_CAP)
    domain = clean_domain(email_domain, field="email_domain") if email_domain else ""
    code = _new_invite_code()
    with platform_lookup():  # codes are unique across every tenant
        while InviteCode.objects.filter(code=code).exists():
            code = _new_invite_code()
    invite_code = InviteCode.objects.create(
        organization=organization,
        code=code,
        created_by=actor if isinstance(actor, User) else None,
        expires_at=timezone.now() + timedelta(days=days),
        role=granted,
        max_uses=max_uses,
        email_domain=domain,
    )
    audit(
        organization,
        actor=actor,
        action="invite_code.created",
        target=invite_code,
        details={
            "role": granted.value,
            "max_uses": max_uses,
            "email_domain": domain,
            "expires_in_days": days,
        },
    )
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
    """Join an organization with a shareable code, as the role it grants, if its rules let
    `user` in. Its uses are counted exactly: the count only rises below the cap, in one
    conditional update that holds the code's row until commit, so of 50 people joining at
    once on a code with 5 uses left, 5 get in."""
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
    if invite_code.expires_at <= timezone.now():
        raise Gone(
            "This invite code has expired; ask for a new one.",
            code="invite_code_expired",
            fields={"code": ["This invite code has expired."]},
        )
    if invite_code.email_domain and email_domain(user.email) != invite_code.email_domain:
        message = f"This invite code is only for addresses at {invite_code.email_domain}."
        raise Forbidden(message, code="invite_code_domain_mismatch", fields={"code": [message]})
    # The person is not in this organization yet, so no caller entered its tenant: the code is
    # the right to join it.
    enter_tenant(invite_code.organization_id)
    _take_one_use(invite_code)
    return membership_join(
        organization=invite_code.organization,
        user=user,
        role=Role(invite_code.role),
        via=JoinWay.INVITE_CODE,
        actor=user,
    )


def _take_one_use(invite_code: InviteCode) -> None:
    """Count one use, or refuse with `invite_code_used_up` when none is left. A join that
    fails afterwards (already a member, no seat) rolls the count back with it."""
    below_cap = Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses"))
    taken = InviteCode.objects.filter(below_cap, pk=invite_code.pk).update(uses=F("uses") + 1) == 1
    if not taken:
        message = "This invite code has been used as many times as it allows."
        raise Gone(message, code="invite_code_used_up", fields={"code": [message]})
