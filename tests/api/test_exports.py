"""`POST /gdpr/export-requests` (202), `GET /gdpr/export-requests/{id}` and its download: the
organization's admins, owners and API keys only, nobody else's (404), a clear 409 or 410 when
the document cannot be had, and the purge's platform endpoint (202, then 404 once gone)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from organizations.models import DataExport, Organization
from organizations.roles import Role
from tests.api.conftest import client_with, error_code

pytestmark = pytest.mark.django_db

EXPORTS = "/api/v1/gdpr/export-requests"
DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def _ask(client, organization):
    return client.post(EXPORTS, {"organization": organization.slug}, format="json")


def _document(response) -> dict:
    return json.loads(b"".join(response.streaming_content))


def test_an_export_is_asked_for_followed_and_downloaded(as_user, organization, admin_user):
    client = as_user(admin_user)
    asked = _ask(client, organization)
    assert asked.status_code == 202
    body = asked.json()
    assert body["id"].startswith("exp_")
    assert body["organization"] == organization.pk
    assert body["state"] == "ready"  # the immediate task backend wrote it already
    assert body["progress"]["percent"] == 100
    assert body["requested_by"] == admin_user.pk
    assert body["links"]["self"] == f"http://testserver{EXPORTS}/{body['id']}"

    followed = client.get(body["links"]["self"])
    assert followed.status_code == 200
    assert followed.json()["expires_at"] == body["expires_at"]

    download = client.get(body["links"]["download"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/json"
    assert download["Content-Disposition"].startswith(
        f'attachment; filename="{organization.slug}-export-'
    )
    assert _document(download)["organization"]["id"] == organization.pk


def test_an_api_key_asks_and_downloads_its_own_organizations_export(as_key, organization):
    client = as_key(organization)
    body = _ask(client, organization).json()
    assert body["requested_by"] is None
    assert body["requested_by_api_key"].startswith("key_")
    assert client.get(body["links"]["download"]).status_code == 200


@pytest.mark.parametrize("caller", ["member", "admin", "api_key"])
def test_another_tenants_export_is_404_however_it_is_asked_for(
    as_user, as_key, organization, other_organization, make_member, caller
):
    theirs = _ask(as_user(make_member(other_organization, Role.OWNER)), other_organization).json()
    if caller == "api_key":
        client = as_key(organization)
    else:
        client = as_user(make_member(organization, Role(caller)))
    for path in (f"{EXPORTS}/{theirs['id']}", f"{EXPORTS}/{theirs['id']}/download"):
        response = client.get(path)
        assert response.status_code == 404, (caller, path)
        assert error_code(response) == "not_found"


@pytest.mark.parametrize("export_id", ["exp_nothing", "x" * 150, "../etc", "exp_%E2%80%AE"])
def test_an_export_id_that_names_nothing_is_404(as_user, owner, export_id):
    assert as_user(owner).get(f"{EXPORTS}/{export_id}").status_code == 404


@pytest.mark.parametrize("role", [Role.ANALYST, Role.MEMBER])
def test_members_below_admin_are_refused_an_export(as_user, organization, owner, make_member, role):
    body = _ask(as_user(owner), organization).json()
    client = as_user(make_member(organization, role))
    assert client.post(EXPORTS, {"organization": organization.pk}, format="json").status_code == 403
    for path in (body["links"]["self"], body["links"]["download"]):
        response = client.get(path)
        assert response.status_code == 403
        assert error_code(response) == "permission_denied"


@override_settings(TASKS=DUMMY_TASKS)
def test_an_export_being_prepared_has_no_download_yet(as_user, organization, admin_user):
    client = as_user(admin_user)
    body = _ask(client, organization).json()
    assert body["state"] == "queued"
    assert body["links"]["download"] is None
    again = _ask(client, organization).json()
    assert again["id"] == body["id"]  # one at a time
    response = client.get(f"{EXPORTS}/{body['id']}/download")
    assert response.status_code == 409
    assert error_code(response) == "export_not_ready"


def test_an_expired_export_is_410_and_its_file_is_deleted(
    as_user, organization, admin_user, django_capture_on_commit_callbacks
):
    client = as_user(admin_user)
    body = _ask(client, organization).json()
    export = DataExport.objects.get(pk=body["id"])
    path = Path(settings.MEDIA_ROOT) / export.file_name
    assert path.exists()
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert client.get(body["links"]["self"]).json()["state"] == "expired"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(body["links"]["download"])
    assert response.status_code == 410
    assert error_code(response) == "export_expired"
    assert not path.exists()
    assert DataExport.objects.get(pk=export.pk).state == DataExport.State.EXPIRED


def test_a_suspended_organizations_exports_wait(as_user, organization, admin_user):
    client = as_user(admin_user)
    body = _ask(client, organization).json()
    Organization.objects.filter(pk=organization.pk).update(status="suspended")
    for response in (client.get(body["links"]["download"]), _ask(client, organization)):
        assert response.status_code == 403
        assert error_code(response) == "organization_suspended"


# --- the platform's purge ------------------------------------------------------------------


def test_the_platform_purges_an_organization_in_the_background(as_root, organization, owner):
    response = as_root.post(f"/api/v1/organizations/{organization.slug}/purge")
    assert response.status_code == 202
    body = response.json()
    assert (body["id"], body["status"]) == (organization.pk, "suspended")
    assert body["purge_started_at"]
    # The immediate task backend purged it already: following it says it is gone.
    followed = as_root.get(f"/api/v1/organizations/{organization.pk}/purge")
    assert followed.status_code == 404
    assert not Organization.objects.filter(pk=organization.pk).exists()


@override_settings(TASKS=DUMMY_TASKS)
def test_a_purge_being_done_can_be_followed(as_root, organization, owner):
    as_root.post(f"/api/v1/organizations/{organization.pk}/purge")
    followed = as_root.get(f"/api/v1/organizations/{organization.pk}/purge")
    assert followed.status_code == 200
    assert followed.json()["purge_started_at"]
    reinstated = as_root.post(f"/api/v1/organizations/{organization.pk}/reinstate")
    assert reinstated.status_code == 409
    assert error_code(reinstated) == "organization_purging"


def test_only_the_platform_purges(as_user, organization, owner):
    response = as_user(owner).post(f"/api/v1/organizations/{organization.pk}/purge")
    assert response.status_code == 403
    assert Organization.objects.filter(pk=organization.pk, purge_started_at=None).exists()
    unknown = client_with(HTTP_X_ROOT_KEY="wrong").post("/api/v1/organizations/nope/purge")
    assert unknown.status_code in (401, 403)
