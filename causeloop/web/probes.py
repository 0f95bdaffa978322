"""`/healthz`, `/readyz` and `/metrics` (SPEC §12), answered by the first middleware.

Load balancers and Prometheus probe over plain HTTP, by the instance's IP address, with no
session. Behind the URL resolver a probe would meet, in order, SecurityMiddleware's redirect to
HTTPS (`SECURE_SSL_REDIRECT`: a 301 for a healthy instance), the host check (`ALLOWED_HOSTS`,
where an instance's IP is not: a 400), sessions, CSRF, authentication and TenancyMiddleware's
request transaction (a query per probe for the tenant context, readiness checks run inside a
transaction, and a lost database answered with the tenancy layer's own 503). Exempting the paths
one setting at a time (`SECURE_REDIRECT_EXEMPT`, a host list with every address) would fix only
some of that and leave the rest to chance, so `ProbeMiddleware`, first in `MIDDLEWARE`, answers
these paths itself and passes every other request on untouched, for the cost of one string
comparison. Nothing here reads the Host header or builds a link, so answering any host is safe;
`/metrics` is guarded by its token or address list instead. The probes and the scrapes are not
counted in the request metrics (`RequestMetricsMiddleware` comes after this).

- `/healthz`: the process is up; 200 `{"status": "ok"}` without touching the database.
- `/readyz`: 200 with each check's result when all pass, 503 naming those failing
  (`causeloop.web.health`).
- `/metrics`: Prometheus' text format (`causeloop.core.metrics`) for a scraper with the bearer
  token or from an allowed address; 403 otherwise.

None of them answers 500: whatever fails is logged and answered 503.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from causeloop.core.metrics import CONTENT_TYPE, exposition
from causeloop.web.health import readiness
from causeloop.web.metrics import TaskQueueDepth, metrics_allowed

logger = logging.getLogger(__name__)

_QUEUE_DEPTH = TaskQueueDepth()
METRICS_REFUSED = (
    "Forbidden: /metrics needs the bearer token (CAUSELOOP_METRICS_TOKEN) or an address in "
    "CAUSELOOP_METRICS_ALLOWED_IPS.\n"
)


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    # A failing probe logged its reason already: Django's handler would add an ERROR line
    # ("Service Unavailable: /readyz") for each of a load balancer's probes besides.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def healthz(_request: HttpRequest) -> HttpResponse:
    """The process is up and answering."""
    return JsonResponse({"status": "ok"})


def readyz(_request: HttpRequest) -> HttpResponse:
    """Ready for traffic: 200 with every check's result, or 503 naming those failing."""
    ready = readiness()
    if ready.failing:
        body = {"status": "failing", "failing": ready.failing, "checks": ready.checks}
        return JsonResponse(body, status=503)
    return JsonResponse({"status": "ok", "checks": ready.checks})


def metrics(request: HttpRequest) -> HttpResponse:
    """Every metric, for a scraper with the token or from an allowed address."""
    if not metrics_allowed(request):
        return HttpResponse(METRICS_REFUSED, status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(exposition(also=[_QUEUE_DEPTH]), content_type=CONTENT_TYPE)


PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": healthz,
    "/readyz": readyz,
    "/metrics": metrics,
}


class ProbeMiddleware:
    """Answers the probe paths (with or without a trailing slash) before any other middleware;
    see the module's docstring for why."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        probe = PROBES.get(path[:-1] if path.endswith("/") and len(path) > 1 else path)
        if probe is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = HttpResponse(
                "Method not allowed: GET or HEAD.\n", status=405, content_type="text/plain"
            )
            response["Allow"] = "GET, HEAD"
            return _no_store(response)
        try:
            return _no_store(probe(request))
        except Exception:
            logger.exception("The probe %s failed", path)
            return _no_store(HttpResponse("Unavailable.\n", status=503, content_type="text/plain"))
