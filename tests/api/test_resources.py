"""API keys, templates, branding, the audit log and the data export."""

import io
import json

import pytest
from PIL import Image

from organizations.models import ApiKey, AuditLog, Template
from organizations.roles import Role
from organizations.services.integrations import integration_create
from organizations.services.runs import run_start
from tests.api.conftest import client_with, error_code
from tests.factories import TemplateFactory

pytestmark = pytest.mark.django_db


def _org_url(organization, suffix):
    return f"/api/v1/organizations/{organization.pk}/{suffix}"


# --- API keys -------------------------------------------------------------------------------


def test_a_new_key_is_shown_once_and_works(as_user, organization, admin_user):
    client = as_user(admin_user)
    response = client.post(_org_url(organization, "api-keys"), {"name": "CI"}, format="json")
    assert response.status_code == 201, response.content
    secret = response.json()["key"]
    assert secret.startswith(f"{organization.slug}_api_")
    assert response.json()["fingerprint"] == secret[-4:]
    listed = client.get(_org_url(organization, "api-keys")).json()["results"]
    assert [row.get("key") for row in listed] == [None]
    me = client_with(HTTP_X_API_KEY=secret).get("/api/v1/me")
    assert me.json()["active_organization"]["id"] == organization.pk


def test_rotating_revokes_the_old_key_in_the_same_step(as_user, organization, admin_user):
    client = as_user(admin_user)
    created = client.post(_org_url(organization, "api-keys"), {"name": "CI"}, format="json")
    old_secret, key_id = created.json()["key"], created.json()["id"]
    rotated = client.post(_org_url(organization, f"api-keys/{key_id}/rotate"))
    assert rotated.status_code == 201
    new_secret = rotated.json()["key"]
    assert (
        client_with(HTTP_AUTHORIZATION=f"Bearer {old_secret}").get("/api/v1/me").status_code == 401
    )
    assert (
        client_with(HTTP_AUTHORIZATION=f"Bearer {new_secret}").get("/api/v1/me").status_code == 200
    )


def test_a_revoked_key_stops_working(as_user, organization, admin_user):
    client = as_user(admin_user)
    created = client.post(_org_url(organization, "api-keys"), {"name": "CI"}, format="json")
    assert (
        client.delete(_org_url(organization, f"api-keys/{created.json()['id']}")).status_code == 204
    )
    response = client_with(HTTP_X_API_KEY=created.json()["key"]).get("/api/v1/me")
    assert response.status_code == 401


@pytest.mark.parametrize("role", [Role.ANALYST, Role.MEMBER])
def test_keys_are_for_admins(as_user, organization, make_member, role):
    client = as_user(make_member(organization, role))
    assert client.get(_org_url(organization, "api-keys")).status_code == 403
    response = client.post(_org_url(organization, "api-keys"), {"name": "x"}, format="json")
    assert response.status_code == 403
    assert not ApiKey.objects.exists()


# --- templates ------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "expected"), [(Role.ANALYST, 201), (Role.MEMBER, 403)])
def test_analysts_and_up_create_templates(as_user, organization, make_member, role, expected):
    client = as_user(make_member(organization, role))
    response = client.post(
        _org_url(organization, "templates"),
        {"name": "Weekly", "kind": "agent", "description": "d", "body": "Hello {{ name }}"},
        format="json",
    )
    assert response.status_code == expected
    assert Template.objects.exists() is (expected == 201)


