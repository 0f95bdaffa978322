"""The SCIM service's one credential: `Authorization: Bearer scim_…`, an organization's SCIM
token. It is found by its keyed hash in one indexed query before any tenant is known, and it
names the only organization the request reaches (entered for row-level security)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from causeloop.web.authentication import organization_credential
from directory.models import ScimToken


class DirectoryCaller(AnonymousUser):
    """The `request.user` of a SCIM request: the organization's identity provider."""

    def __init__(self, token: ScimToken) -> None:
        self.token = token

    @property
    def is_authenticated(self) -> bool:  # type: ignore[override]
        return True

    def __str__(self) -> str:
        return self.token.display_name


class ScimTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer scim_…`; anything else is refused with 401."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        refused = exceptions.AuthenticationFailed("Invalid SCIM token.")
        scheme, _, secret = header.partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not secret.startswith(ScimToken.PREFIX):
            raise refused
        if len(secret) > 200:
            raise refused
        token = organization_credential(ScimToken, secret, refused=refused)
        return DirectoryCaller(token), token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="scim"'
