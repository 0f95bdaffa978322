"""`/admin/data/`: prepare an export, see how far it got, download it from the page or from
its email while its link lasts; a clear page when it cannot be had; nobody else's; the page
costs the same whatever the organization holds."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from zeal import zeal_ignore

from organizations.audit import audit_entry
from organizations.models import AuditLog, DataExport
from organizations.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_no_zeal")]

DATA = "/admin/data/"
DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def _no_zeal():
    """Several requests in a row read the session each: no N+1."""
    with zeal_ignore():
        yield


def _download(export: DataExport) -> str:
    return f"/admin/data/exports/{export.pk}/download"


def _file(response) -> dict:
    return json.loads(b"".join(response.streaming_content))


def test_an_admin_prepares_an_export_and_downloads_it(signed_in, organization, admin_user):
    client = signed_in(admin_user)
    response = client.post(DATA, follow=True)
    assert b"Your export is ready" in response.content
    export = DataExport.objects.get(organization=organization)
    page = response.content.decode()
    assert f'href="{_download(export)}"' in page
    assert "ready" in page
    assert "causeloop/exports.js" not in page  # nothing is being prepared: nothing to follow

    download = client.get(_download(export))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert "no-store" in download["Cache-Control"]
    assert _file(download)["organization"]["id"] == organization.pk
    [message] = mail.outbox
    assert f"{_download(export)}\n" in message.body


def test_the_emailed_link_works_for_an_organization_that_is_not_the_active_one(
    signed_in, organization, admin_user
):
    client = signed_in(admin_user)
    client.post(DATA)
    export = DataExport.objects.get(organization=organization)
    elsewhere = OrganizationFactory()
    MembershipFactory(user=admin_user, organization=elsewhere, role=Role.OWNER)
    assert client.post("/switch/", {"organization": elsewhere.pk}).status_code == 302
    assert _file(client.get(_download(export)))["organization"]["id"] == organization.pk


def test_nobody_else_downloads_an_export(client, signed_in, organization, owner, make_member):
    signed_in(owner).post(DATA)
    export = DataExport.objects.get(organization=organization)
    client.logout()
    stranger = UserFactory()
    MembershipFactory(user=stranger, organization=OrganizationFactory(), role=Role.OWNER)
    assert signed_in(stranger).get(_download(export)).status_code == 404
    analyst = make_member(organization, Role.ANALYST)
    refused = signed_in(analyst).get(_download(export))
    assert refused.status_code == 403
    assert signed_in(analyst).post(DATA).status_code == 403
    client.logout()
    anonymous = client.get(_download(export))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/login/")


def test_an_expired_link_says_so_and_the_file_is_gone(
    signed_in, organization, admin_user, django_capture_on_commit_callbacks
):
    client = signed_in(admin_user)
    client.post(DATA)
    export = DataExport.objects.get(organization=organization)
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(_download(export))
    assert response.status_code == 410
    assert b"This export link has expired" in response.content
    assert b"prepare a new one" in response.content
    assert "expired" in client.get(DATA).content.decode()
    assert 'href="/admin/data/exports/' not in client.get(DATA).content.decode()


@override_settings(TASKS=DUMMY_TASKS)
def test_an_export_being_prepared_shows_its_progress_and_is_followed(
    signed_in, organization, admin_user
):
    client = signed_in(admin_user)
    response = client.post(DATA, follow=True)
    assert b"Your export is being prepared" in response.content
    export = DataExport.objects.get(organization=organization)
    DataExport.objects.filter(pk=export.pk).update(
        state=DataExport.State.RUNNING, rows_expected=200, rows_written=50
    )
    page = client.get(DATA).content.decode()
    assert "causeloop/exports.js" in page  # follows the export (tests/browser)
    assert f'data-export-url="/api/v1/gdpr/export-requests/{export.pk}"' in page
    assert 'value="25"' in page  # the progress bar, 25%
    assert f'Being prepared: <span id="export-{export.pk}-percent">25</span>%' in page
    not_ready = client.get(_download(export))
    assert not_ready.status_code == 409
    assert b"This export is not ready yet" in not_ready.content


def test_the_data_page_costs_the_same_whatever_the_organization_holds(client, organization, owner):
    def measure() -> tuple[int, int]:
        with zeal_ignore():
            client.force_login(owner)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(DATA)
        assert response.status_code == 200
        return len(queries), len(response.content)

    small = measure()
    with zeal_ignore():
        AuditLog.objects.bulk_create(
            [audit_entry(organization, actor=owner, action="member.joined") for _ in range(2000)]
        )
        DataExport.objects.bulk_create(
            [
                DataExport(organization=organization, state=DataExport.State.FAILED)
                for _ in range(40)
            ]
        )
    large = measure()
    assert large[0] == small[0]
    assert large[1] < small[1] + 10 * 1200  # ten exports listed at most, whatever there are


@override_settings(TASKS=DUMMY_TASKS)
def test_a_purge_from_the_data_page_suspends_at_once_and_says_so(signed_in, organization, owner):
    client = signed_in(owner)
    response = client.post("/admin/data/purge/", {"delete-confirm": organization.slug})
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.purge_started_at is not None  # the rows go in the background
    page = client.get("/")
    assert page.status_code == 403
    assert f"{organization.name} is being deleted" in page.content.decode()