def test_everyone_reads_templates_and_analysts_edit_them(as_user, organization, make_member):
    template = TemplateFactory(organization=organization, name="Old")
    member = as_user(make_member(organization, Role.MEMBER))
    analyst = as_user(make_member(organization, Role.ANALYST))
    url = _org_url(organization, f"templates/{template.pk}")
    assert member.get(url).json()["name"] == "Old"
    assert member.get(_org_url(organization, "templates")).json()["count"] == 1
    assert member.patch(url, {"name": "New"}, format="json").status_code == 403
    assert analyst.patch(url, {"name": "New"}, format="json").json()["name"] == "New"
    assert member.delete(url).status_code == 403
    assert analyst.delete(url).status_code == 204
    assert not Template.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "ok", "kind": "poem"}, "kind"),
        ({"name": "ok", "body": "x" * (Template.MAX_BODY_BYTES + 1)}, "body"),
        ({"name": "bad\x00name"}, "name"),
        ({"name": "ok", "colour": "red"}, "colour"),
    ],
)
def test_bad_templates_are_refused(as_user, organization, make_member, body, field):
    response = as_user(make_member(organization, Role.ANALYST)).post(
        _org_url(organization, "templates"), body, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Template.objects.exists()


# --- branding -------------------------------------------------------------------------------


def _png(size=(64, 32)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "#336699").save(buffer, format="PNG")
    buffer.name = "logo.png"
    buffer.seek(0)
    return buffer


def test_admins_change_colours_and_logo(as_user, organization, admin_user, make_member):
    url = _org_url(organization, "branding")
    member = as_user(make_member(organization, Role.MEMBER))
    assert member.get(url).json() == {
        "logo_url": None,
        "primary_color": "#000000",
        "secondary_color": "#ffffff",
    }
    assert member.patch(url, {"primary_color": "#123456"}, format="json").status_code == 403
    client = as_user(admin_user)
    response = client.patch(url, {"primary_color": "#123456"}, format="json")
    assert response.json()["primary_color"] == "#123456"
    response = client.patch(url, {"logo": _png()}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["logo_url"].endswith(".png")
    assert AuditLog.objects.filter(action="branding.updated").count() == 2


@pytest.mark.parametrize("colour", ["red", "#12345", "#gggggg", "123456"])
def test_bad_colours_are_refused(as_user, organization, admin_user, colour):
    response = as_user(admin_user).patch(
        _org_url(organization, "branding"), {"primary_color": colour}, format="json"
    )
    assert response.status_code == 400
    organization.refresh_from_db()
    assert organization.primary_color == "#000000"


def test_a_file_that_is_not_an_image_is_refused(as_user, organization, admin_user):
    fake = io.BytesIO(b"%PDF-1.4 not an image")
    fake.name = "logo.png"
    response = as_user(admin_user).patch(
        _org_url(organization, "branding"), {"logo": fake}, format="multipart"
    )
    assert response.status_code == 400
    organization.refresh_from_db()
    assert not organization.logo


# --- audit log and export -------------------------------------------------------------------


def test_the_audit_log_is_for_admins_newest_first(as_user, organization, admin_user, make_member):
    client = as_user(admin_user)
    client.post(_org_url(organization, "api-keys"), {"name": "one"}, format="json")
    client.patch(_org_url(organization, "branding"), {"primary_color": "#111111"}, format="json")
    rows = client.get(_org_url(organization, "audit-log")).json()["results"]
    assert [row["action"] for row in rows][:2] == ["branding.updated", "api_key.created"]
    assert rows[0]["actor"] == admin_user.email
    only = client.get(_org_url(organization, "audit-log"), {"action": "api_key.created"})
    assert [row["action"] for row in only.json()["results"]] == ["api_key.created"]
    analyst = as_user(make_member(organization, Role.ANALYST))
    assert analyst.get(_org_url(organization, "audit-log")).status_code == 403


def test_the_export_holds_the_organizations_data_and_no_secrets(
    as_user, organization, admin_user, make_member
):
    TemplateFactory(organization=organization, name="Shared")
    secret = "sk-live-export-must-not-carry-this-9f3e"
    integration_create(
        organization=organization, actor=admin_user, name="OpenAI", kind="openai", credential=secret
    )
    run_start(organization=organization, actor=admin_user)
    client = as_user(admin_user)
    response = client.post(
        "/api/v1/gdpr/export-requests", {"organization": organization.slug}, format="json"
    )
    assert response.status_code == 202
    download = client.get(response.json()["links"]["download"])
    document = b"".join(download.streaming_content).decode()
    body = json.loads(document)
    assert body["organization"]["id"] == organization.pk
    assert body["integrations"][0]["fingerprint"] == "9f3e"
    assert body["usage"][0]["runs"] == 1
    assert "key_hash" not in document
    assert secret not in document
    analyst = as_user(make_member(organization, Role.ANALYST))
    refused = analyst.post(
        "/api/v1/gdpr/export-requests", {"organization": organization.pk}, format="json"
    )
    assert refused.status_code == 403
    assert error_code(refused) == "permission_denied"
