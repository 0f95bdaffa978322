"""API authentication: `Authorization: Bearer <token>` (organization API key or personal token;
an organization API key also as `X-API-Key`) and the browser session with CSRF.

A credential is found by its keyed hash in one indexed query; no slow password hash runs per
request, and `last_used_at` is written at most once a minute per credential.
"""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from causeloop.core.crypto import keyed_hashes
from causeloop.core.tenancy import platform_lookup
from directory.models import ScimToken
from memberships.models import PersonalToken
from organizations.models import ApiKey

LAST_USED_RESOLUTION = timedelta(minutes=1)

# Every credential found by its keyed hash: a person's token, an organization's API key, a
# directory's SCIM token (`causeloop.web.scim.authentication`).
type Credential = PersonalToken | ApiKey | ScimToken


class ApiKeyUser(AnonymousUser):
    """The `request.user` of a request made with an organization API key."""

    def __init__(self, api_key: ApiKey) -> None:
        self.api_key = api_key

    @property
    def is_authenticated(self) -> bool:  # type: ignore[override]
        return True

    def __str__(self) -> str:
        return self.api_key.display_name


def touch_last_used(row: Credential) -> None:
    """Record that the credential was used, at most once a minute."""
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        type(row)._default_manager.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now


def rehash_credential(row: Credential, current: str) -> None:
    """A credential found under an old master key is hashed under the current one, so it keeps
    working once the old key is dropped."""
    if row.key_hash != current:
        type(row)._default_manager.filter(pk=row.pk).update(key_hash=current)
        row.key_hash = current


def organization_credential[Row: (ApiKey, ScimToken)](
    model: type[Row], secret: str, *, refused: exceptions.AuthenticationFailed
) -> Row:
    """The usable credential of `model` (an organization's API key or SCIM token) that `secret`
    is, with its organization entered; `refused` otherwise. One indexed query on the keyed hash
    (under the current master key or an old one), before any tenant is known."""
    digests = keyed_hashes(secret)
    with platform_lookup() as lookup:
        row = (
            model._default_manager.select_related("organization", "organization__subscription")
            .filter(key_hash__in=digests)
            .first()
        )
        if row is None or not row.is_usable:
            raise refused
        rehash_credential(row, digests[0])
        lookup.then_enter_tenant(row.organization)
    touch_last_used(row)
    return row


def credential_from_request(request: Request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return value.strip() or None
    secret = request.META.get("HTTP_X_API_KEY", "").strip() or None
    if secret is not None and secret.startswith(PersonalToken.PREFIX):
        # `X-API-Key` names an organization's key; a person's token goes in `Authorization`.
        raise exceptions.AuthenticationFailed(
            "X-API-Key takes an organization API key only. Send a personal access token as "
            "Authorization: Bearer <token>."
        )
    return secret


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Personal access tokens (`cl_pat_…`) and organization API keys."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        secret = credential_from_request(request)
        if secret is None:
            return None
        if len(secret) > 200:
            raise exceptions.AuthenticationFailed("Invalid API key or token.")
        refused = exceptions.AuthenticationFailed("Invalid API key or token.")
        if secret.startswith(PersonalToken.PREFIX):
            # The credential names the person; nobody is known before it. Under the current
            # master key or an old one (a rotation), in one indexed query.
            digests = keyed_hashes(secret)
            with platform_lookup() as lookup:
                token = (
                    PersonalToken.objects.select_related("user")
                    .filter(key_hash__in=digests)
                    .first()
                )
                if token is None or not token.is_usable or not token.user.is_active:
                    raise refused
                rehash_credential(token, digests[0])
                lookup.then_enter_user(token.user)
            touch_last_used(token)
            return token.user, token
        # The credential names the tenant; none is known before it.
        api_key = organization_credential(ApiKey, secret, refused=refused)
        return ApiKeyUser(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class RootOperator(AnonymousUser):
    """The `request.user` of a request made with `X-Root-Key`: the platform itself."""

    is_staff = True  # type: ignore[assignment]  # AnonymousUser declares it False

    @property
    def is_authenticated(self) -> bool:  # type: ignore[override]
        return True

    def __str__(self) -> str:
        return "platform"


class RootKeyAuthentication(authentication.BaseAuthentication):
    """`X-Root-Key: $CAUSELOOP_ROOT_KEY`, compared in constant time; platform endpoints only."""

    header = "HTTP_X_ROOT_KEY"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        presented = request.META.get(self.header)
        if presented is None:
            return None
        expected = settings.CAUSELOOP_ROOT_KEY
        if not expected or not hmac.compare_digest(presented.encode(), expected.encode()):
            raise exceptions.AuthenticationFailed("Invalid root key.")
        return RootOperator(), None

    def authenticate_header(self, request: Request) -> str:
        return "X-Root-Key"


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser session; unsafe methods need the CSRF token."""
