"""Personal access tokens: a person's own API credentials, and revoking them all after a
password event.

Sessions need no list of their own: Django keeps a hash of the password in each signed-in
session and ends any session whose hash no longer matches at its next request, so every session
dies with the old password, whatever the session store (only the browser that changed the
password is re-signed, by allauth). Personal access tokens do not depend on the password, so
they are revoked here: always after a reset (whoever knew the old password may have made one),
on request after a change. Each revocation goes to the security log.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from django.db import transaction
from django.utils import timezone

from causeloop.core.context import request_ip
from causeloop.core.crypto import keyed_hash, random_secret
from causeloop.core.errors import NotFound, ValidationFailed
from causeloop.core.tenancy import acting_for
from memberships.models import PersonalToken, User
from organizations.validation import clean_optional_text

security_log = structlog.get_logger("causeloop.security")


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
    """Revoke one of the person's own tokens; it stops working now."""
    if token.user_id != user.pk:
        raise NotFound("Token not found.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def personal_tokens_revoke_all(*, user: User, reason: str) -> int:
    """Revoke every personal token of `user` still in force; returns how many. `reason` goes
    to the security log (`password_reset`, `password_change`)."""
    with transaction.atomic(), acting_for(user):  # a reset comes from a signed-out browser
        revoked = PersonalToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    security_log.info(
        "personal_tokens.revoked",
        user_id=user.pk,
        reason=reason,
        tokens_revoked=revoked,
        ip_address=request_ip.get(),
    )
    return revoked
