"""django-allauth's email goes the same way as ours: queued, the product's name in the subject,
links on CAUSELOOP_BASE_URL whatever Host the request named, a text and an HTML part; the
password reset answers normally whatever the mail server does; console mail is readable."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from memberships.models import User
from tests.factories import UserFactory
from tests.mail.conftest import BASE_URL, dead_mailers, links_in, parts_of

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-new-password-42"
RESET_LINK = re.compile(re.escape(BASE_URL) + r"(/password/reset/key/\S+/)")


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.CAUSELOOP_BASE_URL = BASE_URL


def assert_readable(message, *, expect_link: str) -> None:
    """The subject names the product, not a host; both parts link only to the base URL."""
    assert "Causeloop" in message.subject
    assert "[" not in message.subject
    assert "localhost" not in message.subject
    parts = parts_of(message)
    assert set(parts) == {"text/plain", "text/html"}
    for body in parts.values():
        assert "Causeloop" in body
        assert "localhost" not in body
        links = links_in(body)
        assert any(link.startswith(BASE_URL + expect_link) for link in links), links
        assert all(link.startswith(BASE_URL) for link in links), links


def test_the_password_reset_mail_names_the_product_and_links_to_the_base_url():
    UserFactory(email="forgetful@example.com")
    browser = Client(HTTP_HOST="localhost")  # not the base URL's host
    response = browser.post("/password/reset/", {"email": "forgetful@example.com"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "Reset your Causeloop password"
    assert_readable(message, expect_link="/password/reset/key/")
    path = RESET_LINK.search(message.body).group(1)
    assert b"Choose a new password" in browser.get(path, follow=True).content


def test_an_unknown_address_gets_a_readable_mail_with_the_sign_up_link():
    response = Client(HTTP_HOST="localhost").post("/password/reset/", {"email": "who@example.com"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["who@example.com"]
    assert_readable(message, expect_link="/signup/")


def test_signing_up_sends_only_the_verification_mail_readable():
    response = Client(HTTP_HOST="localhost").post(
        "/signup/", {"name": "Sam", "email": "sam@example.com", "password1": PASSWORD}
    )
    assert response.status_code == 302
    (message,) = mail.outbox  # no welcome email beside it
    assert message.subject == "Confirm your email address for Causeloop"
    assert_readable(message, expect_link="/confirm-email/")


def test_signing_up_with_a_taken_address_mails_its_owner_readably():
    UserFactory(email="taken@example.com")
    Client(HTTP_HOST="localhost").post(
        "/signup/", {"name": "Eve", "email": "taken@example.com", "password1": PASSWORD}
    )
    (message,) = mail.outbox
    assert message.subject == "You already have a Causeloop account"
    assert_readable(message, expect_link="/password/reset/")


def test_the_password_reset_answers_normally_when_the_mail_server_is_down(settings, dead_smtp_url):
    settings.MAILERS = dead_mailers(dead_smtp_url)
    UserFactory(email="forgetful@example.com")
    response = Client().post("/password/reset/", {"email": "forgetful@example.com"})
    assert response.status_code == 302
    assert Client().get(response["Location"]).status_code == 200
    assert mail.outbox == []


def test_console_mail_prints_links_whole(settings, capsys):
    """No quoted-printable soft line breaks: the link a developer copies from the console
    works."""
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    user = UserFactory(email="developer-with-a-rather-long-address@example.com")
    Client().post("/password/reset/", {"email": user.email})
    printed = capsys.readouterr().out
    assert "Reset your Causeloop password" in printed
    assert "quoted-printable" not in printed.lower()
    soft_breaks = [line for line in printed.splitlines() if line.endswith("=") and line[:2] != "--"]
    assert soft_breaks == []
    assert "=3D" not in printed
    path = RESET_LINK.search(printed).group(1)
    assert len(BASE_URL + path) > 78  # long enough that quoted-printable would have cut it
    browser = Client()
    form = browser.get(path, follow=True)
    assert b"Choose a new password" in form.content
    action = form.redirect_chain[-1][0]
    assert browser.post(action, {"password1": PASSWORD, "password2": PASSWORD}).status_code == 302
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
