"""Rate limits for the endpoints a stranger can hammer: register, token creation, invitation
accept (login has allauth's own). Each is limited per client IP and per account (the email in
the body, or the signed-in person), so neither many accounts from one address nor one account
from many addresses gets through. Over the limit: 429 `rate_limited` with `Retry-After`."""

from __future__ import annotations

import hashlib
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class PerIpThrottle(SimpleRateThrottle):
    """`scope` (a key of `DEFAULT_THROTTLE_RATES`) per client address."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_format % {"scope": f"{self.scope}-ip", "ident": self.get_ident(request)}


class PerAccountThrottle(SimpleRateThrottle):
    """`scope` per account: the signed-in person, else the `email` the body names."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            data = request.data if isinstance(request.data, dict) else {}
            email = data.get("email")
            if not isinstance(email, str) or not email.strip():
                return None
            digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
            ident = f"email:{digest}"
        return self.cache_format % {"scope": f"{self.scope}-account", "ident": ident}


def throttles(scope: str) -> list[SimpleRateThrottle]:
    """A view's `get_throttles()` for `scope`, on POST only."""
    return [PerIpThrottle(scope), PerAccountThrottle(scope)]
