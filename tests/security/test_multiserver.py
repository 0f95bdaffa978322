"""Two gunicorn servers on one database, as production runs N app processes: through PgBouncer
in transaction pooling mode, with the cache, rate limits and sessions in Redis (SPEC §12). Under
a mixed loopback load (a bounded run of benchmarks/multiserver.py) no errors, and every
acknowledged write stored exactly once; the rate limits counted once across both; and a run
quota exact across both."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
# App servers and threads with a connection each: never beside another such test.
pytestmark = pytest.mark.xdist_group("many_connections")


@pytest.mark.slow
def test_two_app_servers_on_one_database_lose_and_duplicate_nothing(db, rls_database):
    settings = connection.settings_dict
    env = {
        **os.environ,
        "PGHOST": settings.get("HOST") or "127.0.0.1",
        "PGPORT": str(settings.get("PORT") or 5432),
    }
    result = subprocess.run(
        [
            sys.executable,
            "benchmarks/multiserver.py",
            "--clients",
            "4",
            "--ops",
            "8",
            "--contended",
            "2",
            "--workers",
            "1",
            "--ports",
            "18321,18322",
            "--database",
            f"{settings['NAME']}_multiserver",
            "--pooled",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "through PgBouncer and Redis" in result.stdout
    assert "errors 0; count mismatches 0" in result.stdout


def _multiserver(monkeypatch) -> ModuleType:
    """benchmarks/multiserver.py (a script, not a package): its database and server helpers."""
    settings = connection.settings_dict
    monkeypatch.setenv("PGHOST", settings.get("HOST") or "127.0.0.1")
    monkeypatch.setenv("PGPORT", str(settings.get("PORT") or 5432))
    spec = importlib.util.spec_from_file_location(
        "multiserver", ROOT / "benchmarks" / "multiserver.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


@pytest.mark.slow
def test_rate_limits_are_counted_once_across_two_app_servers(db, rls_database, monkeypatch):
    """Two gunicorn processes as the application role: requests split between them are refused
    after the documented limit, not twice it, and a forged X-Forwarded-For changes nothing."""
    multiserver = _multiserver(monkeypatch)
    database = f"{connection.settings_dict['NAME']}_limits"
    multiserver.prepare(database)
    ports = _free_ports(2)  # others may run this suite on the same machine
    servers = multiserver.start_servers(database, ports, 1, pooled=True)
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    operator, password = multiserver.OPERATOR
    try:
        guesses = [
            requests.post(
                f"{bases[n % 2]}/api/v1/auth/tokens",
                json={"email": operator, "password": f"wrong-{n}"},
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
                timeout=60,
            ).status_code
            for n in range(8)
        ]
        assert guesses == [401] * 5 + [429] * 3  # five per account in five minutes

        sign_ups = [
            requests.post(
                f"{bases[n % 2]}/api/v1/auth/register",
                json={"email": f"new{n}@example.com", "password": "a-long-unusual-passphrase-42"},
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
                timeout=60,
            ).status_code
            for n in range(12)
        ]
        assert sign_ups == [201] * 10 + [429] * 2  # ten per address a minute

        # The platform admin's login, on the other server, spends the same guesses.
        session = requests.Session()
        login = f"{bases[1]}/platform-admin/login/"
        refused = session.post(
            login,
            data={
                "username": operator,
                "password": password,
                "csrfmiddlewaretoken": multiserver.csrf_token(session, login),
                "next": "/platform-admin/",
            },
            allow_redirects=False,
            timeout=60,
        )
        assert refused.status_code == 200
        assert "Too many failed login attempts" in refused.text
    finally:
        multiserver.stop_servers(servers)
        multiserver.drop(database)


SEED_QUOTA = """
from causeloop.core.tenancy import enter_platform
from onboarding.services.onboard import OnboardRequest, onboard_with_api_key
from organizations.models import Organization
from organizations.services.plans import limits_override

enter_platform()
result, key = onboard_with_api_key(
    request=OnboardRequest(
        org_name="Quota Corp", org_slug="quota", owner_email="owner@quota.test", plan="growth",
        send_welcome_email=False,
    )
)
limits_override(
    organization=Organization.objects.get(pk=result.org_id),
    limits={"daily": 10, "monthly": 1000, "concurrent": 1000},
)
print(result.org_id, key)
"""


def _seed_quota(multiserver: ModuleType, database: str) -> tuple[str, str]:
    """Organization `quota` with ten runs a day and its API key, made by the services."""
    seeded = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SEED_QUOTA],
        cwd=ROOT,
        env={
            **multiserver.server_env(database),  # the servers' master key hashes the API key
            "DATABASE_URL": multiserver.db_url(multiserver.OWNER, database),
            "EMAIL_URL": "dummymail://",
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    org_id, key = seeded.stdout.split()[-2:]
    return org_id, key


def _simultaneous_starts(ports: list[int], org_id: str, key: str, count: int) -> list[Any]:
    """`count` starts released at the same instant, alternating between the servers."""
    barrier = threading.Barrier(count)

    def start(n: int) -> requests.Response:
        barrier.wait(timeout=60)
        return requests.post(
            f"http://127.0.0.1:{ports[n % len(ports)]}/api/v1/organizations/{org_id}/runs",
            json={},
            headers={"Authorization": f"Bearer {key}"},
            timeout=120,
        )

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(start, range(count)))


@pytest.mark.slow
def test_thirty_simultaneous_starts_across_two_app_servers_take_exactly_the_ten_left(
    db, rls_database, monkeypatch
):
    """§9: a limit is exact in any number of app processes. Thirty `POST …/runs` with one API
    key, released at once and split between two gunicorn servers, against a daily allowance
    of ten: ten 201s and twenty 429 `quota_exceeded` naming the daily limit.

    Needs the runs API (`POST /api/v1/organizations/{org}/runs`), written on its own branch."""
    multiserver = _multiserver(monkeypatch)
    database = f"{connection.settings_dict['NAME']}_quota"
    multiserver.prepare(database)
    try:
        org_id, key = _seed_quota(multiserver, database)
        ports = _free_ports(2)
        servers = multiserver.start_servers(database, ports, 2, pooled=True)
        try:
            responses = _simultaneous_starts(ports, org_id, key, 30)
        finally:
            multiserver.stop_servers(servers)

        statuses = Counter(response.status_code for response in responses)
        assert statuses == Counter({201: 10, 429: 20}), [r.text[:200] for r in responses]
        for response in responses:
            if response.status_code == 429:
                error = response.json()["error"]
                assert (error["code"], error["fields"]["limit"]) == ("quota_exceeded", "daily")
                assert 0 < int(response.headers["Retry-After"]) <= 86400
        with multiserver.superuser(database) as admin:
            runs = admin.execute(
                "SELECT count(*) FROM organizations_run WHERE organization_id = %s", [org_id]
            ).fetchone()
            counted = admin.execute(
                "SELECT sum(runs) FROM organizations_usageday WHERE organization_id = %s", [org_id]
            ).fetchone()
        assert runs == (10,)
        assert counted == (10,)
    finally:
        multiserver.drop(database)
