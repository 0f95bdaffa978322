"""Replaced or removed logos leave storage once the change commits, and a purged organization
leaves no files behind; a change that rolls back keeps the file its row still points at."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image
from zeal import zeal_ignore

from memberships.services.tokens import personal_token_create
from onboarding.services.offboard import offboard_client
from organizations.models import Organization
from organizations.services.branding import branding_update
from tests.api.conftest import client_with

pytestmark = pytest.mark.django_db


def png(colour: str = "red") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


def stored_files() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        with zeal_ignore():
            client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """Run what waits for the commit, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def with_logo(organization: Organization, actor) -> str:
    branding_update(organization=organization, actor=actor, logo=png())
    organization.refresh_from_db()
    assert stored_files() == [organization.logo.name]
    return organization.logo.name


def brand_page(client, **fields):
    data = {"primary_color": "#112233", "secondary_color": "#ffffff", **fields}
    return client.post("/admin/branding/", data)


def test_a_replaced_logo_leaves_storage(signed_in, organization, admin_user, committing):
    old = with_logo(organization, admin_user)
    with committing():
        response = brand_page(signed_in(admin_user), logo=png("blue"))
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.logo.name != old
    assert stored_files() == [organization.logo.name]


def test_a_removed_logo_leaves_storage(signed_in, organization, admin_user, committing):
    with_logo(organization, admin_user)
    with committing():
        response = brand_page(signed_in(admin_user), remove_logo="on")
    assert response.status_code == 302
    organization.refresh_from_db()
    assert not organization.logo
    assert stored_files() == []


def test_a_logo_replaced_through_the_api_leaves_storage(organization, admin_user, committing):
    with_logo(organization, admin_user)
    with committing():
        _token, secret = personal_token_create(user=admin_user, name="tests")
        response = client_with(HTTP_AUTHORIZATION=f"Bearer {secret}").patch(
            f"/api/v1/organizations/{organization.pk}/branding",
            {"logo": png("green")},
            format="multipart",
        )
    assert response.status_code == 200, response.content
    organization.refresh_from_db()
    assert stored_files() == [organization.logo.name]


def test_a_change_that_rolls_back_keeps_the_file_its_row_points_at(
    organization, admin_user, committing
):
    old = with_logo(organization, admin_user)

    def remove_logo_then_fail() -> None:
        with transaction.atomic():
            branding_update(organization=organization, actor=admin_user, remove_logo=True)
            raise RuntimeError("something later in the request failed")

    with committing(), pytest.raises(RuntimeError):
        remove_logo_then_fail()
    organization.refresh_from_db()
    assert organization.logo.name == old
    assert old in stored_files()


def test_a_purged_organization_leaves_no_files(organization, admin_user, committing):
    with_logo(organization, admin_user)
    with committing():
        offboard_client(slug=organization.slug, action="purge")
    assert not Organization.objects.filter(pk=organization.pk).exists()
    assert stored_files() == []


def test_an_organization_deleted_from_its_page_leaves_no_files(
    signed_in, organization, owner, committing
):
    with_logo(organization, owner)
    with committing():
        response = signed_in(owner).post(
            "/admin/organization/", {"action": "delete", "delete-confirm": organization.slug}
        )
    assert response.status_code == 302
    assert not Organization.objects.filter(pk=organization.pk).exists()
    assert stored_files() == []
