"""Fixtures for tests that commit for real (subprocesses and concurrent connections)."""

import os
import sys
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from zeal import zeal_ignore

ROOT = Path(__file__).resolve().parents[2]


def _seed_plans() -> None:
    import_module("organizations.migrations.0002_seed_plans").seed(apps, None)


@pytest.fixture
def committed_db(transactional_db, django_db_blocker) -> Iterator[None]:
    """Real commits that other connections see; the flush at the end empties every table, the
    plans' reference rows included, so they are seeded before and after."""
    with django_db_blocker.unblock(), zeal_ignore():
        _seed_plans()
    yield
    with django_db_blocker.unblock(), zeal_ignore():
        _seed_plans()


@pytest.fixture
def manage(committed_db):
    """`manage(*args, input=None)` runs `manage.py` in a subprocess on the test database."""
    import subprocess

    database = settings.DATABASES["default"]
    url = "postgres://{user}{password}@{host}:{port}/{name}".format(
        user=database["USER"] or "postgres",
        password=f":{database['PASSWORD']}" if database["PASSWORD"] else "",
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        name=database["NAME"],
    )
    env = {**os.environ, "DATABASE_URL": url, "CAUSELOOP_ZEAL": "false"}

    def run(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=env,
            cwd=ROOT,
            input=input,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return run
