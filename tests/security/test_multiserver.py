"""Two gunicorn servers on one database under a mixed loopback load (a bounded run of
benchmarks/multiserver.py): no errors, and every acknowledged write stored exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
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
