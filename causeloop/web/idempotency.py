"""`Idempotency-Key` for the API's creating POSTs.

The first successful response to a key is stored (encrypted: it may hold a key or token shown
once) for 24 hours, scoped to the caller (a stranger by client address). The same key with the
same body replays it; with another body it is refused (`idempotency_key_reused`). While a
request with a key is running, its twin gets `idempotency_key_in_progress` at once: on
PostgreSQL the first request holds a transaction-level advisory lock on the key until its
transaction — the whole request, see `causeloop.web.middleware.TenancyMiddleware` — commits
together with the stored response, so fifty concurrent retries make exactly one thing. A failed
request stores nothing (it changed nothing): a retry runs again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from causeloop.core.context import request_ip
from causeloop.core.crypto import decrypt, encrypt, keyed_hash
from causeloop.core.db import transaction_lock
from causeloop.core.errors import Conflict, ValidationFailed
from causeloop.models import IdempotencyRecord
from organizations.models import ApiKey

HEADER = "Idempotency-Key"
LIFETIME = timedelta(hours=24)


def _scope(request: Request) -> str:
    """Whose keys these are: the API key, the person, or — for a stranger (registering, asking
    for a token) — the client address, so no stranger replays or blocks another's response."""
    if isinstance(request.auth, ApiKey):
        return f"key:{request.auth.pk}"
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    address = request_ip.get() or request.META.get("REMOTE_ADDR") or "unknown"
    return f"anonymous:{address}"[:64]


# A key: 1–255 visible ASCII characters, no spaces (a UUID, say); the document states it too.
KEY_PATTERN = r"[\x21-\x7e]{1,255}"


def _clean_key(raw: str) -> str:
    if re.fullmatch(KEY_PATTERN, raw) is None:
        message = f"{HEADER} must be 1–255 visible ASCII characters, without spaces."
        raise ValidationFailed(message, fields={HEADER: [message]})
    return raw


def _fingerprint(request: Request) -> str:
    """The request as parsed (so key order and white space do not matter), hashed under the
    master key: a body may hold a secret (an integration's credential), and a plain hash of a
    guessable secret could be checked against it."""
    body = json.dumps(request.data, sort_keys=True, default=str)
    return keyed_hash(f"{request.method} {request.path}\n{body}")


def _hold(scope: str, key: str) -> bool:
    """Take the key's lock for the rest of the transaction; False if another has it."""
    return transaction_lock(f"{scope}\n{key}", wait=False)


def prune_expired(*, now: datetime | None = None) -> int:
    """Delete the records older than their 24 hours; returns how many."""
    cutoff = (now or timezone.now()) - LIFETIME
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Honour `Idempotency-Key` on a creating POST handler."""

    @wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        raw = request.headers.get(HEADER)
        if raw is None:
            return handler(view, request, *args, **kwargs)
        key, scope = _clean_key(raw), _scope(request)
        fingerprint = _fingerprint(request)
        if not _hold(scope, key):
            raise Conflict(
                "A request with this Idempotency-Key is still running; retry shortly.",
                code="idempotency_key_in_progress",
            )
        record = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if record is not None and record.created_at < timezone.now() - LIFETIME:
            record.delete()
            record = None
        if record is not None:
            if record.request_hash != fingerprint:
                raise Conflict(
                    "This Idempotency-Key was used with another request.",
                    code="idempotency_key_reused",
                )
            body = json.loads(decrypt(bytes(record.response_body or b"")))
            response = Response(body, status=record.response_status)
            response["Idempotent-Replayed"] = "true"
            return response
        response = handler(view, request, *args, **kwargs)
        if 200 <= response.status_code < 300:
            IdempotencyRecord.objects.create(
                scope=scope,
                key=key,
                method=request.method or "POST",
                path=request.path[:512],
                request_hash=fingerprint,
                state=IdempotencyRecord.State.COMPLETED,
                response_status=response.status_code,
                response_body=encrypt(json.dumps(response.data, default=str).encode()),
            )
        return response

    wrapper.idempotent = True  # type: ignore[attr-defined]  # the OpenAPI document declares it
    return wrapper
