"""The data page in Chromium, on a desktop and a phone: an admin prepares an export, sees it
ready beside older ones (one being prepared, one failed, one expired) and downloads it; the
page is accessible (axe-core) and fits a phone."""

import json
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from playwright.sync_api import expect

from organizations.models import DataExport
from organizations.roles import Role
from tests.browser.conftest import check_accessibility
from tests.browser.test_every_page import PASSWORD, log_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture
def world():
    organization = OrganizationFactory(name="Acme Corp", slug="acme")
    owner = UserFactory(email="alice@acme.test", name="Alice Example", password=PASSWORD)
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER, is_active=True)
    long_ago = timezone.now() - timedelta(days=3)
    DataExport.objects.bulk_create(
        [
            DataExport(
                organization=organization,
                requested_by=owner,
                state=DataExport.State.FAILED,
                error="It did not finish in time: prepare a new one.",
                created_at=long_ago,
            ),
            DataExport(
                organization=organization,
                requested_by=owner,
                state=DataExport.State.EXPIRED,
                created_at=long_ago + timedelta(hours=1),
            ),
        ]
    )
    return organization


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_an_admin_prepares_and_downloads_an_export(site, open_context, world, viewport, tmp_path):
    page = open_context(viewport).new_page()
    log_in(page, site)
    page.goto(f"{site}/admin/data/")
    check_accessibility(page)

    page.get_by_role("button", name="Prepare export").click()
    expect(page.get_by_text("Your export is ready")).to_be_visible()
    rows = page.locator("table.exports tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("ready")
    check_accessibility(page)
    if viewport == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 375

    with page.expect_download() as download:
        rows.first.get_by_role("link", name="Download").click()
    saved = tmp_path / "export.json"
    download.value.save_as(saved)
    assert download.value.suggested_filename.startswith("acme-export-")
    assert json.loads(saved.read_text())["organization"]["slug"] == "acme"


def test_an_export_being_prepared_shows_its_progress_until_it_is_ready(site, open_context, world):
    running = DataExport.objects.create(
        organization=world,
        state=DataExport.State.RUNNING,
        rows_expected=400,
        rows_written=100,
    )
    page = open_context("desktop").new_page()
    log_in(page, site)
    page.goto(f"{site}/admin/data/")
    expect(page.get_by_label("Being prepared: 25%")).to_have_attribute("value", "25")
    expect(page.get_by_role("button", name="Prepare export")).to_be_disabled()
    check_accessibility(page)

    DataExport.objects.filter(pk=running.pk).update(rows_written=300)
    expect(page.get_by_label("Being prepared: 75%")).to_have_attribute("value", "75")
    name = default_storage.save("exports/acme/done.json", ContentFile(b"{}"))
    DataExport.objects.filter(pk=running.pk).update(
        state=DataExport.State.READY,
        file_name=name,
        finished_at=timezone.now(),
        expires_at=timezone.now() + timedelta(hours=24),
    )
    # The page follows the export and shows its link once it is ready, by itself.
    expect(page.get_by_role("link", name="Download").first).to_be_visible()
    expect(page.get_by_role("button", name="Prepare export")).to_be_enabled()
