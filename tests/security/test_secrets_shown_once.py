"""A secret shown once never sits readable in the session store, and every response that carries
a secret (or the organization's export) is `Cache-Control: no-store`."""

from __future__ import annotations

import base64
import json

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from zeal import zeal_ignore

from organizations.models import DataExport
from organizations.roles import Role
from tests.api.conftest import ROOT_KEY, client_with, token_client
from tests.factories import ApiKeyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        with zeal_ignore():
            client.force_login(user)
        return client

    return sign_in


def stored_session(client) -> tuple[str, str]:
    """The session row as the database holds it, and its decoded content as text."""
    raw = Session.objects.get(pk=client.session.session_key).session_data
    return raw, json.dumps(SessionStore().decode(raw))


def assert_kept_secret(raw: str, decoded: str, secret: str) -> None:
    for form in (secret, base64.b64encode(secret.encode()).decode(), secret[8:]):
        assert form not in raw
        assert form not in decoded


def assert_no_store(response) -> None:
    assert "no-store" in response.get("Cache-Control", ""), response.get("Cache-Control")


def test_a_new_api_key_waits_for_its_page_encrypted(signed_in, organization, admin_user):
    client = signed_in(admin_user)
    created = client.post("/admin/api-keys/", {"action": "create", "name": "CI"})
    assert created.status_code == 302
    raw, decoded = stored_session(client)
    page = client.get("/admin/api-keys/")
    secret = page.context["shown_once"]["secret"]
    assert secret.startswith(f"{organization.slug}_api_")
    assert_kept_secret(raw, decoded, secret)
    assert_no_store(page)
    again = client.get("/admin/api-keys/")
    assert again.context["shown_once"] is None
    assert secret.encode() not in again.content


def test_a_rotated_key_waits_for_its_page_encrypted(signed_in, organization, admin_user):
    client = signed_in(admin_user)
    api_key = ApiKeyFactory(organization=organization)
    client.post("/admin/api-keys/", {"action": "rotate", "key": api_key.pk, "confirm": "yes"})
    raw, decoded = stored_session(client)
    page = client.get("/admin/api-keys/")
    secret = page.context["shown_once"]["secret"]
    assert_kept_secret(raw, decoded, secret)
    assert_no_store(page)


def test_the_wizards_first_key_waits_for_its_page_encrypted(signed_in):
    client = signed_in(UserFactory())
    client.post("/onboarding/organization/", {"name": "Nia Labs", "slug": "", "kind": "company"})
    assert client.post("/onboarding/plan/", {"plan": "free"}).status_code == 302
    raw, decoded = stored_session(client)
    success = client.get("/onboarding/success/")
    secret = success.context["shown_once"]["secret"]
    assert secret.startswith("nia-labs_api_")
    assert_kept_secret(raw, decoded, secret)
    assert_no_store(success)


def test_a_secret_left_unseen_too_long_is_not_shown(signed_in, organization, admin_user, settings):
    from causeloop.core import shown_once

    client = signed_in(admin_user)
    client.post("/admin/api-keys/", {"action": "create", "name": "CI"})
    session = client.session
    sealed = session[shown_once.SESSION_KEY]
    session[shown_once.SESSION_KEY] = shown_once.seal(
        {"label": "old", "secret": "x"}, at=0
    )  # sealed long ago
    session.save()
    assert sealed != session[shown_once.SESSION_KEY]
    assert client.get("/admin/api-keys/").context["shown_once"] is None


def test_the_export_download_is_not_cached(signed_in, organization, admin_user):
    client = signed_in(admin_user)
    client.post("/admin/data/")
    export = DataExport.objects.get(organization=organization)
    response = client.get(f"/admin/data/exports/{export.pk}/download")
    assert response.status_code == 200
    assert_no_store(response)


# --- the API --------------------------------------------------------------------------------


def test_a_new_personal_token_is_not_cached(db):
    UserFactory(email="me@example.com", password="a-long-and-unusual-passphrase-42")
    body = {"email": "me@example.com", "password": "a-long-and-unusual-passphrase-42"}
    response = client_with().post("/api/v1/auth/tokens", body, format="json")
    assert response.status_code == 201
    assert_no_store(response)


def test_new_and_rotated_api_keys_are_not_cached(organization, admin_user):
    client = token_client(admin_user)
    created = client.post(
        f"/api/v1/organizations/{organization.pk}/api-keys", {"name": "CI"}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["key"]
    assert_no_store(created)
    rotated = client.post(
        f"/api/v1/organizations/{organization.pk}/api-keys/{created.json()['id']}/rotate"
    )
    assert rotated.status_code == 201
    assert_no_store(rotated)


def test_a_replayed_secret_is_not_cached_either(organization, admin_user):
    client = token_client(admin_user)
    url = f"/api/v1/organizations/{organization.pk}/api-keys"
    first = client.post(url, {"name": "CI"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    replay = client.post(url, {"name": "CI"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["key"] == first.json()["key"]
    assert_no_store(replay)


def test_invitation_links_are_not_cached(organization, admin_user):
    client = token_client(admin_user)
    created = client.post(
        f"/api/v1/organizations/{organization.pk}/invitations",
        {"email": "new@example.com", "role": "member"},
        format="json",
    )
    assert created.status_code == 201
    assert "/invitations/" in created.json()["accept_url"]
    assert_no_store(created)
    active = client.post(
        "/api/v1/invitations", {"email": "other@example.com", "role": "member"}, format="json"
    )
    assert active.status_code == 201
    assert_no_store(active)


def test_the_export_is_not_cached(organization, make_member):
    client = token_client(make_member(organization, Role.ADMIN))
    response = client.post(
        "/api/v1/gdpr/export-requests", {"organization": organization.pk}, format="json"
    )
    assert response.status_code == 202
    download = client.get(response.json()["links"]["download"])
    assert download.status_code == 200
    assert_no_store(download)


def test_the_platform_onboarding_key_is_not_cached(db):
    response = client_with(HTTP_X_ROOT_KEY=ROOT_KEY).post(
        "/api/v1/organizations/onboard",
        {"org_slug": "acme", "company_name": "Acme", "admin_email": "alice@acme.test"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["api_key"]
    assert_no_store(response)
