"""Accounts through django-allauth at the spec's paths: sign up (with the mailed link), log in,
log out, password reset and change — and a new password signs the person out everywhere."""

import logging
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from zeal import zeal_ignore

from memberships.models import PersonalToken, User
from memberships.services.tokens import personal_token_create
from tests.api.conftest import client_with
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase-42"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def confirmation_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/confirm-email/\S+/)", message.body).group(1)


def test_sign_up_confirm_the_mailed_link_log_out_and_log_in(client):
    response = client.post(
        "/signup/", {"name": "Sam", "email": "sam@example.com", "password1": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/confirm-email/"
    user = User.objects.get(email="sam@example.com")
    assert user.name == "Sam"
    assert user.check_password(PASSWORD)
    assert client.get("/")["Location"].startswith("/login/")  # not signed in before the link
    assert [message.to for message in mail.outbox] == [["sam@example.com"]]
    with zeal_ignore():  # allauth's confirmation page, visited then posted
        assert (
            b"Confirm your email address" in client.get(confirmation_path(mail.outbox[0])).content
        )
        confirmed = client.post(confirmation_path(mail.outbox[0]))
    assert confirmed.status_code == 302
    assert client.get("/")["Location"] == "/onboarding/"  # signed in: no organization yet
    client.post("/logout/")
    assert client.get("/onboarding/")["Location"].startswith("/login/")
    wrong = client.post("/login/", {"login": "sam@example.com", "password": "nope-nope-nope"})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors
    right = client.post("/login/", {"login": "SAM@example.com", "password": PASSWORD})
    assert right.status_code == 302
    assert right["Location"] == "/"


def test_an_unverified_address_cannot_log_in_and_gets_the_link_again(client):
    UserFactory(email="squatter@example.com", password=PASSWORD, verified_email=False)
    with zeal_ignore():  # allauth reads the address twice, looking for a verified one
        response = client.post("/login/", {"login": "squatter@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/confirm-email/"
    assert client.get("/")["Location"].startswith("/login/")
    assert [message.to for message in mail.outbox] == [["squatter@example.com"]]
    assert "/confirm-email/" in mail.outbox[0].body


def test_a_weak_password_is_refused_next_to_the_field(client):
    weak = client.post("/signup/", {"email": "new@example.com", "password1": "password"})
    assert weak.context["form"].errors["password1"]
    assert not User.objects.exists()


def test_signing_up_with_a_taken_email_tells_only_the_addresss_owner(client):
    UserFactory(email="taken@example.com")
    taken = client.post("/signup/", {"email": "TAKEN@example.com", "password1": PASSWORD})
    # The same answer as for a new address, so the page reveals no account…
    assert taken.status_code == 302
    assert taken["Location"] == "/confirm-email/"
    assert User.objects.count() == 1
    # …and the mail goes to the address's owner, not to whoever typed it.
    assert [message.to for message in mail.outbox] == [["taken@example.com"]]
    assert "/confirm-email/" not in mail.outbox[0].body


def test_password_reset_by_email(client):
    user = UserFactory(email="forgetful@example.com")
    response = client.post("/password/reset/", {"email": "forgetful@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+(/password/reset/key/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert b"Choose a new password" in form_page.content
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(action, {"password1": PASSWORD, "password2": PASSWORD})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change(client):
    user = UserFactory(email="changer@example.com", password="correct-horse-battery")
    with zeal_ignore():
        client.force_login(user)
    response = client.post(
        "/password/change/",
        {"oldpassword": "correct-horse-battery", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# --- a new password signs the person out everywhere -----------------------------------------


def signed_in_browser(user) -> Client:
    browser = Client()
    with zeal_ignore():  # logging in is test setup, not the request under test
        browser.force_login(user)
    assert browser.get("/onboarding/organization/").status_code == 200
    return browser


def token_works(secret: str) -> bool:
    return client_with(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me").status_code == 200


def reset_password(client, email: str) -> None:
    client.post("/password/reset/", {"email": email})
    link = re.search(r"https?://\S+(/password/reset/key/\S+/)", mail.outbox[-1].body).group(1)
    form_page = client.get(link, follow=True)
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    assert client.post(action, {"password1": PASSWORD, "password2": PASSWORD}).status_code == 302


def test_a_password_reset_signs_out_every_session_and_revokes_every_token(client, caplog):
    user = UserFactory(email="forgetful@example.com")
    secrets = [personal_token_create(user=user, name=name)[1] for name in ("laptop", "ci")]
    elsewhere = signed_in_browser(user)
    assert all(token_works(secret) for secret in secrets)

    with caplog.at_level(logging.INFO, logger="causeloop.security"):
        reset_password(client, "forgetful@example.com")

    assert elsewhere.get("/onboarding/")["Location"].startswith("/login/")
    assert not any(token_works(secret) for secret in secrets)
    assert not PersonalToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    logged = [record.msg for record in caplog.records if record.name == "causeloop.security"]
    assert [(e["event"], e["user_id"], e["reason"], e["tokens_revoked"]) for e in logged] == [
        ("personal_tokens.revoked", user.pk, "password_reset", 2)
    ]


@pytest.mark.parametrize("revoke_tokens", [True, False])
def test_a_password_change_signs_out_other_browsers_and_offers_to_revoke_tokens(revoke_tokens):
    user = UserFactory(email="changer@example.com", password="correct-horse-battery")
    _token, secret = personal_token_create(user=user, name="laptop")
    here, elsewhere = signed_in_browser(user), signed_in_browser(user)
    form = here.get("/password/change/").context["form"]
    assert form.fields["revoke_tokens"].label == "Also revoke my personal access tokens"
    response = here.post(
        "/password/change/",
        {
            "oldpassword": "correct-horse-battery",
            "password1": PASSWORD,
            "password2": PASSWORD,
            **({"revoke_tokens": "on"} if revoke_tokens else {}),
        },
    )
    assert response.status_code == 302
    assert here.get("/onboarding/organization/").status_code == 200  # still signed in here
    assert elsewhere.get("/onboarding/")["Location"].startswith("/login/")
    assert token_works(secret) is not revoke_tokens
