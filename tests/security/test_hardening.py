"""Hardening: headers and CSP everywhere, cookie flags, throttled login and signup, password
rules, a clean deploy check, and logo uploads that are not what they claim."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from causeloop.core.errors import ValidationFailed
from memberships.services.accounts import user_register
from organizations.services.branding import MAX_LOGO_BYTES, clean_logo
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["/platform-admin/login/", "/login/", "/signup/", "/onboarding/", "/admin/members/", "/"]
API = ["/api/v1/me", "/api/v1/organizations", "/api/v1/no-such-thing", "/api/schema/"]


@pytest.mark.parametrize("path", PAGES + API)
def test_every_response_carries_the_security_headers_and_csp(client, db, path):
    response = client.get(path, secure=True)
    assert response.status_code < 500
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_scripts_need_the_per_response_nonce(client, db):
    first = client.get("/platform-admin/login/").headers["Content-Security-Policy"]
    second = client.get("/platform-admin/login/").headers["Content-Security-Policy"]
    assert "'nonce-" in first
    assert first != second


def test_session_and_csrf_cookies_are_secure_httponly_and_same_site(client, db, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    user = UserFactory(is_staff=True, is_superuser=True)
    client.get("/platform-admin/login/")
    response = client.post(
        "/platform-admin/login/",
        {
            "username": user.email,
            "password": "correct-horse-battery",
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"
    assert client.cookies["csrftoken"]["secure"]


def _production_env(**extra: str) -> dict[str, str]:
    """The environment of a production deployment: DEBUG off and no test relaxations."""
    relaxed = {
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "DEBUG",
        "EMAIL_URL",
        "CAUSELOOP_ZEAL",
        "SECURE_HSTS_SECONDS",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    env = {key: value for key, value in os.environ.items() if key not in relaxed}
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": "production-like-secret-key-" + "x9Q2#" * 12,
            "CAUSELOOP_MASTER_KEY": "production-like-master-key-0123456789",
            "ALLOWED_HOSTS": "causeloop.example.com",
            **extra,
        }
    )
    return env


def test_manage_py_check_deploy_is_clean_in_production(db):
    # Some model checks ask the database what it supports (generated columns): point the
    # command at the test database, which exists, as production's does.
    database = django_settings.DATABASES["default"]
    url = "postgres://{}{}@{}:{}/{}".format(
        database["USER"] or "postgres",
        f":{database['PASSWORD']}" if database["PASSWORD"] else "",
        database["HOST"] or "127.0.0.1",
        database["PORT"] or 5432,
        database["NAME"],
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_defaults_are_the_safe_ones():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**_production_env(), "DJANGO_SETTINGS_MODULE": "causeloop.settings"},
    )
    assert result.stdout.split() == ["True", "True", "True", "True", "31536000"], result.stderr


def test_the_app_refuses_to_start_without_the_master_key():
    env = _production_env()
    env.pop("CAUSELOOP_MASTER_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "CAUSELOOP_MASTER_KEY is not set" in result.stderr


@pytest.mark.parametrize("password", ["password", "12345678901", "short", "maria@example.com"])
def test_weak_passwords_are_refused(db, password):
    with pytest.raises(ValidationFailed) as refused:
        user_register(email="maria@example.com", password=password, name="Maria")
    assert refused.value.code == "weak_password"
    assert refused.value.fields["password"]


@pytest.mark.urls("tests.security.urls")
@pytest.mark.usefixtures("_no_zeal", "_fresh_rate_limits")
def test_failed_logins_are_throttled(client, db):
    UserFactory(email="target@example.com")
    responses = [
        client.post(
            "/allauth-accounts/login/",
            {"login": "target@example.com", "password": f"wrong-{attempt}"},
        )
        for attempt in range(7)
    ]
    assert b"Too many failed login attempts" not in responses[0].content
    # After five failures for one account, even the right password is not tried.
    assert b"Too many failed login attempts" in responses[-1].content
    final = client.post(
        "/allauth-accounts/login/",
        {"login": "target@example.com", "password": "correct-horse-battery"},
    )
    assert "_auth_user_id" not in client.session
    assert final.status_code in (200, 429)


@pytest.mark.urls("tests.security.urls")
@pytest.mark.usefixtures("_no_zeal", "_fresh_rate_limits")
def test_signups_are_throttled(client, db):
    statuses = [
        client.post(
            "/allauth-accounts/signup/",
            {
                "email": f"new{attempt}@example.com",
                "password1": "a-long-enough-passphrase-42",
            },
        ).status_code
        for attempt in range(22)
    ]
    assert statuses[0] in (200, 302)
    assert statuses[-1] == 429


# --- logos --------------------------------------------------------------------------------


def _png(width: int, height: int, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


def _refusal(data: bytes, name: str = "logo.png") -> ValidationFailed:
    with pytest.raises(ValidationFailed) as refused:
        clean_logo(SimpleUploadedFile(name, data, content_type="image/png"))
    assert refused.value.code == "invalid_logo"
    return refused.value


def test_a_real_image_is_accepted_and_named_by_its_real_type():
    cleaned = clean_logo(SimpleUploadedFile("logo.gif", _png(64, 64), content_type="image/gif"))
    assert cleaned.name == "logo.png"


def test_a_file_that_is_not_an_image_is_refused():
    error = _refusal(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")
    assert "PNG, JPEG, GIF or WebP" in error.message


def test_a_logo_that_is_too_large_is_refused():
    error = _refusal(b"\x89PNG\r\n\x1a\n" + os.urandom(MAX_LOGO_BYTES + 1))
    assert "at most 1 MB" in error.message


@pytest.mark.parametrize("side", [4096, 20_000])
def test_a_decompression_bomb_is_refused(side):
    data = _png(side, side, mode="1")  # tiny on disk, enormous once decoded
    assert len(data) < MAX_LOGO_BYTES
    error = _refusal(data)
    assert error.fields["logo"] == [error.message]
