"""A secret shown once (a new or rotated API key): sealed in the session until the next page
shows it, and never cached anywhere on its way.

Post/redirect/get needs the secret to outlive one redirect. The session store is a table (or a
cache) that backups, replicas and operators can read, so the secret waits there encrypted under
`CAUSELOOP_MASTER_KEY`, for a few minutes at most. Every response that carries a secret — these
pages, the API's new keys and tokens, invitation links, the data export — is `no-store`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from cryptography.fernet import InvalidToken
from django.http import HttpRequest
from django.utils.cache import add_never_cache_headers

from causeloop.core.crypto import decrypt, encrypt

SESSION_KEY = "causeloop.core.shown_once"
LIFETIME_SECONDS = 600  # the next page comes at once; an abandoned secret expires


def seal(value: dict[str, str], *, at: int | None = None) -> str:
    """`value` encrypted for the session (stamped now, or `at`, a Unix time)."""
    return encrypt(json.dumps(value).encode(), at=at).decode()


def show_once(request: HttpRequest, label: str, secret: str) -> None:
    """Keep a new secret, encrypted, for the next page view only."""
    request.session[SESSION_KEY] = seal({"label": label, "secret": secret})


def take_shown_once(request: HttpRequest) -> dict[str, str] | None:
    """The secret waiting to be shown, once: it leaves the session as it is read."""
    sealed = request.session.pop(SESSION_KEY, None)
    if not isinstance(sealed, str):
        return None
    try:
        return cast(dict[str, str], json.loads(decrypt(sealed.encode(), ttl=LIFETIME_SECONDS)))
    except (InvalidToken, ValueError):
        return None  # expired, or sealed under another master key


def no_store[Handler: Callable[..., Any]](handler: Handler) -> Handler:
    """For a view, a view's method or an API handler whose response carries a secret: no
    browser, proxy or CDN keeps a copy (`Cache-Control: no-store`, and the rest of
    `never_cache`). Put it above `@idempotent`, so a replayed response is covered too."""

    @wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        response = handler(*args, **kwargs)
        add_never_cache_headers(response)
        return response

    return cast(Handler, wrapper)
