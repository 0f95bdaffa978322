"""The API docs and the platform admin in real Chromium: the docs load under the content security
policy without a console error, the Authorize dialog opens on the bearer token and a call made
from it works; the admin's organization list fits 1280 px and purging looks dangerous."""

import pytest

from memberships.models import User
from memberships.services.tokens import personal_token_create
from onboarding.services.onboard import OnboardRequest, onboard_client
from tests.browser.conftest import VIEWPORTS, check_accessibility

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OPERATOR_PASSWORD = "operator-password-1"


def watch_console(page) -> list[str]:
    """Every console error and uncaught exception the page has, as it happens."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_api_docs_load_under_the_csp_without_a_console_error(browser, site, viewport):
    # Not `open_context`: that one bypasses the content security policy to inject axe.
    context = browser.new_context(**VIEWPORTS[viewport])
    try:
        page = context.new_page()
        problems = watch_console(page)
        response = page.goto(f"{site}/api/docs/")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector(".opblock")
        page.locator(".opblock-summary-control").first.click()
        page.locator("button.authorize").first.click()
        page.wait_for_selector(".modal-ux")
        page.wait_for_timeout(200)
        assert problems == []
    finally:
        context.close()


def test_authorize_leads_with_the_bearer_token_and_a_call_with_it_works(browser, site):
    user = User.objects.create_user("reader@acme.test", "a-long-and-unusual-passphrase-42")
    _token, secret = personal_token_create(user=user, name="docs")
    context = browser.new_context(**VIEWPORTS["desktop"])
    try:
        page = context.new_page()
        problems = watch_console(page)
        page.goto(f"{site}/api/docs/")
        page.locator("button.authorize").first.click()
        dialog = page.locator(".modal-ux")
        headings = dialog.locator(".auth-container h4").all_inner_texts()
        assert headings[0].startswith("bearerAuth")
        assert [h.split()[0] for h in headings[:2]] == ["bearerAuth", "apiKeyHeader"]
        page.wait_for_function("document.activeElement.id === 'auth-bearer-value'")
        assert dialog.locator(".modal-ux-content").evaluate("e => e.scrollTop") == 0
        page.keyboard.type(secret)
        dialog.locator(".auth-container").first.locator("button.authorize").click()
        dialog.get_by_role("button", name="Close").first.click()

        operation = page.locator("#operations-me-me")
        operation.locator(".opblock-summary-control").click()
        operation.get_by_role("button", name="Try it out").click()
        operation.get_by_role("button", name="Execute").click()
        live = operation.locator(".live-responses-table tbody .response-col_status").first
        live.wait_for()
        assert live.inner_text().strip().startswith("200")
        assert "reader@acme.test" in operation.locator(".live-responses-table").inner_text()
        assert problems == []
    finally:
        context.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_api_docs_pass_axe(open_context, site, viewport):
    page = open_context(viewport).new_page()
    page.goto(f"{site}/api/docs/")
    page.wait_for_selector(".opblock")
    check_accessibility(page)


@pytest.fixture
def platform():
    for name, slug in [("Acme Corporation International", "acme"), ("Globex", "globex")]:
        onboard_client(
            request=OnboardRequest(org_name=name, org_slug=slug, owner_email=f"owner@{slug}.test")
        )
    User.objects.create_superuser("operator@causeloop.test", OPERATOR_PASSWORD)


def sign_in_as_operator(page, site):
    page.goto(f"{site}/platform-admin/login/")
    page.get_by_label("Email").fill("operator@causeloop.test")
    page.get_by_label("Password").fill(OPERATOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}/platform-admin/")


def test_the_organization_list_fits_1280_px_and_passes_axe(open_context, site, platform):
    page = open_context("desktop").new_page()
    sign_in_as_operator(page, site)
    page.goto(f"{site}/platform-admin/organizations/organization/")
    assert page.get_by_role("link", name="Acme Corporation International").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # Nor does the table scroll sideways inside its own box.
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('#changelist *')]
            .filter(e => e.scrollWidth > e.clientWidth + 1
                && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
            .map(e => e.className || e.tagName)"""
    )
    assert overflowing == []
    headers = page.locator("#result_list thead th").all_inner_texts()
    assert [h.strip().lower() for h in headers if h.strip()][-1] == "created"
    check_accessibility(page)


def test_the_purge_button_is_red_and_the_page_passes_axe(open_context, site, platform):
    page = open_context("desktop").new_page()
    sign_in_as_operator(page, site)
    page.goto(f"{site}/platform-admin/organizations/organization/?q=globex")
    page.locator("#result_list tbody input.action-select").first.check()
    page.get_by_label("Action:").select_option("purge")
    page.get_by_role("button", name="Run").click()
    button = page.get_by_role("button", name="Yes, purge Globex")
    colours = button.evaluate(
        "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]"
    )
    assert colours == ["rgb(186, 33, 33)", "rgb(255, 255, 255)"]
    check_accessibility(page)
    button.click()
    page.get_by_text("Purging Globex (globex): suspended now, gone once").wait_for()
    assert page.url.endswith("/platform-admin/organizations/organization/?q=globex")


def test_an_organizations_usage_and_overrides_pass_axe(open_context, site, platform):
    page = open_context("desktop").new_page()
    sign_in_as_operator(page, site)
    page.goto(f"{site}/platform-admin/organizations/organization/?q=acme")
    page.get_by_role("link", name="Acme Corporation International").click()
    panel = page.get_by_role("table", name="Plan free, days in UTC")
    panel.get_by_role("rowheader", name="Running now").wait_for()
    page.get_by_label("Runs a day").fill("5")
    check_accessibility(page)
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("was changed successfully").wait_for()
    page.get_by_role("link", name="Acme Corporation International", exact=True).click()
    panel.get_by_text("(override; plan: 2)").wait_for()
    assert page.get_by_label("Runs a day").input_value() == "5"
