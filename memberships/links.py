"""Addresses of memberships' pages that go out in mail and API answers."""

from urllib.parse import urlencode

from django.conf import settings


def invitation_url(token: str) -> str:
    """The page where the invitation with this token is seen and accepted."""
    return f"{settings.CAUSELOOP_BASE_URL}/invitations/{token}/"


def join_url(code: str) -> str:
    """The wizard's join form with this invite code filled in."""
    query = urlencode({"code": code})
    return f"{settings.CAUSELOOP_BASE_URL}/onboarding/organization/?{query}#join"
