"""Email verification, on django-allauth's `EmailAddress`: an account's address counts as its
owner's once a link mailed to it was followed — or an invitation sent to it was used, or a
platform operator provisioned it. Until then the account signs in nowhere: the pages show
allauth's "check your email" step, and `POST /auth/tokens` answers 403 `email_unverified`.
Without it anyone could register a colleague's address first and wait for the invitations.
"""

from __future__ import annotations

from collections.abc import Sequence

from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.http import HttpRequest

from causeloop.core.db import insert_rows
from causeloop.core.errors import Forbidden
from memberships.models import User

# One verification mail per address every few minutes: the earlier link keeps working.
RESEND_AFTER_SECONDS = 180


def _address_of(user: User) -> EmailAddress | None:
    return EmailAddress.objects.filter(user=user, email__iexact=user.email).first()


def email_is_verified(user: User) -> bool:
    """Whether the account's own address is verified."""
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def add_unverified_email(user: User) -> EmailAddress:
    """Record the account's address as not yet verified (an account that registered itself)."""
    address = _address_of(user)
    if address is None:
        address = EmailAddress.objects.create(
            user=user, email=user.email, primary=True, verified=False
        )
    return address


def verified_email_of(user: User) -> EmailAddress:
    """The address of a new account a platform operator provisioned, verified from the start;
    not saved yet (provisioning writes it with its other rows, in one statement)."""
    return EmailAddress(user=user, email=user.email, primary=True, verified=True)


def add_verified_emails(accounts: Sequence[tuple[str, str]]) -> None:
    """`verified_email_of` many new accounts, given as (user ID, address), written at once in
    one statement (bulk onboarding)."""
    insert_rows(
        EmailAddress,
        {
            "user_id": [user_id for user_id, _email in accounts],
            "email": [email for _user_id, email in accounts],
        },
        same={"verified": True, "primary": True},
    )


def mark_email_verified(user: User) -> None:
    """The address was proven another way (an invitation to it was used, a platform operator
    vouched for it)."""
    address = _address_of(user)
    if address is None:
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    elif not (address.verified and address.primary):
        EmailAddress.objects.filter(pk=address.pk).update(verified=True, primary=True)


def send_verification_email(request: HttpRequest, user: User) -> bool:
    """Mail the link that verifies the account's address (allauth's confirmation), unless it is
    verified or a link went out moments ago; whether one was sent."""
    address = add_unverified_email(user)
    if address.verified:
        return False
    if not cache.add(f"causeloop:verify-mail:{address.email.lower()}", 1, RESEND_AFTER_SECONDS):
        return False
    address.send_confirmation(request, signup=True)
    return True


def require_verified_email(request: HttpRequest, user: User) -> None:
    """Refuse with `email_unverified` (after mailing a link again) until the address is
    verified. Call it only once the password was right, so it tells a stranger nothing."""
    if email_is_verified(user):
        return
    send_verification_email(request, user)
    raise Forbidden(
        f"Verify your email address first: we sent a link to {user.email}. Follow it, then "
        "ask for a token again.",
        code="email_unverified",
    )
