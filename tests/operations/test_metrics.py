"""`/metrics` (SPEC §12): who may scrape it, and what a scrape parsed as Prometheus parses it
shows of the requests, their queries, quota refusals, webhook deliveries and the task queue."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import resolve
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from organizations.events import emit
from organizations.roles import Role
from tests.api.conftest import token_client
from tests.operations.conftest import value
from webhooks.attempts import attempt
from webhooks.models import WebhookDelivery
from webhooks.services.endpoints import endpoint_create
from webhooks.tasks import deliver

pytestmark = pytest.mark.django_db
OUTSIDER = "203.0.113.9"
ROOT = Path(__file__).resolve().parents[2]


def test_metrics_are_refused_without_the_token_from_elsewhere_and_given_with_it(client, settings):
    settings.CAUSELOOP_METRICS_TOKEN = "scrape-token-0123456789"

    refused = client.get("/metrics", REMOTE_ADDR=OUTSIDER)
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("text/plain")
    assert "bearer token" in refused.content.decode()
    wrong = client.get("/metrics", REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION="Bearer guess")
    assert wrong.status_code == 403

    token = "Bearer scrape-token-0123456789"
    allowed = client.get("/metrics", REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION=token)
    assert allowed.status_code == 200
    assert b"# TYPE causeloop_http_requests_total counter" in allowed.content
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    # Behind a proxy on loopback, the address that counts is the client's it forwards.
    settings.CAUSELOOP_TRUSTED_PROXIES = 1
    proxied = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDER)
    assert proxied.status_code == 403


def test_a_scrape_counts_requests_by_route_and_status_with_latency_queries_and_refusals(
    scrape, organization, member
):
    path = f"/api/v1/organizations/{organization.pk}/runs"
    route = resolve(path).route
    assert organization.pk not in route  # the pattern, never the path
    api = token_client(member)
    before = scrape()

    assert api.post(path, {}, format="json").status_code == 201
    refused = api.post(path, {}, format="json")  # the free plan runs one at a time
    assert refused.status_code == 429
    assert api.get(path).status_code == 200
    after = scrape()

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "causeloop_http_requests_total"
    assert grew(requests, method="POST", route=route, status="201") == 1
    assert grew(requests, method="POST", route=route, status="429") == 1
    assert grew(requests, method="GET", route=route, status="200") == 1
    latency = "causeloop_http_request_duration_seconds"
    assert grew(f"{latency}_count", method="POST", route=route) == 2
    assert grew(f"{latency}_bucket", method="POST", route=route, le="+Inf") == 2
    assert grew(f"{latency}_bucket", method="POST", route=route, le="10.0") == 2
    assert grew(f"{latency}_sum", method="POST", route=route) > 0
    queries = "causeloop_http_request_db_queries"
    assert grew(f"{queries}_count", route=route) == 3
    assert grew(f"{queries}_sum", route=route) >= 3  # each request reads its caller at least
    assert grew(f"{queries}_bucket", route=route, le="0.0") == 0
    assert grew("causeloop_quota_refusals_total", limit="concurrent") == 1
    # Neither the scrapes nor the probes are counted, nor does any path become a label.
    assert not [key for key in after if "/metrics" in str(key) or organization.pk in str(key)]


def test_a_webhook_delivery_attempt_is_counted_by_its_outcome(
    scrape, settings, organization, make_member
):
    settings.CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE = True
    admin = make_member(organization, Role.ADMIN)
    # Nothing listens on port 1: the attempt gets no answer, and another is due later.
    endpoint, _secret = endpoint_create(
        organization=organization, actor=admin, url="http://127.0.0.1:1/hooks"
    )
    event = emit(organization.pk, type="member.invited", data={"email": "new@example.com"})
    delivery = WebhookDelivery.objects.create(
        organization=organization, endpoint=endpoint, event=event, next_attempt_at=timezone.now()
    )
    before = scrape()

    assert attempt(delivery.pk) == "retrying"

    grown = value(scrape(), "causeloop_webhook_deliveries_total", outcome="retrying")
    assert grown - value(before, "causeloop_webhook_deliveries_total", outcome="retrying") == 1


def test_the_task_queue_depth_is_read_at_scrape_time_with_a_database_queue(scrape, settings):
    depth = "causeloop_task_queue_depth"
    assert not [key for key in scrape() if key[0] == depth]  # no queue, no series

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert value(scrape(), depth, queue="default") == 0
    deliver.enqueue(["dlv_queued"])
    deliver.enqueue(["dlv_queued_too"])
    assert value(scrape(), depth, queue="default") == 2


def test_with_a_multiprocess_directory_a_scrape_sums_every_process(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}

    def python(code):
        return subprocess.Popen(
            [sys.executable, "-c", f"from causeloop.core import metrics; {code}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )

    counting = [python("metrics.QUOTA_REFUSALS.labels('daily').inc()") for _ in range(2)]
    assert [process.wait(timeout=30) for process in counting] == [0, 0]
    scraping = python("print(metrics.exposition().decode())")
    text, _ = scraping.communicate(timeout=30)

    samples = {
        (sample.name, tuple(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert samples[("causeloop_quota_refusals_total", (("limit", "daily"),))] == 2
