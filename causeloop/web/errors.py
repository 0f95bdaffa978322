"""The API's exception handler: every error, ours or DRF's or Django's, in the API's one shape
(`causeloop.core.errors.error_body`)."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from causeloop.core.errors import (
    DomainError,
    InvalidInput,
    PayloadTooLarge,
    RateLimited,
    error_body,
)


def _flatten_fields(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation detail as `{"field.sub": ["message", …]}`."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            fields.update(_flatten_fields(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            fields[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                fields.update(_flatten_fields(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        fields[prefix or "non_field_errors"] = [str(detail)]
    return fields


_DRF_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
    exceptions.ParseError: "parse_error",
}


def _translated(exc: Exception) -> Exception:
    """Django's own request errors as the domain's or DRF's equivalents."""
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge("The request body is too large.")
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        return InvalidInput("The request has too many fields or files.")
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render every error as `{"error": {"code", "message", "fields"}}`."""
    exc = _translated(exc)
    if isinstance(exc, RateLimited):
        return Response(
            error_body(exc.code, exc.message, exc.fields),
            status=exc.status_code,
            headers={"Retry-After": str(exc.retry_after)},
        )
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status_code)
    if isinstance(exc, (OperationalError, InterfaceError)):
        return Response(
            error_body("service_unavailable", "The database is unavailable; try again shortly."),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    if isinstance(exc, DatabaseError):
        return None
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten_fields(exc.detail)
        first = next(iter(fields.values()), ["Invalid input."])[0]
        message = (
            first
            if list(fields) == ["non_field_errors"]
            else "Invalid input: "
            + ", ".join(f"{name}: {messages[0]}" for name, messages in fields.items())
        )
        response.data = error_body("invalid", message, fields)
        return response
    assert isinstance(exc, exceptions.APIException)
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), None)
    if code is None:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
    message = str(exc.detail) if not isinstance(exc.detail, (dict, list)) else "Request failed."
    # An exception raised where a DomainError cannot be (causeloop.web.parsers) may name fields too.
    response.data = error_body(str(code), message, getattr(exc, "fields", None))
    return response
