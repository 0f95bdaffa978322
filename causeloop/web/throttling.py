"""Counting against the rate-limit policy (`causeloop.core.ratelimits.RATE_LIMITS`) with
django-allauth's rate limiter, in the default cache that every app process shares: `limit()`
for one action, the API's throttle classes, and the two counts that depend on how a request
ends (a password guess, an invitation mail). Over the limit: `RateLimited`, which the API
answers with 429 `rate_limited` and `Retry-After`, and the pages with a message to wait."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.core.internal import ratelimit as allauth_ratelimit
from allauth.core.internal.ratelimit import RateLimitUsage
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from causeloop.core.errors import RateLimited
from causeloop.core.ratelimits import login_key

# allauth's namespace: the pages' counters and ours are the same ones.
_APP = "allauth.account"


def _applicable(action: str, *, key: str | None, user: Any) -> str:
    """The action's rates that can count this request: no `key` rate without a key, no `user`
    rate without a person (an organization API key is none)."""
    kept = []
    for part in str(account_settings.RATE_LIMITS.get(action) or "").split(","):
        rate = part.strip()
        if not rate:
            continue
        per = allauth_ratelimit.parse_rate(rate).per
        if (per != "key" or key is not None) and (per != "user" or user is not None):
            kept.append(rate)
    return ",".join(kept)


@dataclass(frozen=True)
class Allowance:
    """Where a request stands against its tightest counter, as the `RateLimit-*` headers
    (IETF draft) say it: the counter's `limit`, the requests `remaining` in its window, and
    the seconds until the oldest one counted leaves it (`reset`: room again, when none remain)."""

    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }


# Where the allowance of the request's tightest counter is kept for its response's headers.
_ALLOWANCE = "causeloop_allowance"


def _allowances(request: Any, action: str, *, key: str | None, user: Any) -> list[Allowance]:
    """Each counter of `action` for this request, as it stands now."""
    now, found = time.time(), []
    for rate in allauth_ratelimit.parse_rates(_applicable(action, key=key, user=user)):
        cache_key = allauth_ratelimit.get_cache_key(
            request, app=_APP, action=action, rate=rate, key=key, user=user
        )
        history = [stamp for stamp in cache.get(cache_key, []) if stamp > now - rate.duration]
        full = len(history) >= rate.amount  # newest first: the amount-th newest frees the room
        oldest = history[rate.amount - 1] if full else (history[-1] if history else now)
        found.append(
            Allowance(
                limit=rate.amount,
                remaining=max(rate.amount - len(history), 0),
                reset=max(math.ceil(oldest + rate.duration - now), 1 if full else 0),
            )
        )
    return found


def _keep_tightest(request: Any, allowances: list[Allowance]) -> None:
    """Remember, for the response's headers, the counter with the least room of all those this
    request went through."""
    http_request = getattr(request, "_request", request)  # DRF's request wraps Django's
    kept = getattr(http_request, _ALLOWANCE, None)
    for allowance in allowances:
        if kept is None or (allowance.remaining, -allowance.reset) < (kept.remaining, -kept.reset):
            kept = allowance
    if kept is not None:
        setattr(http_request, _ALLOWANCE, kept)


def allowance_of(request: Any) -> Allowance | None:
    """The tightest counter a request was counted against, if any was."""
    return getattr(getattr(request, "_request", request), _ALLOWANCE, None)


def _retry_after(allowances: list[Allowance]) -> int:
    """Seconds until every full counter has room again."""
    return max([a.reset for a in allowances if a.remaining == 0] or [1])


def person_of(request: Any) -> Any:
    """The signed-in person, for `user` rates; None for anonymous callers and API keys."""
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated and user.pk else None


def limit(request: Any, action: str, *, key: str | None = None, user: Any = None) -> RateLimitUsage:
    """Count one `action` for the client's address, `user` (a person) and `key`: refused with
    `RateLimited` when any of those counters is full. The usage returned can be given back."""
    config = {action: _applicable(action, key=key, user=user)}
    usage = allauth_ratelimit.consume(
        request, app=_APP, action=action, config=config, key=key, user=user
    )
    allowances = _allowances(request, action, key=key, user=user)
    _keep_tightest(request, allowances)
    if usage is None:
        retry_after = _retry_after(allowances)
        raise RateLimited(
            f"Too many attempts. Wait {_duration(retry_after)} and try again.",
            retry_after=retry_after,
        )
    return usage


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"


@contextmanager
def password_guess(request: Any, *, login: str) -> Iterator[None]:
    """One password check for the account `login`, refused with `RateLimited` once the account
    or the address has no failed guesses left. A check that succeeds gives its guess back."""
    usage = limit(request, "login_failed", key=login_key(login))
    yield
    usage.rollback()


@contextmanager
def invitation_mail(
    request: Any, *, organization: Any, email: str, invitation: Any = None
) -> Iterator[None]:
    """One invitation mail from `organization` to `email` (a new one, or `invitation` resent),
    refused with `RateLimited` past the sender's address', the organization's, the invited
    email's or the invitation's limit. A send refused for another reason (a role, an existing
    member) gives its counts back."""
    usages: list[RateLimitUsage] = []
    try:
        usages.append(limit(request, "invitation_send", key=str(organization.pk)))
        usages.append(limit(request, "invitation_recipient", key=login_key(email)))
        if invitation is not None:
            usages.append(limit(request, "invitation_resend", key=str(invitation.pk)))
        yield
    except BaseException:
        for usage in usages:
            usage.rollback()
        raise


class PolicyThrottle(BaseThrottle):
    """`action` as a DRF throttle: its `ip` rates, and its `user` rates for a signed-in person."""

    def __init__(self, action: str) -> None:
        self.action = action
        self.retry_after: int | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            limit(request, self.action, user=person_of(request))
        except RateLimited as refused:
            self.retry_after = refused.retry_after
            return False
        return True

    def wait(self) -> float | None:
        return self.retry_after


def throttles(action: str) -> list[BaseThrottle]:
    """A view's `get_throttles()` for `action` of the policy."""
    return [PolicyThrottle(action)]
