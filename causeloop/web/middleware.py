"""Cross-cutting request middleware."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from causeloop.core.context import request_ip
from causeloop.core.ratelimits import client_address


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
