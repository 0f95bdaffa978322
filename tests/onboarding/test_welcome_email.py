"""An owner a platform operator onboards is mailed a welcome: a link to choose a password (it
works once, and signs them in), or — when they have a password already — a note that they were
added. Every face can opt out (`send_welcome_email`, `--no-email`); a re-run mails nobody."""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from memberships.models import User
from onboarding.services.onboard import OnboardRequest, onboard_client
from tests.api.conftest import ROOT_KEY, client_with
from tests.factories import UserFactory
from tests.mail.conftest import BASE_URL, links_in, parts_of

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-new-password-42"
SET_PASSWORD = re.compile(re.escape(BASE_URL) + r"(/password/reset/key/\S+/)")


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.CAUSELOOP_BASE_URL = BASE_URL


def acme(**fields) -> OnboardRequest:
    return OnboardRequest(
        org_name="Acme Corp", org_slug="acme", owner_email="alice@acme.com", **fields
    )


def test_a_new_owner_gets_a_link_that_sets_a_password_once_and_signs_them_in():
    onboard_client(request=acme())

    (message,) = mail.outbox
    assert message.to == ["alice@acme.com"]
    assert message.subject == "Welcome to Causeloop: Acme Corp is ready for you"
    parts = parts_of(message)
    assert set(parts) == {"text/plain", "text/html"}
    for body in parts.values():
        assert "Acme Corp" in body
        assert SET_PASSWORD.search(body)
        assert all(link.startswith(BASE_URL) for link in links_in(body))
    path = SET_PASSWORD.search(message.body).group(1)

    browser = Client()
    form = browser.get(path, follow=True)
    assert b"Choose a new password" in form.content
    action = form.redirect_chain[-1][0]
    done = browser.post(action, {"password1": PASSWORD, "password2": PASSWORD})
    assert done.status_code == 302
    assert User.objects.get(email="alice@acme.com").check_password(PASSWORD)
    home = browser.get("/")
    assert home.status_code == 200  # signed in, in their organization
    assert b"Acme Corp" in home.content

    again = Client().get(path, follow=True)
    assert b"This link no longer works" in again.content


def test_an_owner_who_has_a_password_is_told_they_were_added():
    UserFactory(email="alice@acme.com", password="their-own-password-1")
    onboard_client(request=acme())
    (message,) = mail.outbox
    assert message.subject == "You are now an owner of Acme Corp on Causeloop"
    assert "/password/reset/key/" not in message.body
    assert f"{BASE_URL}/login/" in links_in(message.body)
    assert set(parts_of(message)) == {"text/plain", "text/html"}


def test_no_welcome_when_asked_not_to_and_none_when_onboarding_again():
    onboard_client(request=acme(send_welcome_email=False))
    assert mail.outbox == []
    result = onboard_client(request=acme())  # the same client again: nothing new
    assert result.created is False
    assert mail.outbox == []


@pytest.mark.parametrize("no_email", [False, True])
def test_the_onboard_client_command(no_email):
    args = ["--org-name=Acme Corp", "--org-slug=acme", "--owner-email=alice@acme.com"]
    call_command(
        "onboard_client", *args, *(["--no-email"] if no_email else []), stdout=io.StringIO()
    )
    assert [message.to for message in mail.outbox] == ([] if no_email else [["alice@acme.com"]])


@pytest.mark.parametrize("no_email", [False, True])
def test_the_onboard_clients_command(tmp_path, no_email):
    path = tmp_path / "clients.csv"
    path.write_text(
        "name,slug,email,plan,send_welcome_email\n"
        "Acme,acme,alice@acme.com,free,\n"
        "Globex,globex,erin@globex.com,free,no\n",
        encoding="utf-8",
    )
    call_command(
        "onboard_clients", str(path), *(["--no-email"] if no_email else []), stdout=io.StringIO()
    )
    # The row that says no is never mailed; --no-email silences every row.
    assert [message.to for message in mail.outbox] == ([] if no_email else [["alice@acme.com"]])


@pytest.mark.parametrize("send", [True, False, None])
def test_the_platform_api(send):
    body = {"company_name": "Acme Corp", "org_slug": "acme", "admin_email": "alice@acme.com"}
    if send is not None:
        body["send_welcome_email"] = send
    response = client_with(HTTP_X_ROOT_KEY=ROOT_KEY).post(
        "/api/v1/organizations/onboard", body, format="json"
    )
    assert response.status_code == 201
    assert len(mail.outbox) == (0 if send is False else 1)


def test_the_platform_api_refuses_a_bad_switch_and_onboards_nothing():
    body = {"company_name": "A", "org_slug": "acme", "admin_email": "alice@acme.com"}
    response = client_with(HTTP_X_ROOT_KEY=ROOT_KEY).post(
        "/api/v1/organizations/onboard", {**body, "send_welcome_email": "perhaps"}, format="json"
    )
    assert response.status_code == 400
    assert "send_welcome_email" in response.json()["error"]["fields"]
    assert mail.outbox == []


@pytest.mark.parametrize("checked", [True, False])
def test_the_admin_form(staff_client, checked):
    form = {
        "org_name": "Acme Corp",
        "org_slug": "acme",
        "owner_email": "alice@acme.com",
        "plan": "free",
        "timezone": "UTC",
        **({"send_welcome_email": "on"} if checked else {}),
    }
    page = staff_client.get(reverse("admin:organizations_organization_onboard"))
    assert b"Send the owner a welcome email" in page.content
    response = staff_client.post(reverse("admin:organizations_organization_onboard"), form)
    assert response.status_code == 302
    assert len(mail.outbox) == (1 if checked else 0)
