"""Faults: the database going away mid-request, and coming back."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection, connections
from django.test import Client
from django.test.testcases import LiveServerThread, _StaticFilesHandler

from causeloop.core.tenancy import platform_work
from organizations.models import Template
from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.urls("tests.security.urls"), pytest.mark.usefixtures("as_app")]


def _superuser_dsn() -> str:
    """The server's maintenance database, as the superuser the suite runs as."""
    settings = connection.settings_dict
    return (
        f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} "
        "dbname=postgres user=postgres"
    )


@pytest.mark.parametrize("path", ["/fault/api-write", "/fault/page-write"])
def test_losing_the_database_mid_request_is_a_503_and_writes_nothing(path):
    with platform_work():
        organization = OrganizationFactory()
    client = Client(raise_request_exception=False)
    if path.startswith("/fault/api"):
        response = client.post(
            path, {"organization": organization.pk}, content_type="application/json"
        )
    else:
        response = client.post(path, {"organization": organization.pk})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "service_unavailable"
    assert set(response.json()["error"]) == {"code", "message", "fields", "request_id"}
    connection.close()
    with platform_work():  # a fresh connection: nothing of that request was committed
        assert not Template.objects.filter(name="half-written").exists()


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def app_server() -> Iterator[str]:
    """The app served over HTTP from a thread with its own connections (Django's live-server
    thread, run here so that its end stays inside this module's fixtures)."""
    server = LiveServerThread("127.0.0.1", _StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait(timeout=10)
    if server.error:
        raise server.error
    yield f"http://127.0.0.1:{server.port}"
    server.terminate()


def test_the_app_answers_503_while_the_database_is_down_and_recovers_by_itself(app_server):
    with platform_work():
        OrganizationFactory()
    url = f"{app_server}/fault/ping"
    assert _get(url) == (200, {"organizations": 1})
    name = connection.settings_dict["NAME"]
    with psycopg.connect(_superuser_dsn(), autocommit=True) as admin:
        # The database goes away: no new connections, and every open one is cut.
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            status, body = _get(url)
            assert status == 503
            assert body["error"]["code"] == "service_unavailable"
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    # The database is back: the next request reconnects (CONN_HEALTH_CHECKS), no restart.
    assert _get(url) == (200, {"organizations": 1})
    # A persistent connection cut between two requests: the health check at the start of the
    # next request notices and reconnects, so the request itself never sees the dead one.
    with psycopg.connect(_superuser_dsn(), autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
    assert _get(url) == (200, {"organizations": 1})
    connections.close_all()  # this thread's connection was cut too
