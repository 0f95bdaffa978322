"""Behind PgBouncer in transaction pooling mode (SPEC §12): the row-level-security settings
never pass from one transaction to the next through the pool, what a pooled connection cannot
keep is never used, and the rate limits count exactly in Redis."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory
from rest_framework.test import APIClient

from causeloop.core.crypto import keyed_hash
from causeloop.core.dbsecurity import CURRENT_ORG, CURRENT_USER, PLATFORM
from causeloop.core.errors import RateLimited
from causeloop.core.tenancy import TenancyContextError, enter_platform
from causeloop.web.throttling import limit
from tests.factories import ApiKeyFactory, OrganizationFactory, TemplateFactory
from tests.pooling import pool_of_one, pooled, redis_settings
from tests.security.conftest import APP_ROLE

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def two_tenants(as_app, platform) -> list[dict[str, str]]:
    """Acme and Globex, a template and an API key each (committed)."""
    tenants = []
    with platform():
        for name in ("acme", "globex"):
            organization = OrganizationFactory(slug=name)
            secret = f"{name}_pooled_api_secret"
            ApiKeyFactory(organization=organization, key_hash=keyed_hash(secret))
            template = TemplateFactory(organization=organization)
            tenants.append({"org": organization.pk, "template": template.pk, "key": secret})
    return tenants


@pytest.fixture
def port_of_a_pool_of_one() -> Iterator[int]:
    """A PgBouncer whose pool holds one server connection: every client takes turns on it."""
    with pool_of_one() as port:
        yield port


def _client(port: int) -> psycopg.Connection:
    """The application role through the pool of one, as a plain driver connection (never
    preparing a statement: the pooler could not keep it)."""
    return psycopg.connect(
        host="127.0.0.1",
        port=port,
        dbname=connection.settings_dict["NAME"],
        user=APP_ROLE[0],
        password=APP_ROLE[1],
        autocommit=True,
        prepare_threshold=None,
    )


LOOK = (
    "SELECT pg_backend_pid(), coalesce(current_setting(%s, true), ''), "
    "coalesce(current_setting(%s, true), ''), coalesce(current_setting(%s, true), ''), "
    "ARRAY(SELECT id FROM organizations_template ORDER BY id)"
)


def test_consecutive_transactions_of_two_clients_share_a_backend_and_never_a_setting(
    two_tenants, port_of_a_pool_of_one
):
    """Two clients take turns on one server connection: each transaction starts on the same
    backend with no tenant setting and no tenant row, though the one before set them all."""
    clients = [_client(port_of_a_pool_of_one) for _ in two_tenants]
    backends = set()
    try:
        for turn in range(4):
            client, tenant = clients[turn % 2], two_tenants[turn % 2]
            with client.transaction():
                backend, *settings, visible = client.execute(
                    LOOK, [CURRENT_ORG, CURRENT_USER, PLATFORM]
                ).fetchone()
                assert (settings, visible) == (["", "", ""], []), f"turn {turn}"
                client.execute(
                    "SELECT set_config(%s, %s, true), set_config(%s, 'someone', true)",
                    [CURRENT_ORG, tenant["org"], CURRENT_USER],
                )
                own = client.execute(LOOK, [CURRENT_ORG, CURRENT_USER, PLATFORM]).fetchone()[-1]
                assert own == [tenant["template"]]
                # The widest context there is, left behind for whoever comes next.
                client.execute("SELECT set_config(%s, 'on', true)", [PLATFORM])
            backends.add(backend)
    finally:
        for client in clients:
            client.close()
    assert len(backends) == 1


def test_two_tenants_requests_interleaved_on_one_server_connection_see_only_their_own(
    two_tenants, port_of_a_pool_of_one
):
    """Each tenant's API key lists its templates in turn with the other's, every request a
    transaction on the one server connection: each sees its own template, every time, and
    leaves no setting behind on the connection."""
    turns = [threading.Semaphore(1), threading.Semaphore(0)]
    seen: dict[int, list[tuple[int, list[str], list[str]]]] = {0: [], 1: []}
    backends = set()

    def requests_of(number: int) -> None:
        tenant = two_tenants[number]
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tenant['key']}")
        probe = _client(port_of_a_pool_of_one)
        try:
            for _ in range(3):
                assert turns[number].acquire(timeout=60)
                try:
                    response = client.get(f"/api/v1/organizations/{tenant['org']}/templates")
                    ids = [row["id"] for row in response.json().get("results", [])]
                    # What the request left on the server connection, for the next client.
                    backend, *left = probe.execute(
                        LOOK, [CURRENT_ORG, CURRENT_USER, PLATFORM]
                    ).fetchone()[:-1]
                    backends.add(backend)
                    seen[number].append((response.status_code, ids, left))
                finally:
                    turns[1 - number].release()
        finally:
            probe.close()
            connection.close()  # this thread's

    with pooled(port=port_of_a_pool_of_one):
        threads = [threading.Thread(target=requests_of, args=(n,)) for n in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert seen == {n: [(200, [two_tenants[n]["template"]], ["", "", ""])] * 3 for n in (0, 1)}
    assert len(backends) == 1


def test_behind_a_transaction_pooler_a_session_wide_context_is_refused(monkeypatch):
    """Outside a transaction a context would hold for the session, which the pooler shares:
    refused, and a command says to connect to PostgreSQL directly."""
    monkeypatch.setitem(connection.settings_dict, "POOL_MODE", "transaction")
    with pytest.raises(TenancyContextError, match="against PostgreSQL directly"):
        enter_platform()
    with pytest.raises(CommandError, match="against PostgreSQL directly"):
        call_command("show_client", "acme")


def test_behind_a_transaction_pooler_no_statement_is_prepared_and_no_cursor_kept():
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; "
            "db = settings.DATABASES['default']; "
            "print(db['OPTIONS'].get('prepare_threshold'), db['DISABLE_SERVER_SIDE_CURSORS'], "
            "settings.SESSION_ENGINE, settings.CACHES['default']['KEY_PREFIX'])",
        ],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "causeloop.settings",
            "DEBUG": "true",
            "DATABASE_URL": "postgres://causeloop_app:secret@127.0.0.1:6432/causeloop",
            "DATABASE_POOL_MODE": "transaction",
            "CACHE_URL": "redis://127.0.0.1:6379/0",
            "CACHE_KEY_PREFIX": "causeloop",
            "SESSION_ENGINE": "cache",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.split() == [
        "None",
        "True",
        "django.contrib.sessions.backends.cache",
        "causeloop",
    ]


@pytest.mark.xdist_group("many_connections")  # a connection per thread
def test_rate_limits_in_redis_let_exactly_the_allowance_through_concurrent_attempts():
    """Thirty sign-ups from one address at once, against ten a minute: ten pass, whichever
    app process or thread counts them (the counter is Redis's, locked with SET NX)."""
    with redis_settings(prefix="test:concurrent-limits"):
        cache.clear()
        start = threading.Barrier(30)

        def attempt(_: int) -> bool:
            request = RequestFactory().post("/signup/", REMOTE_ADDR="203.0.113.9")
            start.wait(timeout=30)
            try:
                limit(request, "signup")
            except RateLimited:
                return False
            return True

        try:
            with ThreadPoolExecutor(max_workers=30) as pool:
                passed = sum(pool.map(attempt, range(30)))
        finally:
            cache.clear()
    assert passed == 10
