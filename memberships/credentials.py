"""A person's credentials after a password event: signed out everywhere.

Sessions need no list of their own: Django keeps a hash of the password in each signed-in
session and ends any session whose hash no longer matches at its next request, so every session
dies with the old password, whatever the session store (only the browser that changed the
password is re-signed, by allauth). Personal access tokens do not depend on the password, so
they are revoked here: always after a reset (whoever knew the old password may have made one),
on request after a change. Each revocation goes to the security log.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from causeloop.core.context import request_ip
from causeloop.core.tenancy import acting_for
from memberships.models import PersonalToken, User

security_log = logging.getLogger("causeloop.security")


def personal_tokens_revoke_all(*, user: User, reason: str) -> int:
    """Revoke every personal token of `user` still in force; returns how many. `reason` goes
    to the security log (`password_reset`, `password_change`)."""
    with transaction.atomic(), acting_for(user):  # a reset comes from a signed-out browser
        revoked = PersonalToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    security_log.info(
        "personal tokens revoked: user %s, %s, %d token(s)",
        user.pk,
        reason,
        revoked,
        extra={
            "event": "personal_tokens.revoked",
            "user_id": user.pk,
            "reason": reason,
            "tokens_revoked": revoked,
            "ip_address": request_ip.get(),
        },
    )
    return revoked
