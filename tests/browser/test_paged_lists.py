"""Long lists in Chromium, on a desktop and a phone (issue 17): an owner of 60 members pages
through them and searches them; the same person, in 31 organizations, sees 20 in the header's
switcher, finds another with its search and switches to it. Accessible (axe-core) and no wider
than the phone."""

import pytest
from playwright.sync_api import expect

from organizations.roles import Role
from tests import bulk
from tests.browser.conftest import VIEWPORTS, check_accessibility, open_menu
from tests.browser.test_every_page import PASSWORD, log_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture
def world():
    """Alice owns Acme (60 members before her) and 30 more organizations, "Team 000" …"""
    organization = OrganizationFactory(name="Acme Corp", slug="acme", plan_id="growth", seats=100)
    owner = UserFactory(email="alice@acme.test", name="Alice Owner", password=PASSWORD)
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER, is_active=True)
    bulk.members(organization, 60)
    bulk.organizations_of(owner, 30)
    return organization


def _fits(page, viewport):
    width = VIEWPORTS[viewport]["viewport"]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_an_owner_pages_through_members_and_finds_an_organization(
    site, open_context, world, viewport
):
    page = open_context(viewport).new_page()
    log_in(page, site)
    page.goto(f"{site}/admin/members/")
    rows = page.get_by_role("table", name="Members of Acme Corp").locator("tbody tr")
    expect(rows).to_have_count(25)
    expect(rows.first).to_contain_text("person0@bulk.test")
    check_accessibility(page)
    _fits(page, viewport)

    page.get_by_role("link", name="Later →").click()
    expect(rows.first).to_contain_text("person25@bulk.test")
    expect(rows).to_have_count(25)
    page.get_by_role("link", name="Later →").click()
    expect(rows).to_have_count(11)  # the last ten, and Alice
    expect(rows.last).to_contain_text("alice@acme.test")
    expect(page.get_by_role("link", name="Later →")).to_have_count(0)
    page.get_by_role("link", name="← Earlier").click()
    expect(rows.first).to_contain_text("person25@bulk.test")

    search = page.get_by_role("search", name="Search the members")
    search.get_by_label("Name or email contains").fill("person5")
    search.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(11)  # person5, person50 … person59
    search.get_by_label("Filter by role").select_option("owner")
    search.get_by_role("button", name="Search").click()
    expect(page.get_by_text("Nobody matches this search.")).to_be_visible()
    page.get_by_role("link", name="Everyone").click()
    expect(rows).to_have_count(25)
    check_accessibility(page)

    # The switcher: Acme first, then 19 of the others, and a search for the rest.
    open_menu(page)
    page.locator(".switcher summary").click()
    expect(page.locator(".switcher__current")).to_contain_text("Acme Corp")
    expect(page.locator(".switcher__option")).to_have_count(19)
    check_accessibility(page)
    _fits(page, viewport)
    page.get_by_label("Find an organization").fill("team 02")
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.get_by_role("heading", name="Your organizations", level=1)).to_be_visible()
    found = page.locator("ul.organizations > li")
    expect(found).to_have_count(10)
    check_accessibility(page)
    _fits(page, viewport)
    page.get_by_role("button", name="Switch to Team 025").click()
    expect(page.get_by_text("Switched to Team 025.")).to_be_visible()
    expect(page.locator(".brand__name")).to_have_text("Team 025")
