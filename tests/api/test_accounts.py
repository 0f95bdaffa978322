"""Accounts, personal tokens and `/me`."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from zeal import zeal_ignore

from memberships.models import PersonalToken, User
from organizations.roles import Role
from tests.api.conftest import client_with, error_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STRONG = "a-long-and-unusual-passphrase-42"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def test_register_creates_the_account(anonymous):
    response = anonymous.post(
        "/api/v1/auth/register",
        {"email": "New@Example.com", "password": STRONG, "name": "New Person"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "New@example.com"
    assert body["id"].startswith("usr_")
    assert "password" not in body
    assert User.objects.get(pk=body["id"]).check_password(STRONG)


def test_register_refuses_a_taken_email_whatever_its_case(anonymous):
    UserFactory(email="taken@example.com")
    response = anonymous.post(
        "/api/v1/auth/register", {"email": "TAKEN@example.com", "password": STRONG}, format="json"
    )
    assert response.status_code == 409
    assert error_code(response) == "email_taken"
    assert User.objects.count() == 1


def test_register_refuses_a_weak_password(anonymous):
    response = anonymous.post(
        "/api/v1/auth/register", {"email": "a@example.com", "password": "123"}, format="json"
    )
    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]
    assert not User.objects.exists()


def test_register_is_rate_limited_per_address(anonymous, settings):
    for index in range(10):
        anonymous.post(
            "/api/v1/auth/register",
            {"email": f"u{index}@example.com", "password": STRONG},
            format="json",
        )
    response = anonymous.post(
        "/api/v1/auth/register", {"email": "late@example.com", "password": STRONG}, format="json"
    )
    assert response.status_code == 429
    assert error_code(response) == "rate_limited"
    assert int(response["Retry-After"]) > 0
    assert not User.objects.filter(email="late@example.com").exists()


def test_a_token_is_issued_for_the_right_password_and_shown_once(anonymous):
    user = UserFactory(email="me@example.com", password=STRONG)
    response = anonymous.post(
        "/api/v1/auth/tokens",
        {"email": "ME@example.com", "password": STRONG, "name": "laptop"},
        format="json",
    )
    assert response.status_code == 201, response.content
    secret = response.json()["token"]
    assert secret.startswith("cl_pat_")
    me = client_with(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me")
    assert me.json()["user"]["id"] == user.pk
    listed = client_with(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/auth/tokens")
    assert listed.status_code == 200
    assert [t["name"] for t in listed.json()["results"]] == ["laptop"]
    assert "token" not in listed.json()["results"][0]


@pytest.mark.parametrize(
    "body",
    [
        {"email": "me@example.com", "password": "wrong-password"},
        {"email": "nobody@example.com", "password": STRONG},
    ],
)
def test_wrong_credentials_get_invalid_credentials(anonymous, body):
    UserFactory(email="me@example.com", password=STRONG)
    response = anonymous.post("/api/v1/auth/tokens", body, format="json")
    assert response.status_code == 401
    assert error_code(response) == "invalid_credentials"
    assert not PersonalToken.objects.exists()


def test_a_revoked_token_stops_working(as_user):
    user = UserFactory()
    client = as_user(user)
    token = PersonalToken.objects.get(user=user)
    response = client.delete(f"/api/v1/auth/tokens/{token.pk}")
    assert response.status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_nobody_revokes_another_persons_token(as_user):
    mine, theirs = UserFactory(), UserFactory()
    as_user(theirs)
    their_token = PersonalToken.objects.get(user=theirs)
    response = as_user(mine).delete(f"/api/v1/auth/tokens/{their_token.pk}")
    assert response.status_code == 404
    assert PersonalToken.objects.get(pk=their_token.pk).revoked_at is None


def test_me_shows_the_user_memberships_and_active_organization(
    as_user, organization, other_organization, make_member
):
    user = make_member(organization, Role.ADMIN)
    from tests.factories import MembershipFactory

    MembershipFactory(user=user, organization=other_organization, role=Role.MEMBER)
    body = as_user(user).get("/api/v1/me").json()
    assert body["user"] == {"id": user.pk, "email": user.email, "name": user.name}
    assert {m["organization"]["slug"] for m in body["memberships"]} == {
        organization.slug,
        other_organization.slug,
    }
    assert body["active_organization"]["id"] == organization.pk
    first = next(m for m in body["memberships"] if m["organization"]["id"] == organization.pk)
    assert set(first) == {"id", "organization", "role", "is_active", "joined_at"}
    assert first["role"] == "admin"
    assert first["is_active"] is True


def test_me_with_an_api_key_shows_its_organization(as_key, organization):
    body = as_key(organization).get("/api/v1/me").json()
    assert body["user"] is None
    assert body["active_organization"]["id"] == organization.pk
    assert body["api_key"]["fingerprint"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_AUTHORIZATION": "Bearer nope"}, {"HTTP_X_API_KEY": "acme_api_nope"}],
)
def test_me_without_good_credentials_is_401(headers):
    response = client_with(**headers).get("/api/v1/me")
    assert response.status_code == 401
    assert error_code(response) in {"not_authenticated", "authentication_failed"}


def test_a_browser_session_needs_the_csrf_token_to_write(organization, make_member):
    from rest_framework.test import APIClient

    user = make_member(organization, Role.ANALYST)
    client = APIClient(enforce_csrf_checks=True)
    with zeal_ignore():
        client.force_login(user)
    assert client.get("/api/v1/me").status_code == 200
    url = f"/api/v1/organizations/{organization.pk}/templates"
    refused = client.post(url, {"name": "No token"}, format="json")
    assert refused.status_code == 403
    client.get("/")  # a page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(url, {"name": "With token"}, format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201


def test_token_creation_is_rate_limited_per_account(anonymous):
    UserFactory(email="me@example.com", password=STRONG)
    statuses = [
        anonymous.post(
            "/api/v1/auth/tokens", {"email": "me@example.com", "password": "wrong"}, format="json"
        ).status_code
        for _ in range(6)
    ]
    # Five wrong passwords per account in five minutes, as on the login page.
    assert set(statuses[:-1]) == {401}
    assert statuses[-1] == 429
    # The limit holds for the account, from another address too.
    elsewhere = anonymous.post(
        "/api/v1/auth/tokens",
        {"email": "me@example.com", "password": STRONG},
        format="json",
        REMOTE_ADDR="203.0.113.9",
    )
    assert elsewhere.status_code == 429


# --- email verification ---------------------------------------------------------------------


def confirmation_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/confirm-email/\S+/)", message.body).group(1)


def test_a_registered_address_must_be_verified_before_a_token(anonymous, client):
    registered = anonymous.post(
        "/api/v1/auth/register", {"email": "new@example.com", "password": STRONG}, format="json"
    )
    assert registered.status_code == 201
    assert [message.to for message in mail.outbox] == [["new@example.com"]]
    body = {"email": "new@example.com", "password": STRONG}
    refused = anonymous.post("/api/v1/auth/tokens", body, format="json")
    assert refused.status_code == 403
    assert error_code(refused) == "email_unverified"
    assert not PersonalToken.objects.exists()

    confirm = confirmation_path(mail.outbox[0])
    with zeal_ignore():  # allauth's confirmation page, visited then posted
        assert client.get(confirm).status_code == 200
        assert client.post(confirm).status_code == 302
    issued = anonymous.post("/api/v1/auth/tokens", body, format="json")
    assert issued.status_code == 201, issued.content
    assert issued.json()["token"].startswith("cl_pat_")


def test_a_wrong_password_tells_nothing_about_verification(anonymous):
    UserFactory(email="squatted@example.com", password=STRONG, verified_email=False)
    response = anonymous.post(
        "/api/v1/auth/tokens",
        {"email": "squatted@example.com", "password": "not-the-password"},
        format="json",
    )
    assert response.status_code == 401
    assert error_code(response) == "invalid_credentials"
    assert mail.outbox == []


def test_an_unverified_account_gets_the_link_again_not_a_token(anonymous):
    UserFactory(email="late@example.com", password=STRONG, verified_email=False)
    body = {"email": "late@example.com", "password": STRONG}
    for _ in range(3):
        response = anonymous.post("/api/v1/auth/tokens", body, format="json")
        assert response.status_code == 403
        assert error_code(response) == "email_unverified"
    assert len(mail.outbox) == 1  # resent at most every few minutes
    assert "/confirm-email/" in mail.outbox[0].body
    assert not PersonalToken.objects.exists()
