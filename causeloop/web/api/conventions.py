"""The HTTP conventions every endpoint keeps, so a client needs no special case: `ETag` on a
single resource and `If-Match` before changing it (412 `precondition_failed` when someone else
changed it first), `Location` on what a POST created, and the `RateLimit-*` headers of the
counter a rate-limited request went through.

`ApiView` applies them (`causeloop.web.api.base`); the OpenAPI document declares them from the
same attributes (`causeloop.web.api.schema`).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from typing import Any

from rest_framework.metadata import BaseMetadata
from rest_framework.request import Request
from rest_framework.response import Response

from causeloop.core.db import transaction_lock
from causeloop.core.errors import PreconditionFailed
from causeloop.web.throttling import allowance_of

IF_MATCH = "If-Match"
# Where a POST's new thing is, unless the view says otherwise (`created_at`): below the path.
CREATED_AT = "{path}/{id}"
WRITES = ("PUT", "PATCH", "DELETE")
_STALE = (
    "The resource changed since you read it (its ETag is not the one in If-Match): read it "
    "again, then retry."
)


def etag_of(data: Any) -> str:
    """A strong ETag of a resource's representation: the same JSON, the same tag."""
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return f'"{hashlib.sha256(body.encode()).hexdigest()[:32]}"'


def _named(header: str, etag: str) -> bool:
    """Whether an `If-Match` header names `etag` (or is `*`); weak tags never match."""
    offered = [part.strip() for part in header.split(",")]
    return "*" in offered or etag in offered


def check_precondition(view: Any, request: Request) -> None:
    """Before a write to a versioned resource: writers of one resource take turns (a lock until
    the request's transaction ends), and an `If-Match` that does not name the resource as it
    is now refuses the write with 412, changing nothing."""
    if request.method not in WRITES:
        return
    resource = sorted(
        (name, str(getattr(value, "pk", value))) for name, value in view.kwargs.items()
    )
    transaction_lock(f"resource:{type(view).__name__}:{resource}")
    expected = request.headers.get(IF_MATCH)
    if expected is None:
        return
    current = view.get(request, **view.kwargs)
    if not _named(expected, etag_of(current.data)):
        raise PreconditionFailed(_STALE, fields={IF_MATCH: [_STALE]})


def location_of(view: Any, request: Request, data: Any) -> str | None:
    """Where the thing a POST created can be found: `view.created_at`, a path template over
    `{path}` (the request's) and the response's fields (`{id}`, `{organization[id]}`),
    normalised (so `{path}/../{id}` works); None when the view says there is no such place or
    the response lacks what the template names."""
    template = getattr(view, "created_at", CREATED_AT)
    if template is None or not isinstance(data, dict):
        return None
    try:
        path = template.format(path=request.path, **data)
    except (KeyError, IndexError, TypeError):
        return None
    return request.build_absolute_uri(posixpath.normpath(path))


def with_conventions(view: Any, request: Request, response: Response) -> Response:
    """The headers of the conventions, on the response about to leave."""
    if response.status_code == 201 and "Location" not in response:
        location = location_of(view, request, response.data)
        if location:
            response["Location"] = location
    if (
        getattr(view, "versioned", False)
        and response.status_code == 200
        and request.method in ("GET", "PUT", "PATCH")
        and isinstance(response.data, dict)
    ):
        response["ETag"] = etag_of(response.data)
    allowance = allowance_of(request)
    if allowance is not None:
        for name, value in allowance.headers().items():
            response[name] = value
    return response


class Metadata(BaseMetadata):
    """What `OPTIONS` answers: the methods the path allows (also in `Allow`), nothing more —
    no view's notes, no fields, nothing that depends on who asks."""

    def determine_metadata(self, request: Request, view: Any) -> dict[str, Any]:
        return {"methods": sorted(view.allowed_methods)}
