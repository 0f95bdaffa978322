"""Every request in the test suite runs as `causeloop_app`, the role production connects as.

The tests' own setup and assertions connect as the PostgreSQL superuser, to which row-level
security does not apply. Requests (test client, live server) switch to the application role for
their duration, so every API and page test also proves that the request set its tenant context:
a view that forgot it sees no rows of any tenant and cannot write one.

The role switch goes through the driver directly, so query-count assertions do not see it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from zeal import zeal_context

APP_ROLE = "causeloop_app"


def _execute(sql: str) -> None:
    connection.ensure_connection()
    with connection.wrap_database_errors:  # psycopg's errors as Django's
        connection.connection.execute(sql)


class ApplicationRoleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if connection.settings_dict["USER"] == APP_ROLE:
            # Logged in as the application role already (no session-level SET ROLE to carry
            # through a transaction pooler either).
            with zeal_context():
                return self.get_response(request)
        try:
            _execute(f"SET ROLE {APP_ROLE}")
        except (OperationalError, InterfaceError):
            # The database is unreachable: the app's own handling answers (503), not this.
            return self.get_response(request)
        try:
            # N+1 detection counts per request, not across the requests of one test.
            with zeal_context():
                return self.get_response(request)
        finally:
            # A request that lost its database has no role left to reset.
            with suppress(DatabaseError):
                _execute("RESET ROLE")
