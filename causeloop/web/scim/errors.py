"""SCIM's error shape (RFC 7644 §3.12): every refusal under `/scim/` is a
`urn:ietf:params:scim:api:messages:2.0:Error` with its status as a string and, where one fits,
a `scimType`, served as `application/scim+json`. Nothing a client sends makes a 500."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from pydantic import ValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from scim2_models import Context, Error, SCIMException

from causeloop.core.errors import DomainError, RateLimited, ValidationFailed

SCIM_MEDIA_TYPE = "application/scim+json"

# The stable codes of the services' errors that SCIM has a keyword for.
_SCIM_TYPES = {
    "user_name_taken": "uniqueness",
    "invitation_required": "uniqueness",
    "invalid_input": "invalidValue",
}


def error_body(status: int, detail: str, scim_type: str | None = None) -> dict[str, Any]:
    """The SCIM error document."""
    error = Error(status=status, scim_type=scim_type, detail=detail)
    return error.model_dump(scim_ctx=Context.DEFAULT)


def error_response(request: HttpRequest, status: int, detail: str) -> JsonResponse:
    """A SCIM error for a plain Django view (an unknown path, input refused before any view)."""
    return JsonResponse(error_body(status, detail), status=status, content_type=SCIM_MEDIA_TYPE)


def _error_of(exc: Exception) -> tuple[Error, dict[str, str]] | None:
    """The SCIM error an exception stands for and the headers it needs; None for a server
    error."""
    if isinstance(exc, SCIMException):
        return exc.to_error(), {}
    if isinstance(exc, ValidationError):
        return Error.from_validation_errors(exc)[0], {}
    if isinstance(exc, DomainError):
        return _of_domain_error(exc)
    if isinstance(exc, (OperationalError, InterfaceError)):
        detail = "The database is unavailable; try again shortly."
        return Error(status=503, detail=detail), {"Retry-After": "5"}
    return _of_framework_error(exc)


def _of_domain_error(exc: DomainError) -> tuple[Error, dict[str, str]]:
    """A service's refusal: its status and message, SCIM's keyword for its code."""
    if isinstance(exc, RateLimited):
        return Error(status=429, detail=exc.message), {"Retry-After": str(exc.retry_after)}
    scim_type = _SCIM_TYPES.get(exc.code)
    if exc.code not in _SCIM_TYPES and isinstance(exc, ValidationFailed):
        scim_type = "invalidValue"
    return Error(status=exc.status_code, scim_type=scim_type, detail=exc.message), {}


def _of_framework_error(exc: Exception) -> tuple[Error, dict[str, str]] | None:
    """DRF's and Django's refusals (credentials, methods, media types, parsing)."""
    if isinstance(exc, RequestDataTooBig):
        return Error(status=413, detail="The request body is too large."), {}
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    headers: dict[str, str] = {}
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None) if isinstance(exc, exceptions.Throttled) else None
    if wait is not None:
        headers["Retry-After"] = str(int(wait))
    scim_type = None
    if exc.status_code == 400:
        # Not JSON at all; or JSON the parser refused (NUL characters, too deep).
        parse_error = isinstance(exc, exceptions.ParseError)
        scim_type = "invalidSyntax" if parse_error else "invalidValue"
    detail = exc.detail if isinstance(exc.detail, str) else "The request was refused."
    return Error(status=exc.status_code, scim_type=scim_type, detail=str(detail)), headers


def scim_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler for the SCIM views: every error in SCIM's shape."""
    translated = _error_of(exc)
    if translated is None:
        return None
    error, headers = translated
    return Response(
        error.model_dump(scim_ctx=Context.DEFAULT),
        status=error.status,
        headers=headers,
        content_type=SCIM_MEDIA_TYPE,
    )
