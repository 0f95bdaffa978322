"""The directory page in Chromium, on a desktop and a phone: an owner copies the SCIM base URL,
creates a token (shown once, with a copy button), sees the people the directory synced and
their state, and revokes the token in the confirmation dialog; accessible (axe-core) and no
wider than the phone."""

import pytest
from playwright.sync_api import expect

from directory.models import DirectoryUser, ScimToken
from directory.scim import User as ScimUser
from directory.services.scim_users import scim_user_create
from organizations.roles import Role
from tests.browser.conftest import VIEWPORTS, check_accessibility, open_menu
from tests.browser.test_every_page import PASSWORD, log_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture
def world():
    organization = OrganizationFactory(name="Acme Corp", slug="acme", plan_id="growth", seats=50)
    owner = UserFactory(email="alice@acme.test", name="Alice Owner", password=PASSWORD)
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER, is_active=True)
    return organization, owner


def _fits(page, viewport):
    width = VIEWPORTS[viewport]["viewport"]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_an_owner_connects_a_directory_and_revokes_its_token(site, open_context, world, viewport):
    organization, _owner = world
    page = open_context(viewport).new_page()
    log_in(page, site)
    open_menu(page)
    page.get_by_role("link", name="Directory", exact=True).click()  # the domains page first
    page.get_by_role("link", name="Directory sync (SCIM)").click()
    expect(page.get_by_role("heading", name="Directory sync", level=1)).to_be_visible()
    expect(page.get_by_label("SCIM base URL")).to_have_value(f"{site}/scim/v2/")
    expect(page.get_by_role("button", name="Copy URL")).to_be_visible()
    expect(page.get_by_text("No tokens yet.")).to_be_visible()
    check_accessibility(page)
    _fits(page, viewport)

    page.get_by_label("Name").fill("Okta")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("Token created. Copy it now")).to_be_visible()
    secret = page.locator("#secret-value").input_value()
    token = ScimToken.objects.get(organization=organization)
    assert secret.startswith("scim_")
    assert secret.endswith(token.last_four)
    expect(page.get_by_role("button", name="Copy", exact=True)).to_be_visible()
    check_accessibility(page)

    # The directory syncs two people; one is deactivated.
    for name, active in (("ada", True), ("grace", False)):
        resource = ScimUser(user_name=f"{name}@acme.test", display_name=name.title(), active=active)
        scim_user_create(organization=organization, token=token, resource=resource)
    page.reload()
    assert secret not in page.content()  # shown once
    people = page.get_by_role("region", name="Scrollable table").last
    expect(people).to_contain_text("ada@acme.test")
    expect(people).to_contain_text("Deactivated")
    expect(page.get_by_text("2 people, 1 active.")).to_be_visible()
    check_accessibility(page)
    _fits(page, viewport)

    # Revoking asks first, in the dialog; cancelling changes nothing.
    page.get_by_role("button", name="Revoke Okta").click()
    dialog = page.get_by_role("dialog", name="Revoke the SCIM token “Okta”?")
    expect(dialog).to_be_visible()
    check_accessibility(page)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    token.refresh_from_db()
    assert token.revoked_at is None
    page.get_by_role("button", name="Revoke Okta").click()
    dialog.get_by_role("button", name="Revoke token").click()
    expect(page.get_by_text("it stopped working at once")).to_be_visible()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert DirectoryUser.objects.filter(organization=organization).count() == 2
