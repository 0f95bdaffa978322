"""The integrations page and the dashboard's usage in Chromium, on a desktop and a phone:
adding an integration (a refused credential comes back empty), and the meters and the 30-day
chart with its figures; accessible (axe-core) and no wider than the phone."""

import pytest
from playwright.sync_api import expect

from organizations.models import Integration
from organizations.roles import Role
from tests.browser.conftest import VIEWPORTS, check_accessibility, open_menu
from tests.browser.test_every_page import PASSWORD, PAST_RUNS, log_in, seed_usage
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

SECRET = "sk-ant-api03-browser-test-9f8e"


@pytest.fixture
def world():
    organization = OrganizationFactory(name="Acme Corp", slug="acme", plan_id="growth", seats=50)
    owner = UserFactory(email="alice@acme.test", name="Alice Owner", password=PASSWORD)
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER, is_active=True)
    seed_usage(organization, owner)
    return organization


def _fits(page, viewport):
    width = VIEWPORTS[viewport]["viewport"]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_an_owner_adds_an_integration(site, open_context, world, viewport):
    page = open_context(viewport).new_page()
    log_in(page, site)
    open_menu(page)
    page.get_by_role("link", name="Integrations").click()
    expect(page.get_by_role("heading", name="Integrations", level=1)).to_be_visible()
    expect(page.get_by_text("2 of 10 integrations on the Growth plan")).to_be_visible()
    check_accessibility(page)
    _fits(page, viewport)

    page.get_by_label("Name", exact=True).fill("Claude")
    page.get_by_label("Provider", exact=True).select_option(label="Anthropic")
    page.get_by_label("Credential", exact=True).fill("short")
    page.get_by_role("button", name="Add integration").click()
    credential = page.get_by_label("Credential", exact=True)
    expect(credential).to_be_focused()  # the field in error, its message read with it
    expect(credential).to_have_value("")
    expect(page.locator("#id_credential_error")).to_contain_text("8 to 10,000 characters")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Claude")
    check_accessibility(page)

    credential.fill(SECRET)
    page.get_by_role("button", name="Add integration").click()
    expect(page.get_by_text("Integration “Claude” added.")).to_be_visible()
    expect(page.get_by_role("link", name="Claude", exact=True)).to_be_visible()
    expect(page.get_by_text("3 of 10 integrations on the Growth plan")).to_be_visible()
    assert SECRET not in page.content()
    assert Integration.objects.get(name="Claude").last_four == "9f8e"
    check_accessibility(page)
    _fits(page, viewport)

    page.get_by_role("link", name="Claude", exact=True).click()
    expect(page.get_by_role("heading", name="Claude", level=1)).to_be_visible()
    check_accessibility(page)
    _fits(page, viewport)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_dashboard_shows_usage_as_meters_and_a_chart(site, open_context, world, viewport):
    page = open_context(viewport).new_page()
    log_in(page, site)
    expect(page.get_by_text("3 of 20 today")).to_be_visible()
    month = page.get_by_text("this month", exact=False).filter(has_text=" of 600 ")
    expect(month).to_be_visible()
    expect(page.get_by_text("2 of 3 running")).to_be_visible()
    chart = page.get_by_role("img", name="Runs a day over the last 30 days")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box["width"] > 250
    assert box["height"] > 100
    assert chart.locator("rect").count() == sum(1 for runs in PAST_RUNS if runs) + 1
    check_accessibility(page)
    _fits(page, viewport)

    page.get_by_text("Runs day by day").click()
    figures = page.get_by_role("table", name="Runs a day over the last 30 days")
    expect(figures).to_be_visible()
    expect(figures.locator("tbody tr")).to_have_count(30)
    expect(figures.locator("tbody tr").first).to_contain_text("Today")
    expect(figures.locator("tbody tr").first).to_contain_text("3")
    check_accessibility(page)
    _fits(page, viewport)
