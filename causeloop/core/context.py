"""Per-request context that cross-cutting code (the audit trail) reads without threading it
through every service signature."""

from contextvars import ContextVar

request_ip: ContextVar[str | None] = ContextVar("request_ip", default=None)
# The request's ID (`X-Request-ID`), set by `causeloop.web.requestlog`: the API's errors carry it.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
