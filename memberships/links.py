"""Addresses of memberships' pages that go out in mail and API answers, all on
`CAUSELOOP_BASE_URL`."""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.urls import reverse

from memberships.models import User


def invitation_url(token: str) -> str:
    """The page where the invitation with this token is seen and accepted."""
    return f"{settings.CAUSELOOP_BASE_URL}/invitations/{token}/"


def join_url(code: str) -> str:
    """The wizard's join form with this invite code filled in."""
    query = urlencode({"code": code})
    return f"{settings.CAUSELOOP_BASE_URL}/onboarding/organization/?{query}#join"


def login_url() -> str:
    """The sign-in page."""
    return settings.CAUSELOOP_BASE_URL + reverse("account_login")


def set_password_url(user: User) -> str:
    """A link that lets `user` choose a password: allauth's password-reset link, so it works
    once (the token signs the current password hash and last login) and expires after
    `PASSWORD_RESET_TIMEOUT`."""
    key = default_token_generator.make_token(user)
    path = reverse(
        "account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key}
    )
    return settings.CAUSELOOP_BASE_URL + path
