"""Two gunicorn servers on one database: under a mixed loopback load (a bounded run of
benchmarks/multiserver.py) no errors, and every acknowledged write stored exactly once; and the
rate limits counted once across both."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import requests
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


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
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
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
    servers = multiserver.start_servers(database, ports, 1)
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
        with multiserver.superuser("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
