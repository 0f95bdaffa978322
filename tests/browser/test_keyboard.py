"""The keyboard and no-JavaScript journeys in Chromium (issue 11, items 9, 10 and 12): the
switcher closes on Escape and when focus leaves it, a failed submit puts focus on the first
error, a colour can be typed, the phone menu and everything else work without JavaScript, and
the Copy button only shows where it can work."""

import pytest
from playwright.sync_api import expect

from organizations.roles import Role
from tests.browser.conftest import VIEWPORTS, check_accessibility
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

PASSWORD = "a-long-and-unusual-passphrase-42"


@pytest.fixture
def person(site):
    """Olive: owner of Acme (active), member of Globex."""
    acme = OrganizationFactory(name="Acme Corp", slug="acme")
    globex = OrganizationFactory(name="Globex", slug="globex")
    olive = UserFactory(email="olive@acme.test", password=PASSWORD)
    MembershipFactory(user=olive, organization=acme, role=Role.OWNER, is_active=True)
    MembershipFactory(user=olive, organization=globex, role=Role.MEMBER)
    return {"acme": acme, "globex": globex}


def log_in(page, site):
    page.goto(f"{site}/login/")
    page.get_by_label("Email").fill("olive@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}/")


def focused(page) -> str:
    return page.evaluate(
        "() => document.activeElement.id || document.activeElement.className || "
        "document.activeElement.tagName"
    )


def test_escape_closes_the_switcher_and_gives_focus_back(site, open_context, person):
    page = open_context("desktop").new_page()
    log_in(page, site)
    switcher = page.locator("details.switcher")
    page.locator(".switcher summary").focus()
    page.keyboard.press("Enter")
    expect(switcher).to_have_attribute("open", "")
    page.keyboard.press("Tab")  # into the list: Globex
    expect(page.locator(".switcher__option")).to_be_focused()
    page.keyboard.press("Escape")
    expect(switcher).not_to_have_attribute("open", "")
    expect(page.locator(".switcher summary")).to_be_focused()


def test_the_switcher_closes_when_focus_leaves_it(site, open_context, person):
    page = open_context("desktop").new_page()
    log_in(page, site)
    switcher = page.locator("details.switcher")
    page.locator(".switcher summary").focus()
    page.keyboard.press("Enter")
    for _ in range(3):  # Globex, "+ New organization", then out to the navigation
        page.keyboard.press("Tab")
    expect(switcher).not_to_have_attribute("open", "")
    assert not page.evaluate(
        "() => document.querySelector('details.switcher').contains(document.activeElement)"
    )
    # A click elsewhere closes it too.
    page.locator(".switcher summary").click()
    expect(switcher).to_have_attribute("open", "")
    page.locator("h1").click()
    expect(switcher).not_to_have_attribute("open", "")


def test_switching_from_an_admin_page_stays_there_when_allowed(site, open_context, person):
    page = open_context("desktop").new_page()
    log_in(page, site)
    page.goto(f"{site}/admin/templates/")
    page.locator(".switcher summary").click()
    page.locator(".switcher__option", has_text="Globex").click()
    expect(page).to_have_url(f"{site}/admin/templates/")  # members may see templates
    expect(page.locator(".brand__name")).to_have_text("Globex")
    page.locator(".switcher summary").click()
    page.locator(".switcher__option", has_text="Acme Corp").click()
    expect(page).to_have_url(f"{site}/admin/templates/")
    page.goto(f"{site}/admin/api-keys/")
    page.locator(".switcher summary").click()
    page.locator(".switcher__option", has_text="Globex").click()
    expect(page).to_have_url(f"{site}/")  # a member of Globex: its API keys page would be 403


def test_a_failed_submit_focuses_the_first_error(site, open_context, person):
    page = open_context("desktop").new_page()
    log_in(page, site)
    page.goto(f"{site}/admin/branding/")
    page.get_by_label("Primary colour", exact=True).fill("#12zz45")
    page.get_by_role("button", name="Save branding").click()
    expect(page.get_by_label("Primary colour", exact=True)).to_be_focused()
    summary = page.locator("[data-error-summary]")
    expect(summary.get_by_role("link")).to_have_text(
        "Primary colour: Colour must be a hex value like #1a2b3c."
    )
    check_accessibility(page)


def test_a_colour_typed_as_hex_is_previewed_and_saved(site, open_context, person):
    page = open_context("desktop").new_page()
    log_in(page, site)
    page.goto(f"{site}/admin/branding/")
    hex_field = page.get_by_label("Primary colour", exact=True)
    hex_field.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("#0ea5e9")
    # The picker follows, and the preview says which text colour reads on it.
    expect(page.get_by_label("Colour picker: primary")).to_have_value("#0ea5e9")
    expect(page.locator("[data-contrast=primary]")).to_have_text("Dark text, 6.4:1 — readable")
    expect(page.locator(".preview__bar")).to_have_css("color", "rgb(17, 24, 39)")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Branding saved.")).to_be_visible()
    header = page.locator(".site-header")
    expect(header).to_have_css("background-color", "rgb(14, 165, 233)")
    expect(page.locator(".brand")).to_have_css("color", "rgb(17, 24, 39)")
    check_accessibility(page)


def test_the_focus_ring_has_a_dark_and_a_light_band(site, open_context, person):
    page = open_context("desktop").new_page()
    log_in(page, site)
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the brand, on the header's colour
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineColor, s.outlineStyle, s.boxShadow]; }"
    )
    assert ring[0] == "rgb(17, 24, 39)"
    assert ring[1] == "solid"
    assert "rgb(255, 255, 255)" in ring[2]


def test_on_a_phone_the_header_is_one_line_and_the_menu_opens(site, open_context, person):
    page = open_context("phone").new_page()
    log_in(page, site)
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 64  # it was 184 px before the content
    members = page.get_by_role("link", name="Members")
    expect(members).to_be_hidden()
    page.get_by_text("Menu", exact=True).click()
    expect(members).to_be_visible()
    check_accessibility(page)
    page.keyboard.press("Escape")
    expect(members).to_be_hidden()
    expect(page.locator(".menu__button")).to_be_focused()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_without_javascript_the_menu_works_and_copy_is_not_offered(site, browser, person, viewport):
    context = browser.new_context(java_script_enabled=False, **VIEWPORTS[viewport])
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        log_in(page, site)
        if viewport == "phone":
            page.get_by_text("Menu", exact=True).click()
        else:
            expect(page.locator(".menu__button")).to_be_hidden()
        page.get_by_role("link", name="API keys").click()
        expect(page).to_have_url(f"{site}/admin/api-keys/")
        page.get_by_label("Name").fill("CI")
        page.get_by_role("button", name="Create key").click()
        expect(page.locator("#secret-value")).to_be_visible()
        expect(page.get_by_role("button", name="Copy")).to_be_hidden()
    finally:
        context.close()


def test_with_javascript_the_copy_button_shows_and_copies(site, open_context, person):
    context = open_context("desktop")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    log_in(page, site)
    page.goto(f"{site}/admin/api-keys/")
    page.get_by_label("Name").fill("CI")
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("#secret-value").input_value()
    copy = page.get_by_role("button", name="Copy")
    expect(copy).to_be_visible()
    copy.click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == secret
