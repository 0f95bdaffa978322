"""Addresses of memberships' pages that go out in mail and API answers."""

from django.conf import settings


def invitation_url(token: str) -> str:
    """The page where the invitation with this token is seen and accepted."""
    return f"{settings.CAUSELOOP_BASE_URL}/invitations/{token}/"
