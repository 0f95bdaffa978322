"""`/healthz` and `/readyz` (SPEC §12): what a load balancer sees when everything is ready,
when the database, the cache, the migrations or the workers are not, and over plain HTTP by
the instance's IP address with HTTPS redirects and a strict host list on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.functions import Now

from webhooks.heartbeat import heartbeat
from webhooks.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_every_probe_answers_over_plain_http_by_ip_with_https_redirects_on(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["causeloop.example.com"]
    by_ip = {"HTTP_HOST": "10.0.3.7", "secure": False}

    ready = client.get("/readyz", **by_ip)
    assert ready.status_code == 200, ready.content
    assert ready.json()["status"] == "ok"
    assert client.get("/healthz", **by_ip).status_code == 200
    assert client.get("/metrics", **by_ip).status_code == 200  # from loopback
    # Any other page by IP is refused (the host check), and over HTTP redirected.
    assert client.get("/login/", **by_ip).status_code == 400
    login = client.get("/login/", HTTP_HOST="causeloop.example.com", secure=False)
    assert login.status_code == 301
    assert login["Location"] == "https://causeloop.example.com/login/"


def test_readyz_reports_each_check_and_workers_are_not_required_without_a_task_queue(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert {name: check["status"] for name, check in checks.items()} == {
        "database": "ok",
        "cache": "ok",
        "migrations": "ok",
        "workers": "not required",
    }
    assert response["Cache-Control"] == "no-store"


def _refuse_every_query(execute, sql, params, many, context):
    raise OperationalError("server closed the connection unexpectedly")


def test_readyz_is_503_naming_the_database_when_it_does_not_answer(client):
    with connection.execute_wrapper(_refuse_every_query):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    # The cache is the database's here; what needs the database is not tried.
    assert body["failing"] == ["database", "cache", "migrations"]
    assert body["checks"]["database"]["message"] == "The database did not answer."
    assert "server closed" not in response.content.decode()  # no driver text leaks out


def test_readyz_is_503_naming_the_cache_when_it_does_not_answer(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["cache"]
    assert response.json()["checks"]["cache"]["message"] == "The cache did not answer."


def test_readyz_is_503_while_a_migration_is_not_applied(client):
    recorder = MigrationRecorder(connection)
    recorder.record_unapplied("webhooks", "0002_worker_heartbeat")

    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["migrations"]
    assert response.json()["checks"]["migrations"]["message"] == "1 migration(s) not applied yet."

    recorder.record_applied("webhooks", "0002_worker_heartbeat")
    assert client.get("/readyz").status_code == 200


def test_readyz_with_a_task_queue_needs_a_worker_seen_lately(client, settings):
    settings.TASKS = DATABASE_TASKS
    settings.CAUSELOOP_WORKER_STALE_SECONDS = 60

    nobody = client.get("/readyz")
    assert nobody.status_code == 503
    assert nobody.json()["failing"] == ["workers"]
    assert nobody.json()["checks"]["workers"]["message"] == "No worker seen in the last 60 seconds."

    heartbeat(worker="worker-1")
    assert client.get("/readyz").json()["checks"]["workers"]["status"] == "ok"

    WorkerHeartbeat.objects.update(seen_at=Now() - timedelta(seconds=61))
    assert client.get("/readyz").status_code == 503
