"""Domain errors with stable codes, and the API's one error shape.

Services raise `DomainError` subclasses; the API's exception handler (`causeloop.web.errors`)
and the forms' helper translate them. Nothing else builds error JSON by hand.
"""

from typing import Any

from causeloop.core.context import request_id


class DomainError(Exception):
    """A broken business rule, with a stable machine-readable `code`."""

    status_code = 400
    default_code = "invalid"

    def __init__(
        self, message: str, *, code: str | None = None, fields: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.fields = fields or {}


class ValidationFailed(DomainError):
    status_code = 400
    default_code = "invalid"


class NotAuthenticated(DomainError):
    status_code = 401
    default_code = "not_authenticated"


class Forbidden(DomainError):
    status_code = 403
    default_code = "permission_denied"


class NotFound(DomainError):
    status_code = 404
    default_code = "not_found"


class Conflict(DomainError):
    status_code = 409
    default_code = "conflict"


class PreconditionFailed(DomainError):
    """An `If-Match` that no longer names the resource as it is: someone changed it since."""

    status_code = 412
    default_code = "precondition_failed"


class Gone(DomainError):
    status_code = 410
    default_code = "gone"


class RateLimited(DomainError):
    """Over a rate limit (`core.ratelimits`); `retry_after` seconds until there is room."""

    status_code = 429
    default_code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QuotaExceeded(RateLimited):
    """Over one of the organization's usage limits (§9); `fields.limit` names which one."""

    default_code = "quota_exceeded"

    def __init__(self, message: str, *, limit: str, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.fields = {"limit": limit}


class InvalidInput(DomainError):
    """Input refused at the boundary, before any view: nested too deep, not UTF-8, or holding
    NUL characters, control characters or lone surrogates."""

    status_code = 400
    default_code = "invalid_input"


class PayloadTooLarge(DomainError):
    status_code = 413
    default_code = "payload_too_large"


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """The one error shape of the API; `request_id` is the request's `X-Request-ID`, to quote
    when asking about it."""
    error: dict[str, Any] = {"code": code, "message": message, "fields": fields or {}}
    current = request_id.get()
    if current is not None:
        error["request_id"] = current
    return {"error": error}
