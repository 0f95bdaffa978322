"""The webhook pages in Chromium, on a desktop and a phone: adding an endpoint (a refused URL is
said next to the field), its signing secret shown once with a copy button, a test event that
appears in the delivery log, and a rotation asked for in the confirmation dialog; accessible
(axe-core) and no wider than the phone, long URLs and all. Nothing is sent: no worker runs."""

import pytest
from playwright.sync_api import expect

from causeloop.core.crypto import decrypt
from organizations.roles import Role
from tests.browser.conftest import VIEWPORTS, check_accessibility, open_menu
from tests.browser.test_every_page import LONG_URL, PASSWORD, log_in, seed_webhooks
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from webhooks.models import WebhookDelivery, WebhookEndpoint

URL = "https://93.184.216.34/hooks/causeloop/a-receiver-with-a-long-path-that-has-to-wrap"


@pytest.fixture
def world():
    organization = OrganizationFactory(name="Acme Corp", slug="acme", plan_id="growth", seats=50)
    owner = UserFactory(email="alice@acme.test", name="Alice Owner", password=PASSWORD)
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER, is_active=True)
    return organization, owner


def _fits(page, viewport):
    width = VIEWPORTS[viewport]["viewport"]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _secret(endpoint: WebhookEndpoint) -> str:
    return decrypt(bytes(endpoint.secret)).decode()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_an_owner_adds_an_endpoint_tests_it_and_rotates_its_secret(
    site, open_context, world, viewport
):
    page = open_context(viewport).new_page()
    log_in(page, site)
    open_menu(page)
    page.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
    expect(page.get_by_text("No endpoints yet.")).to_be_visible()
    check_accessibility(page)
    _fits(page, viewport)

    # A refused URL: said next to the field, which gets the focus; what was typed stays.
    page.get_by_label("URL", exact=True).fill("http://93.184.216.34/hooks")
    page.get_by_label("Description").fill("Billing service")
    page.get_by_role("button", name="Add endpoint").click()
    url = page.get_by_label("URL", exact=True)
    expect(url).to_be_focused()
    expect(page.locator("#id_url_error")).to_contain_text("must start with https://")
    expect(page.get_by_label("Description")).to_have_value("Billing service")
    assert not WebhookEndpoint.objects.exists()
    check_accessibility(page)

    # Only some events: choosing so opens the list; all events again clears the ticks; a tick
    # chooses "only the types ticked" by itself.
    url.fill(URL)
    only, every = (
        page.get_by_role("radio", name=name) for name in ("Only the types", "All events")
    )
    joined = page.get_by_role("checkbox", name="Member joined member.joined")
    expect(joined).to_be_hidden()
    only.check()
    joined.check()
    every.check()
    expect(joined).not_to_be_checked()
    joined.check()
    expect(only).to_be_checked()
    check_accessibility(page)
    page.get_by_role("group", name="Runs").get_by_role("checkbox", name="All of them").check()
    page.get_by_role("button", name="Add endpoint").click()

    expect(page.get_by_role("heading", name="Billing service", level=1)).to_be_visible()
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.url, endpoint.event_types) == (URL, ["member.joined", "run.*"])
    secret = page.get_by_role("textbox", name="Signing secret")
    expect(secret).to_have_value(_secret(endpoint))
    expect(page.get_by_role("button", name="Copy")).to_be_visible()
    expect(page.get_by_text("webhook-signature", exact=True).first).to_be_visible()
    check_accessibility(page)
    _fits(page, viewport)

    # A test event: due at once, in the log (no worker runs here, so it stays pending).
    page.get_by_role("button", name="Send test event").click()
    expect(page.get_by_text("it will arrive within seconds")).to_be_visible()
    expect(page.get_by_role("textbox", name="Signing secret")).to_have_count(
        0
    )  # shown once, not again
    delivery = WebhookDelivery.objects.get()
    log = page.get_by_role("table", name="Deliveries to this endpoint, newest first")
    row = log.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("webhook.test")
    expect(row).to_contain_text(delivery.event_id)
    expect(row).to_contain_text("Pending")
    check_accessibility(page)
    _fits(page, viewport)

    # Rotating asks first, in the dialog; cancelling changes nothing.
    old = _secret(endpoint)
    page.get_by_role("button", name="Rotate secret").click()
    dialog = page.get_by_role("dialog", name="Rotate this endpoint's signing secret?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("keeps signing beside it for 24 hours")
    check_accessibility(page)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    endpoint.refresh_from_db()
    assert _secret(endpoint) == old

    page.get_by_role("button", name="Rotate secret").click()
    dialog.get_by_role("button", name="Rotate secret").click()
    expect(page.get_by_text("Secret rotated.")).to_be_visible()
    endpoint.refresh_from_db()
    new = _secret(endpoint)
    assert new != old
    expect(page.get_by_role("textbox", name="New signing secret")).to_have_value(new)
    expect(page.get_by_text("the previous secret also signs until")).to_be_visible()
    check_accessibility(page)
    _fits(page, viewport)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_pages_with_a_delivery_log_and_a_disabled_endpoint(site, open_context, world, viewport):
    organization, owner = world
    endpoint = seed_webhooks(organization, owner)
    page = open_context(viewport).new_page()
    log_in(page, site)
    page.goto(f"{site}/admin/webhooks/")
    expect(page.get_by_text("Disabled after failing for 5 days")).to_be_visible()
    expect(page.get_by_role("link", name=LONG_URL)).to_be_visible()
    check_accessibility(page)
    _fits(page, viewport)

    page.get_by_role("link", name=LONG_URL).click()
    expect(page.get_by_role("heading", name="Billing service", level=1)).to_be_visible()
    rows = page.get_by_role("table", name="Deliveries to this endpoint, newest first").locator(
        "tbody tr"
    )
    expect(rows).to_have_count(4)
    failed = rows.filter(has_text="Failed")
    expect(failed).to_contain_text("503")
    failed.get_by_text("Details").click()
    expect(failed.get_by_text("<html>Service Unavailable</html>")).to_be_visible()
    check_accessibility(page)
    _fits(page, viewport)

    failed.get_by_role("button", name="Retry").click()
    expect(page.get_by_text("will be attempted again within seconds")).to_be_visible()
    retried = WebhookDelivery.objects.filter(endpoint=endpoint, response_status=503).get()
    assert retried.state == WebhookDelivery.State.PENDING
    _fits(page, viewport)
