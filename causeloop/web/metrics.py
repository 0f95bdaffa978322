"""Request metrics, the task queue's depth, and who may read `/metrics` (SPEC §12).

The metric objects live in `causeloop.core.metrics`; this module counts requests into them
(`RequestMetricsMiddleware`), reads the queue at scrape time (`TaskQueueDepth`) and decides who
may scrape (`metrics_allowed`). `causeloop.web.probes` serves the endpoint.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import Error, connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.tasks import TaskResultStatus, task_backends
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from causeloop.core.metrics import UNMATCHED_ROUTE, method_label, request_observed
from causeloop.core.ratelimits import client_address
from causeloop.core.tenancy import platform_work

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class _QueryCounter:
    """An execute wrapper that counts the queries run through it."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class RequestMetricsMiddleware:
    """Counts every request it sees by method, URL pattern and status, with its duration and
    its database queries. Placed right after `causeloop.web.probes.ProbeMiddleware`, so the
    health probes and `/metrics` are not counted, and before everything else, so a redirect
    to HTTPS or a refused host is. It adds no query: the route is the resolver's match."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        queries = _QueryCounter()
        with connection.execute_wrapper(queries):
            response = self.get_response(request)
        match = request.resolver_match
        request_observed(
            method=method_label(request.method),
            route=match.route if match is not None and match.route else UNMATCHED_ROUTE,
            status=response.status_code,
            seconds=time.perf_counter() - started,
            queries=queries.count,
        )
        return response


class TaskQueueDepth(Collector):
    """`causeloop_task_queue_depth{queue}`: the tasks ready to run in django-tasks-db's table,
    read at scrape time (one count over its partial index of ready tasks). No series unless
    `TASKS_BACKEND=database`."""

    def collect(self) -> Iterator[Metric]:
        backend = task_backends["default"]
        if not isinstance(backend, DatabaseBackend):
            return
        try:
            with platform_work():
                counted = dict(
                    DBTaskResult.objects.filter(
                        status=TaskResultStatus.READY, backend_name=backend.alias
                    )
                    .values_list("queue_name")
                    .annotate(tasks=Count("id"))
                    .order_by()
                )
        except Error:
            logger.exception("The task queue's depth could not be read")
            return
        family = GaugeMetricFamily(
            "causeloop_task_queue_depth",
            "Tasks ready to run, waiting for a worker, by queue (TASKS_BACKEND=database).",
            labels=["queue"],
        )
        for queue in sorted(set(backend.queues) | set(counted)):
            family.add_metric([queue], counted.get(queue, 0))
        yield family


@lru_cache(maxsize=4)
def _networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values if value)


def _address_allowed(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
        networks = _networks(tuple(settings.CAUSELOOP_METRICS_ALLOWED_IPS))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # a dual-stack server's view of an IPv4 client
    return any(ip in network for network in networks)


def metrics_allowed(request: HttpRequest) -> bool:
    """The scraper showed `Authorization: Bearer <CAUSELOOP_METRICS_TOKEN>` (when one is set;
    compared in constant time), or comes from an address in `CAUSELOOP_METRICS_ALLOWED_IPS`
    (the client's address as the rate limits see it, behind `CAUSELOOP_TRUSTED_PROXIES`)."""
    token = settings.CAUSELOOP_METRICS_TOKEN
    if token:
        scheme, _, given = str(request.META.get("HTTP_AUTHORIZATION", "")).partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            return True
    return _address_allowed(client_address(request))
