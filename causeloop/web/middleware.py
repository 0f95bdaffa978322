"""Cross-cutting request middleware: the request's tenant context and transaction, and the
client's address for the audit trail."""

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import NoReverseMatch, reverse

from causeloop.core.context import request_ip
from causeloop.core.errors import error_body
from causeloop.core.ratelimits import client_address
from causeloop.core.tenancy import request_transaction, row_security_applies, start_request


def database_unavailable() -> HttpResponse:
    """503 with the API's error shape; nothing of the request was committed."""
    return JsonResponse(
        error_body("service_unavailable", "The database is unavailable; try again shortly."),
        status=503,
        headers={"Retry-After": "5"},
    )


def _not_an_n_plus_one() -> AbstractContextManager[Any]:
    """Loading the session's user once per request is no N+1, however many requests a test
    makes (django-zeal, on in the test suite, would otherwise see one)."""
    if "zeal" in settings.INSTALLED_APPS:
        # Imported only where installed: zeal is a test-suite dependency.
        from zeal import zeal_ignore

        return zeal_ignore()
    return nullcontext()


def _admin_prefix() -> str | None:
    try:
        return reverse("admin:index")
    except NoReverseMatch:
        return None


class TenancyMiddleware:
    """On PostgreSQL, makes each request one transaction that starts with a clean context:
    the signed-in person's own rows (`enter_user`), plus the platform context for staff in the
    Django admin. The organization is added by the code that resolves it (`enter_tenant`).
    A server error rolls the transaction back, and a database that is unreachable, or goes away
    mid-request, answers 503 with the API's error shape. Elsewhere (SQLite) it does nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not row_security_applies():
            return self.get_response(request)
        try:
            with request_transaction():
                with _not_an_n_plus_one():
                    self._enter(request)
                response = self.get_response(request)
                if response.status_code >= 500:
                    transaction.set_rollback(True)
                return response
        except (OperationalError, InterfaceError):
            return database_unavailable()

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A view that lost the database answers 503 (its transaction is rolled back)."""
        if isinstance(exception, (OperationalError, InterfaceError)) and row_security_applies():
            transaction.set_rollback(True)
            return database_unavailable()
        return None

    @staticmethod
    def _enter(request: HttpRequest) -> None:
        user: Any = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated and user.pk)
        prefix = _admin_prefix()
        operator = bool(signed_in and user.is_staff and prefix and request.path.startswith(prefix))
        start_request(user=user if signed_in else None, platform=operator)


class RequestContextMiddleware:
    """Records the client's IP (behind `CAUSELOOP_TRUSTED_PROXIES` proxies, the one they saw)
    for the audit trail for the duration of the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_ip.set(client_address(request) or None)
        try:
            return self.get_response(request)
        finally:
            request_ip.reset(token)
