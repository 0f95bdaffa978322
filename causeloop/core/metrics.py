"""The application's Prometheus metrics (SPEC §12), defined once so any layer can count.

The apps import the metric objects from here (a delivery attempt ending, a quota refusal) and
`causeloop.web` serves them at `/metrics` with `exposition()`. Names start with `causeloop_`;
every label takes a bounded set of values (a URL pattern, never a path; a method from a fixed
list; a limit's or an outcome's name).

One process, one set of numbers, unless several processes share a directory: with
`PROMETHEUS_MULTIPROC_DIR` in the environment of every process of a host (each gunicorn worker,
each `manage.py db_worker`), each writes its numbers to files there and a scrape of any of
them sums the lot (prometheus_client's multiprocess mode). The operator must then:

- set it in the environment before the process starts (prometheus_client reads it at import;
  a `.env` beside manage.py also works, since settings load first), to a directory writable by
  every process of the host and private to it (not shared between hosts);
- empty it when the whole set of processes (re)starts, before any of them runs (e.g.
  `ExecStartPre=/bin/sh -c 'rm -rf "$PROMETHEUS_MULTIPROC_DIR"/*'`); files of processes that
  ended keep counting, which is what counters want, so no `child_exit` hook is needed (there is
  no per-process gauge: the task queue depth is read from the database at scrape time).

Without it each process reports only its own numbers: fine for one process, wrong behind a
multi-worker gunicorn, and a worker's deliveries are then never scraped at all.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client import disable_created_metrics as _disable_created_metrics
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
if MULTIPROCESS_DIR:
    # Created before any metric writes its file there (the first labelled value does).
    os.makedirs(MULTIPROCESS_DIR, exist_ok=True)
# A `_created` series beside every counter and histogram would double the series for nothing.
_disable_created_metrics()

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
# What `route` says of a request that matched no URL pattern, so made-up paths never become
# series; its status tells them apart: 404 an unknown path, 400 a refused host, 301 a redirect
# to HTTPS, 200/304 a static file (WhiteNoise answers those before the URLs).
UNMATCHED_ROUTE = "<unmatched>"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_REQUESTS = Counter(
    "causeloop_http_requests_total",
    "HTTP requests answered, by method, URL pattern and status (health probes and /metrics "
    "are not counted).",
    ["method", "route", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "causeloop_http_request_duration_seconds",
    "Time from the first middleware to the response, by method and URL pattern.",
    ["method", "route"],
)
HTTP_REQUEST_DB_QUERIES = Histogram(
    "causeloop_http_request_db_queries",
    "Database queries a request made, by URL pattern.",
    ["route"],
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, float("inf")),
)
WEBHOOK_DELIVERIES = Counter(
    "causeloop_webhook_deliveries_total",
    "Webhook delivery attempts ended, by outcome: succeeded, retrying (failed, another attempt "
    "is due), failed (no attempt left) or lost (the worker making it stopped).",
    ["outcome"],
)
QUOTA_REFUSALS = Counter(
    "causeloop_quota_refusals_total",
    "Run starts refused for an organization's usage limit, by limit: daily, monthly, concurrent.",
    ["limit"],
)


def method_label(method: str | None) -> str:
    """The request's method, or "other" for one outside the usual few (clients invent them)."""
    return method if method in _METHODS else "other"


# Each (method, route, status)'s three series, found once: `labels()` costs more than counting.
_series: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}


def request_observed(*, method: str, route: str, status: int, seconds: float, queries: int) -> None:
    """Count one answered request: its status, its duration and its database queries."""
    key = (method, route, status)
    series = _series.get(key)
    if series is None:
        series = _series.setdefault(
            key,
            (
                HTTP_REQUESTS.labels(method, route, str(status)),
                HTTP_REQUEST_DURATION.labels(method, route),
                HTTP_REQUEST_DB_QUERIES.labels(route),
            ),
        )
    requests, duration, database = series
    requests.inc()
    duration.observe(seconds)
    database.observe(queries)


class _Together(Collector):
    """Several collectors' metrics as one registry's, for one scrape."""

    def __init__(self, sources: Iterable[Collector]) -> None:
        self.sources = list(sources)

    def collect(self) -> Iterator[Metric]:
        for source in self.sources:
            yield from source.collect()


def exposition(*, also: Iterable[Collector] = ()) -> bytes:
    """Every metric in Prometheus' text format: this process's (or, in multiprocess mode,
    every process's of the directory), then those `also` collects at scrape time."""
    if MULTIPROCESS_DIR:
        summed = CollectorRegistry(auto_describe=False)
        MultiProcessCollector(summed, path=MULTIPROCESS_DIR)
        ours: Collector = summed
    else:
        ours = REGISTRY
    return generate_latest(_Together([ours, *also]))
