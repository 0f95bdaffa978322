"""The plan page and the audit log in Chromium, on a desktop and a phone: readable, accessible
(axe-core), and an owner's switch of plan from click to sentence."""

import pytest
from playwright.sync_api import expect

from organizations.audit import audit
from organizations.audit_text import ACTIONS
from organizations.roles import Role
from tests.browser.conftest import check_accessibility
from tests.browser.test_every_page import PASSWORD, log_in
from tests.factories import ApiKeyFactory, MembershipFactory, OrganizationFactory, UserFactory
from tests.organizations.test_audit_text import SENTENCES


@pytest.fixture
def world():
    organization = OrganizationFactory(name="Acme Corp", slug="acme", plan_id="growth", seats=50)
    owner = UserFactory(email="alice@acme.test", name="Alice Example", password=PASSWORD)
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER, is_active=True)
    MembershipFactory(organization=organization, role=Role.ADMIN)
    key = ApiKeyFactory(organization=organization, name="CI")
    for action in ACTIONS:  # one row of every kind, each with its details
        audit(organization, actor=owner, action=action, details=SENTENCES[action][0])
    audit(organization, actor=key, action="api_key.revoked", details={"name": "old"})
    audit(organization, actor=None, action="webhook.endpoint_added")
    return organization


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_audit_log_reads_as_sentences_and_filters(site, open_context, world, viewport):
    page = open_context(viewport).new_page()
    log_in(page, site)
    page.goto(f"{site}/admin/audit/")
    check_accessibility(page)
    rows = page.locator("table.audit tbody tr")
    assert rows.count() == 25  # a page of them; the rest one click further
    assert page.get_by_text("Alice Example changed the plan from Free to Growth").is_visible()
    assert page.get_by_text("API key “CI” (…\u2060abcd) revoked the API key “old”").is_visible()
    assert page.get_by_text("The platform recorded “webhook endpoint added”").is_visible()
    if viewport == "phone":
        # Each cell says what it is once the table has become one card per row.
        label = (
            rows.first.locator("td")
            .nth(1)
            .evaluate("cell => getComputedStyle(cell, '::before').content")
        )
        assert label == '"What happened"'
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("link", name="Older →").click()
    # count() does not wait: expect() waits for the older page to have loaded.
    expect(rows).to_have_count(len(ACTIONS) + 2 - 25)
    assert page.get_by_text("Alice Example invited bob@acme.test as admin").is_visible()
    check_accessibility(page)

    page.get_by_label("What happened").select_option(label="Role changed")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    assert "changed the role of dave@acme.test from member to analyst" in rows.first.inner_text()
    page.get_by_label("Person (name or email)").fill("nobody-like-this")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No entries match these filters.")).to_be_visible()
    check_accessibility(page)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_owner_compares_plans_confirms_and_switches(site, open_context, world, viewport):
    page = open_context(viewport).new_page()
    log_in(page, site)
    page.goto(f"{site}/admin/plan/")
    check_accessibility(page)
    assert page.get_by_role("heading", name="Acme Corp is on the Growth plan").is_visible()
    assert page.get_by_text("2 of 50 seats in use").is_visible()
    if viewport == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.get_by_role("link", name="Switch to Enterprise").click()
    confirmation = page.locator("#confirm")
    assert confirmation.get_by_role(
        "heading", name="Switch from Growth to Enterprise?"
    ).is_visible()
    assert "Seats" in confirmation.inner_text()
    assert "250" in confirmation.inner_text()
    check_accessibility(page)

    confirmation.get_by_role("button", name="Switch to Enterprise").click()
    expect(page.get_by_text("You are now on the Enterprise plan")).to_be_visible()
    assert page.get_by_role("heading", name="Acme Corp is on the Enterprise plan").is_visible()
    page.goto(f"{site}/admin/audit/")
    assert page.get_by_text("Alice Example changed the plan from Growth to Enterprise").is_visible()
