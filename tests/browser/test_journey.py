"""The whole journey in a real browser, on a desktop and on a phone: sign up and confirm the
address, set up an organization, see its key once, invite a teammate who signs up from the
emailed link, switch organization, brand it, change a role, and meet the walls (403 for a role,
404 for a tenant)."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, open_menu
from tests.factories import OrganizationFactory, TemplateFactory

PASSWORD = "a-long-and-unusual-passphrase-42"


def sign_up(page, site, name, email):
    page.goto(f"{site}/signup/")
    check_accessibility(page)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()


def switch_to(page, organization_name):
    open_menu(page)
    page.locator(".switcher summary").click()
    page.locator(".switcher__option", has_text=organization_name).click()
    expect(page.locator(".brand__name")).to_have_text(organization_name)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_whole_journey(site, open_context, viewport, settings):
    # allauth's confirmation view reads the address twice, from its own code: django-zeal
    # (on in the test suite) sees both reads as ours and would call it an N+1.
    settings.ZEAL_ALLOWLIST = [{"model": "account.EmailAddress", "field": "*"}]
    owner = open_context(viewport).new_page()

    # Sign up, follow the link mailed to the address, and land in the wizard.
    sign_up(owner, site, "Olive Owner", f"olive-{viewport}@example.com")
    expect(owner).to_have_url(f"{site}/confirm-email/")
    expect(owner.get_by_role("heading", name="Check your email")).to_be_visible()
    check_accessibility(owner)
    confirm = re.search(r"http\S+(/confirm-email/\S+/)", mail.outbox[-1].body).group(1)
    owner.goto(f"{site}{confirm}")
    check_accessibility(owner)
    owner.get_by_role("button", name="Confirm").click()

    # Create the organization (no welcome screen first): the slug is suggested as the name is
    # typed.
    expect(owner).to_have_url(f"{site}/onboarding/organization/")
    expect(owner.get_by_role("heading", name="Create an organization")).to_be_visible()
    check_accessibility(owner)
    owner.get_by_label("Company name").fill(f"Nimbus {viewport}")
    expect(owner.locator("#slug-status")).to_contain_text(f"nimbus-{viewport}")
    owner.get_by_role("button", name="Continue").click()

    # Choose a plan: the cards come from the plans, paid ones with a trial.
    expect(owner).to_have_url(f"{site}/onboarding/plan/")
    expect(owner.get_by_text("14-day trial").first).to_be_visible()
    check_accessibility(owner)
    owner.get_by_role("button", name="Start the Growth trial").click()

    # The first API key, once.
    expect(owner).to_have_url(f"{site}/onboarding/success/")
    key = owner.locator("#secret-value").input_value()
    assert key.startswith(f"nimbus-{viewport}_api_")
    check_accessibility(owner)
    owner.reload()
    expect(owner.locator("#secret-value")).to_have_count(0)
    expect(owner.get_by_text("was shown once")).to_be_visible()

    # Invite a teammate.
    owner.goto(f"{site}/admin/members/")
    check_accessibility(owner)
    teammate_email = f"tess-{viewport}@example.com"
    owner.get_by_role("textbox", name="Email").fill(teammate_email)
    owner.get_by_label("Role", exact=True).select_option("analyst")
    owner.get_by_role("button", name="Send invitation").click()
    expect(owner.get_by_text(f"Invitation queued for {teammate_email}.")).to_be_visible()
    link = re.search(r"http\S+/invitations/\S+/", mail.outbox[-1].body).group(0)
    invitation_path = link.split("/invitations/", 1)[1]

    # The teammate opens the emailed link, signs up with the fixed email, lands inside.
    teammate = open_context(viewport).new_page()
    teammate.goto(f"{site}/invitations/{invitation_path}")
    expect(teammate.get_by_role("heading", name=f"Join Nimbus {viewport}")).to_be_visible()
    check_accessibility(teammate)
    teammate.get_by_role("button", name=f"Sign up as {teammate_email}").click()
    email_field = teammate.get_by_label("Work email")
    expect(email_field).to_have_value(teammate_email)
    expect(email_field).to_have_attribute("readonly", "")
    teammate.get_by_label("Your name").fill("Tess Teammate")
    teammate.get_by_label("Password", exact=True).fill(PASSWORD)
    teammate.get_by_role("button", name="Sign up").click()
    expect(teammate).to_have_url(f"{site}/")
    expect(teammate.locator(".brand__name")).to_have_text(f"Nimbus {viewport}")
    expect(teammate.get_by_text("You are analyst")).to_be_visible()
    check_accessibility(teammate)

    # The owner makes a second organization, then switches back with the header's switcher.
    owner.goto(f"{site}/")
    open_menu(owner)
    owner.locator(".switcher summary").click()
    owner.get_by_role("link", name="New organization").click()
    expect(owner.get_by_role("heading", name="Create an organization")).to_be_visible()
    owner.get_by_label("Company name").fill(f"Side {viewport}")
    owner.get_by_role("button", name="Continue").click()
    owner.get_by_role("button", name="Choose Free").click()
    owner.get_by_role("link", name="Go to the dashboard").click()
    expect(owner.locator(".brand__name")).to_have_text(f"Side {viewport}")
    switch_to(owner, f"Nimbus {viewport}")
    check_accessibility(owner)

    # Branding: the colour chosen is the colour the pages wear.
    owner.goto(f"{site}/admin/branding/")
    check_accessibility(owner)
    owner.get_by_label("Primary colour").fill("#0f766e")
    owner.get_by_role("button", name="Save branding").click()
    expect(owner.get_by_text("Branding saved.")).to_be_visible()
    expect(owner.locator(".site-header")).to_have_css("background-color", "rgb(15, 118, 110)")

    # Change the teammate's role to member: a step down, confirmed in a dialog.
    owner.goto(f"{site}/admin/members/")
    owner.get_by_label(f"Role of {teammate_email}").select_option("member")
    owner.get_by_role("button", name=f"Change role of {teammate_email}").click()
    owner.get_by_role("dialog").get_by_role("button", name="Change to member").click()
    expect(owner.get_by_text(f"{teammate_email} is now Member.")).to_be_visible()

    # The member meets the walls: 403 on an admin page, 404 for another tenant's page.
    teammate.goto(f"{site}/admin/api-keys/")
    expect(teammate.get_by_role("heading", name="You do not have access")).to_be_visible()
    check_accessibility(teammate)
    foreign = TemplateFactory(organization=OrganizationFactory())
    response = teammate.goto(f"{site}/admin/templates/{foreign.pk}/")
    assert response.status == 404
    expect(teammate.get_by_role("heading", name="Page not found")).to_be_visible()
    check_accessibility(teammate)
