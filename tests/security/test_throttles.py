"""Rate limits: one policy (`causeloop.core.ratelimits`) for the pages, the API and the platform
admin's login, counted per client address and per account; a forged `X-Forwarded-For` changes
nothing unless `CAUSELOOP_TRUSTED_PROXIES` says proxies stand in front; invitation mails are
limited too (tests/security/test_invitation_limits.py). Two app processes share the counters:
tests/security/test_multiserver.py."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from itertools import count
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.test import APIClient

from causeloop.core.ratelimits import client_address
from memberships.models import Membership, User
from organizations.models import AuditLog
from organizations.roles import Role
from tests.api.conftest import token_client
from tests.factories import (
    InviteCodeFactory,
    OrganizationFactory,
    UserFactory,
    member_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_no_zeal", "_fresh_rate_limits")]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"  # the factories' password
STRONG = "a-long-and-unusual-passphrase-42"
forged = (f"198.51.100.{n % 250}" for n in count(1))  # a new "client" for every request


def _error_code(response) -> str:
    return response.json()["error"]["code"]


def _token_attempt(client, email: str, password: str, **extra):
    return client.post(
        "/api/v1/auth/tokens", {"email": email, "password": password}, format="json", **extra
    )


def _register(client, email: str, **extra):
    return client.post(
        "/api/v1/auth/register", {"email": email, "password": STRONG}, format="json", **extra
    )


# --- the client's address -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.1, 203.0.113.2", "10.0.0.9"),  # no proxy: the header is the client's
        (1, "203.0.113.1, 203.0.113.2", "203.0.113.2"),  # the one our proxy appended
        (2, "203.0.113.1, 203.0.113.2", "203.0.113.1"),
        (3, "203.0.113.1, 203.0.113.2", "10.0.0.9"),  # fewer entries than proxies
        (1, "", "10.0.0.9"),
        (1, "203.0.113.1, not-an-address", "10.0.0.9"),
    ],
)
def test_the_client_address_trusts_only_what_the_configured_proxies_wrote(
    settings, proxies, forwarded, expected
):
    settings.CAUSELOOP_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_rotating_x_forwarded_for_does_not_bypass_the_registration_limit():
    client = APIClient()
    for n in range(10):
        created = _register(client, f"new{n}@example.com", HTTP_X_FORWARDED_FOR=next(forged))
        assert created.status_code == 201, created.content
    refused = _register(client, "late@example.com", HTTP_X_FORWARDED_FOR=next(forged))
    assert refused.status_code == 429
    assert _error_code(refused) == "rate_limited"
    assert 0 < int(refused["Retry-After"]) <= 60
    assert not User.objects.filter(email="late@example.com").exists()


def test_rotating_x_forwarded_for_does_not_bypass_the_password_guesses_per_address():
    client = APIClient()
    for n in range(10):
        UserFactory(email=f"victim{n}@example.com")
        guess = _token_attempt(
            client, f"victim{n}@example.com", "wrong", HTTP_X_FORWARDED_FOR=next(forged)
        )
        assert guess.status_code == 401
    UserFactory(email="victim-late@example.com")
    refused = _token_attempt(
        client, "victim-late@example.com", PASSWORD, HTTP_X_FORWARDED_FOR=next(forged)
    )
    assert refused.status_code == 429
    assert _error_code(refused) == "rate_limited"


def test_behind_one_trusted_proxy_the_address_it_saw_is_the_one_limited(settings):
    settings.CAUSELOOP_TRUSTED_PROXIES = 1
    client = APIClient()
    for n in range(10):
        # The client forges the left part; the proxy appends the address it saw.
        chain = f"{next(forged)}, 203.0.113.7"
        assert _register(client, f"new{n}@example.com", HTTP_X_FORWARDED_FOR=chain).status_code
    same_client = _register(
        client, "again@example.com", HTTP_X_FORWARDED_FOR=f"{next(forged)}, 203.0.113.7"
    )
    assert same_client.status_code == 429
    another_client = _register(
        client, "other@example.com", HTTP_X_FORWARDED_FOR="203.0.113.7, 203.0.113.8"
    )
    assert another_client.status_code == 201


def test_the_audit_trail_records_the_address_the_trusted_proxy_saw(settings):
    organization = OrganizationFactory()
    admin = token_client(member_of(organization, Role.ADMIN))
    url = f"/api/v1/organizations/{organization.pk}/invitations"
    forged_only = admin.post(
        url, {"email": "a@example.com"}, format="json", HTTP_X_FORWARDED_FOR="198.51.100.1"
    )
    settings.CAUSELOOP_TRUSTED_PROXIES = 1
    proxied = admin.post(
        url,
        {"email": "b@example.com"},
        format="json",
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7",
    )
    assert (forged_only.status_code, proxied.status_code) == (201, 201)
    addresses = dict(
        AuditLog.objects.filter(action="member.invited").values_list("target_id", "ip_address")
    )
    assert addresses[forged_only.json()["id"]] == "127.0.0.1"
    assert addresses[proxied.json()["id"]] == "203.0.113.7"


# --- password guesses: login page, API, platform admin ---------------------------------------


def test_api_tokens_allow_five_wrong_passwords_per_account_in_five_minutes():
    UserFactory(email="me@example.com")
    client = APIClient()
    guesses = [
        _token_attempt(client, "me@example.com", f"wrong-{n}", REMOTE_ADDR=f"203.0.113.{n}")
        for n in range(5)
    ]
    assert [guess.status_code for guess in guesses] == [401] * 5
    # The account has no guesses left, whatever the address, even with the right password.
    refused = _token_attempt(client, "ME@example.com ", PASSWORD, REMOTE_ADDR="203.0.113.99")
    assert refused.status_code == 429
    assert _error_code(refused) == "rate_limited"
    assert 240 <= int(refused["Retry-After"]) <= 300


def test_a_right_password_gives_its_guess_back():
    UserFactory(email="me@example.com")
    client = APIClient()
    for _ in range(4):
        assert _token_attempt(client, "me@example.com", "wrong").status_code == 401
    for _ in range(3):
        assert _token_attempt(client, "me@example.com", PASSWORD).status_code == 201
    assert _token_attempt(client, "me@example.com", "wrong").status_code == 401
    assert _token_attempt(client, "me@example.com", PASSWORD).status_code == 429


def test_the_login_page_the_api_and_the_admin_login_share_one_allowance(client):
    UserFactory(email="staff@example.com", is_staff=True)
    for n in range(2):
        page = client.post("/login/", {"login": "staff@example.com", "password": f"wrong-{n}"})
        assert page.status_code == 200
        assert page.context["form"].errors
    for n in range(2):
        assert _token_attempt(APIClient(), "staff@example.com", f"nope-{n}").status_code == 401
    admin = client.post(
        "/platform-admin/login/", {"username": "staff@example.com", "password": "wrong-again"}
    )
    assert admin.status_code == 200
    assert _token_attempt(APIClient(), "staff@example.com", PASSWORD).status_code == 429
    page = client.post("/login/", {"login": "staff@example.com", "password": PASSWORD})
    assert b"Too many failed login attempts" in page.content
    assert "_auth_user_id" not in client.session


def test_the_platform_admin_login_locks_after_the_limit(client):
    UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    for n in range(25):
        client.post(
            "/platform-admin/login/",
            {"username": "root@example.com", "password": f"guess-{n}"},
            REMOTE_ADDR=f"203.0.113.{n}",
        )
    right = client.post(
        "/platform-admin/login/",
        {"username": "root@example.com", "password": PASSWORD, "next": "/platform-admin/"},
    )
    assert right.status_code == 200
    assert b"Too many failed login attempts" in right.content
    assert "_auth_user_id" not in client.session
    assert client.get("/platform-admin/").status_code == 302  # still the login page


def test_the_platform_admin_login_still_signs_operators_in(client):
    UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    wrong = client.post(
        "/platform-admin/login/", {"username": "root@example.com", "password": "nope"}
    )
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    right = client.post(
        "/platform-admin/login/",
        {"username": "ROOT@example.com", "password": PASSWORD, "next": "/platform-admin/"},
    )
    assert right.status_code == 302
    assert client.get("/platform-admin/").status_code == 200


def test_sign_ups_on_the_page_and_the_api_share_one_allowance_per_address(client):
    for n in range(5):
        page = client.post("/signup/", {"email": f"page{n}@example.com", "password1": STRONG})
        assert page.status_code == 302
        client.post("/logout/")
    for n in range(5):
        assert _register(APIClient(), f"api{n}@example.com").status_code == 201
    refused = client.post("/signup/", {"email": "late@example.com", "password1": STRONG})
    assert refused.status_code == 429
    assert b"Too many attempts" in refused.content
    assert _register(APIClient(), "late@example.com").status_code == 429
    assert not User.objects.filter(email="late@example.com").exists()


# --- joining ----------------------------------------------------------------------------------


def test_invite_code_guesses_are_limited_on_the_api_and_the_wizard_together(client):
    user = UserFactory()
    api = token_client(user)
    for n in range(30):
        assert api.post(f"/api/v1/invite-codes/WRONG{n:03d}/join").status_code == 404
    code = InviteCodeFactory()
    refused = api.post(f"/api/v1/invite-codes/{code.code}/join")
    assert refused.status_code == 429
    client.force_login(user)
    page = client.post("/onboarding/organization/", {"action": "join", "code": code.code})
    assert b"Too many attempts" in page.content
    assert not Membership.objects.filter(user=user).exists()


def test_api_errors_keep_the_error_shape_when_limited():
    UserFactory(email="me@example.com")
    client = APIClient()
    for _ in range(5):
        _token_attempt(client, "me@example.com", "wrong")
    refused = _token_attempt(client, "me@example.com", "wrong")
    body = json.loads(refused.content)
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields", "request_id"}
    assert "Wait" in body["error"]["message"]


# --- where the counters live ----------------------------------------------------------------


def _settings_in_a_fresh_process(tmp_path, **env: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'cache': s.CACHES['default'], 'proxies': s.CAUSELOOP_TRUSTED_PROXIES,"
        " 'drf': s.REST_FRAMEWORK['NUM_PROXIES'], 'allauth': s.ALLAUTH_TRUSTED_PROXY_COUNT}))"
    )
    return json.loads(_in_a_fresh_process(tmp_path, ["-c", code], timeout=60, **env))


def _in_a_fresh_process(tmp_path, args: list[str], *, timeout: int, **env: str) -> str:
    """Run Python with `args` in a new process on a SQLite database of its own; its output."""
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "causeloop.settings",
            "DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_counters_are_shared_by_every_process_by_default_and_in_redis_when_named(tmp_path):
    default = _settings_in_a_fresh_process(tmp_path)
    assert default["cache"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert default["cache"]["LOCATION"] == "causeloop_cache"
    assert (default["proxies"], default["drf"], default["allauth"]) == (0, 0, 0)
    redis = _settings_in_a_fresh_process(
        tmp_path, CACHE_URL="redis://127.0.0.1:6379/1", CAUSELOOP_TRUSTED_PROXIES="2"
    )
    assert redis["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert (redis["proxies"], redis["drf"], redis["allauth"]) == (2, 2, 2)


def test_migrate_alone_makes_the_cache_table(tmp_path):
    _in_a_fresh_process(tmp_path, ["manage.py", "migrate", "-v0"], timeout=300)
    with sqlite3.connect(tmp_path / "db.sqlite3") as database:
        tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master")}
    assert "causeloop_cache" in tables


@pytest.mark.usefixtures("as_app")
def test_the_application_role_reads_and_writes_the_counters():
    cache.set("probe", [1.0, 2.0], 60)
    assert cache.add("probe:lock", True, 10)
    assert cache.get("probe") == [1.0, 2.0]
    cache.delete("probe:lock")
    assert cache.get("probe:lock") is None
    cache.delete("probe")  # committed: this test's transaction is real
