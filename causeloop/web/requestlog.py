"""One log line per request, and the request ID that ties every line of a request together.

The ID is the caller's `X-Request-ID` when it is a sane one (at most 128 of `A-Z a-z 0-9 . _ :
-`: a load balancer's or a client's), else a new one; it is bound for every line logged during
the request (the tasks it runs in-process too) and sent back in `X-Request-ID` on every
response, errors and redirects included. The line, once the response is ready:

    {"event": "request", "request_id", "method", "route", "status", "duration_ms",
     "organization", "actor", "level", "timestamp", "logger": "causeloop.requests"}

`route` is the URL pattern matched (null when none did), never the path or the query string:
they carry invitation tokens and reset keys. `organization` is the tenant the request entered
(`causeloop.core.tenancy`), `actor` who it acted as: the API key, the personal token, the
signed-in person (their IDs), `root` for the platform's root key, or null. Nothing of the
headers or the body is logged.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from causeloop.core import context
from causeloop.web.authentication import RootOperator

HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

logger = structlog.get_logger("causeloop.requests")


def request_id_for(request: HttpRequest) -> str:
    """The caller's request ID when it is a sane one, else a new one."""
    offered = request.META.get("HTTP_X_REQUEST_ID", "")
    return offered if _SANE_ID.fullmatch(offered) else uuid.uuid4().hex


def actor_of(request: HttpRequest) -> str | None:
    """Who the request acted as, once that was known: the credential's ID (API key, personal
    token, SCIM token), `root`, or the signed-in person's ID."""
    credential: Any = getattr(request, "auth", None)  # DRF sets it on the request too
    if getattr(credential, "pk", None):
        return str(credential.pk)
    user: Any = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None  # nothing asked who it was: do not look it up now, after the transaction
    if isinstance(user, RootOperator):
        return "root"
    if user is not None and user.is_authenticated and user.pk:
        return str(user.pk)
    return None


class RequestLogMiddleware:
    """Times everything below it, so it sits at the top of `MIDDLEWARE` (under the health
    checks only, which answer load balancers without a log line each)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request)
        tokens = structlog.contextvars.bind_contextvars(request_id=request_id, organization=None)
        current = context.request_id.set(request_id)
        started = time.perf_counter()
        status = 500  # unless a response comes back: a request that raises is a server error
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            status = response.status_code
            return response
        finally:
            match = request.resolver_match
            logger.log(
                logging.ERROR if status >= 500 else logging.INFO,
                "request",
                method=request.method,
                route=match.route if match else None,
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                organization=structlog.contextvars.get_contextvars().get("organization"),
                actor=actor_of(request),
            )
            structlog.contextvars.reset_contextvars(**tokens)
            context.request_id.reset(current)
