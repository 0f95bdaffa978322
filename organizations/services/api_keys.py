"""An organization's API keys: created, provisioned by the platform, rotated and revoked. The
full key is shown once; only its keyed hash is stored."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from causeloop.core.crypto import keyed_hash, random_secret
from causeloop.core.errors import Conflict, ValidationFailed
from organizations.access import require_role
from organizations.audit import audit
from organizations.models import ApiKey, Organization
from organizations.roles import Role
from organizations.validation import clean_name, clean_whole

# The longest an old key keeps working after a rotation: a week.
MAX_GRACE_HOURS = ApiKey.MAX_GRACE // timedelta(hours=1)

if TYPE_CHECKING:
    from memberships.models import User


def _issue_api_key(
    organization: Organization,
    *,
    name: str,
    scopes: list[str],
    created_by: User | None,
    expires_at: datetime | None,
    rotated_from: ApiKey | None = None,
) -> tuple[ApiKey, str]:
    secret = f"{organization.slug}_api_{random_secret(24)}"
    api_key = ApiKey.objects.create(
        organization=organization,
        name=name,
        key_hash=keyed_hash(secret),
        last_four=secret[-4:],
        scopes=scopes,
        created_by=created_by,
        expires_at=expires_at,
        rotated_from=rotated_from,
    )
    return api_key, secret


def _creator(actor: User | ApiKey) -> User | None:
    """The person behind a new key: none when a key made it."""
    return None if isinstance(actor, ApiKey) else actor


@transaction.atomic
def api_key_create(
    *,
    organization: Organization,
    actor: User | ApiKey,
    name: str,
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new API key; the full key is returned once and stored only as a keyed hash."""
    require_role(actor, organization, at_least=Role.ADMIN)
    name = clean_name(name)
    if scopes is not None and (
        not isinstance(scopes, list)
        or len(scopes) > 50
        or not all(isinstance(s, str) and 0 < len(s) <= 64 and s.isprintable() for s in scopes)
    ):
        message = "Scopes must be a list of short strings."
        raise ValidationFailed(message, fields={"scopes": [message]})
    if expires_at is not None and expires_at <= timezone.now():
        message = "Expiry must be in the future."
        raise ValidationFailed(message, fields={"expires_at": [message]})
    api_key, secret = _issue_api_key(
        organization,
        name=name,
        scopes=scopes or [],
        created_by=_creator(actor),
        expires_at=expires_at,
    )
    audit(
        organization,
        actor=actor,
        action="api_key.created",
        target=api_key,
        details={"name": name, "fingerprint": api_key.last_four},
    )
    return api_key, secret


@transaction.atomic
def api_key_provision(
    *, organization: Organization, name: str, replace_existing: bool = False
) -> tuple[ApiKey, str]:
    """The platform's key for a client: the first one at onboarding, or, with
    `replace_existing`, a fresh one that revokes every key the organization had."""
    revoked = 0
    if replace_existing:
        revoked = organization.api_keys.filter(revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    api_key, secret = _issue_api_key(
        organization, name=name, scopes=[], created_by=None, expires_at=None
    )
    audit(
        organization,
        actor=None,
        action="api_key.created",
        target=api_key,
        details={"name": name, "fingerprint": api_key.last_four, "replaced": revoked},
    )
    return api_key, secret


@transaction.atomic
def api_key_rotate(
    *, api_key: ApiKey, actor: User | ApiKey, grace_period_hours: int = 0
) -> tuple[ApiKey, str]:
    """Issue a replacement at once. The old key stops working now (`grace_period_hours` 0) or
    keeps working until the grace ends (up to 168 hours: its `expires_at`, never later than it
    already was), so a deployment can switch keys without downtime."""
    organization = api_key.organization
    require_role(actor, organization, at_least=Role.ADMIN)
    hours = clean_whole(
        grace_period_hours,
        field="grace_period_hours",
        label="The grace period in hours",
        low=0,
        high=MAX_GRACE_HOURS,
    )
    locked = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if not locked.is_usable:
        raise Conflict(
            "This key is revoked or expired; create a new one instead.", code="api_key_revoked"
        )
    moment = timezone.now()
    if hours == 0:
        locked.revoked_at = moment
        locked.save(update_fields=["revoked_at"])
    else:
        grace_end = moment + timedelta(hours=hours)
        locked.expires_at = min(grace_end, locked.expires_at or grace_end)
        locked.save(update_fields=["expires_at"])
    new_key, secret = _issue_api_key(
        organization,
        name=locked.name,
        scopes=locked.scopes,
        created_by=_creator(actor),
        expires_at=api_key.expires_at,  # the old key's own expiry, not its grace
        rotated_from=locked,
    )
    old = {"name": locked.name, "fingerprint": locked.last_four}
    audit(
        organization,
        actor=actor,
        action="api_key.rotated",
        target=new_key,
        details={
            "name": locked.name,
            "old_fingerprint": locked.last_four,
            "fingerprint": new_key.last_four,
            "grace_period_hours": hours,
        },
    )
    if hours == 0:
        audit(organization, actor=actor, action="api_key.revoked", target=locked, details=old)
    else:
        assert locked.expires_at is not None
        until = {"expires_at": locked.expires_at.isoformat(timespec="seconds")}
        audit(
            organization,
            actor=actor,
            action="api_key.grace_started",
            target=locked,
            details=old | until,
        )
    return new_key, secret


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor: User | ApiKey) -> ApiKey:
    """Revoke the key: it stops working at once (revoking twice changes nothing)."""
    require_role(actor, api_key.organization, at_least=Role.ADMIN)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit(
            api_key.organization,
            actor=actor,
            action="api_key.revoked",
            target=api_key,
            details={"name": api_key.name, "fingerprint": api_key.last_four},
        )
    return api_key
