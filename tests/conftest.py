"""Shared fixtures. N+1 detection (django-zeal) is on for every test."""

import subprocess
import time
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from pytest_django.plugin import blocking_manager_key
from zeal import zeal_context, zeal_ignore

from memberships.models import User
from organizations.roles import Role
from tests.app_role import APP_ROLE
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.pooling import pooled

ROOT = Path(__file__).resolve().parents[1]

# Every log line of the run goes to var/test-logs/; a secret the suite made found there fails it.
pytest_plugins = ["tests.secret_leaks"]


@pytest.fixture(autouse=True)
def _detect_n_plus_one():
    with zeal_context():
        yield


@pytest.fixture(scope="session", autouse=True)
def _requests_run_as_the_application_role(django_db_setup, django_db_blocker):
    """On PostgreSQL every request runs as `causeloop_app`, so row-level security applies to
    each API and page test (see tests/app_role.py)."""
    # A run of tests that need no database sets up none (the connection still names the real one).
    if connection.vendor != "postgresql" or not connection.settings_dict["NAME"].startswith(
        "test_"
    ):
        yield
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE])
        if cursor.fetchone() is None:
            subprocess.run(
                ["bash", str(ROOT / ".ci" / "db-roles.sh")], check=True, capture_output=True
            )
        cursor.execute(
            f"GRANT USAGE ON SCHEMA public TO {APP_ROLE};"
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE};"
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE};"
            # Audit rows are append-only for the application (SPEC §8), as in production.
            f"REVOKE UPDATE, DELETE, TRUNCATE ON organizations_auditlog FROM {APP_ROLE};"
        )
    middleware = ["tests.app_role.ApplicationRoleMiddleware", *django_settings.MIDDLEWARE]
    with override_settings(MIDDLEWARE=middleware):
        yield


@pytest.fixture(scope="module")
def _pooled_module(django_db_setup) -> Iterator[None]:
    with pooled():
        yield


@pytest.fixture
def through_pgbouncer_and_redis(_pooled_module) -> None:
    """The test runs as production does behind PgBouncer (transaction pooling) with Redis for
    the cache, rate limits and sessions (tests/pooling.py); it starts with no counter of an
    earlier test, as each test's rolled-back database cache would."""
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The default hasher costs ~0.5 s per factory user on a small machine.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def organization(db):
    return OrganizationFactory()


@pytest.fixture
def other_organization(db):
    return OrganizationFactory()


@pytest.fixture
def make_member(db):
    """`make_member(org, role)` → a new user with that role in `org` (their active org)."""

    def make(organization, role=Role.MEMBER, **user_fields):
        user = UserFactory(**user_fields)
        MembershipFactory(user=user, organization=organization, role=role, is_active=True)
        return user

    return make


@pytest.fixture
def owner(organization, make_member):
    return make_member(organization, Role.OWNER)


@pytest.fixture
def admin_user(organization, make_member):
    return make_member(organization, Role.ADMIN)


@pytest.fixture
def analyst(organization, make_member):
    return make_member(organization, Role.ANALYST)


@pytest.fixture
def member(organization, make_member):
    return make_member(organization, Role.MEMBER)


def _seed_plans() -> None:
    with zeal_ignore():
        import_module("organizations.migrations.0002_seed_plans").seed(apps, None)


@pytest.fixture
def _reseed_plans(django_db_blocker) -> None:
    """The plans' reference rows, whatever ran before (a transactional test's flush empties
    every table; `pytest_runtest_teardown` puts them back after it)."""
    with django_db_blocker.unblock():
        _seed_plans()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After a transactional test's flush (the last of its teardown, after every fixture's),
    the plans' reference rows go back, so the next test finds them as migrations left them."""
    result = yield
    transactional = {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
    # After the session's last test the test database is gone: nothing to put back.
    if transactional and nextitem is not None:
        with item.config.stash[blocking_manager_key].unblock():
            _seed_plans()
    return result


@pytest.fixture
def live_url(live_server, _reseed_plans, transactional_db) -> Iterator[str]:
    """The live server's base URL over a database that really commits, with no rate-limit
    counter of an earlier test. Afterwards it waits for the server's requests still in flight
    (a page's last navigation can outlive the test): the flush that empties the tables must
    not race them, or PostgreSQL breaks the deadlock by cancelling the flush."""
    cache.clear()
    yield live_server.url
    _wait_for_other_sessions_to_settle()


def _wait_for_other_sessions_to_settle(timeout: float = 15.0) -> None:
    """Until no other client session of this test database is running a statement or holding
    a transaction open, seen twice in a row (a request between two queries looks idle)."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < 2 and time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                " AND state <> 'idle'"
            )
            (busy,) = cursor.fetchone()
        quiet = quiet + 1 if busy == 0 else 0
        time.sleep(0.05)


@pytest.fixture
def committed_db(_reseed_plans, transactional_db) -> None:
    """Real commits (other connections see them), emptied afterwards."""


@pytest.fixture
def operator(db):
    """A platform operator (a superuser) of the Django admin at /platform-admin/."""
    return User.objects.create_superuser("operator@causeloop.test", "operator-password-1")


@pytest.fixture
def staff_client(client, operator):
    """The platform admin, signed in as `operator`. Each request is its own unit for N+1
    detection (the session is read once per request, which is no N+1 however many requests a
    test makes)."""
    with zeal_ignore():
        client.force_login(operator)
    send = client.request

    def request(**kwargs):
        with zeal_context():
            return send(**kwargs)

    client.request = request
    return client
