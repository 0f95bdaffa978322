"""The setup wizard in Chromium, on a desktop and on a phone: sign-up to the first API key in
four screens, a mistyped invite code answered beside the field, the back button correcting the
organization instead of making a second one, and axe-core on every step."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from organizations.models import Organization
from tests.browser.conftest import check_accessibility, open_menu
from tests.factories import UserFactory

PASSWORD = "a-long-and-unusual-passphrase-42"
STEP = "/onboarding/organization/"


def log_in_as_newcomer(page, site, email):
    UserFactory(email=email, name="Nia New", password=PASSWORD)
    page.goto(f"{site}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # No organization yet: straight to the wizard's organization step, no welcome screen.
    expect(page).to_have_url(f"{site}{STEP}")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_sign_up_to_the_first_api_key_is_four_screens(site, open_context, viewport, settings):
    settings.ZEAL_ALLOWLIST = [{"model": "account.EmailAddress", "field": "*"}]
    page = open_context(viewport).new_page()
    screens: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: frame == page.main_frame and screens.append(urlsplit(frame.url).path),
    )

    page.goto(f"{site}/signup/")
    page.get_by_label("Your name").fill("Wendy Wizard")
    page.get_by_label("Work email").fill(f"wendy-{viewport}@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    # The address is confirmed from the email (allauth's mandatory verification): a detour
    # through the inbox, not a screen of the journey.
    confirm = re.search(r"http\S+(/confirm-email/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(f"{site}{confirm}")
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(f"{site}{STEP}")
    expect(page.get_by_role("heading", name="Create an organization")).to_be_visible()
    expect(page.get_by_role("heading", name="Or join your team")).to_be_visible()
    check_accessibility(page)
    # The name field is labelled for the chosen type.
    page.get_by_label("Type").select_option("personal")
    expect(page.get_by_label("Workspace name")).to_be_visible()
    page.get_by_label("Type").select_option("company")
    page.get_by_label("Company name").fill(f"Nimbus {viewport}")
    expect(page.locator("#slug-status")).to_contain_text(f"nimbus-{viewport}")
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(f"{site}/onboarding/plan/")
    expect(page.get_by_text("an LLM or cloud account you connect")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Start the Growth trial").click()

    expect(page).to_have_url(f"{site}/onboarding/success/")
    assert page.locator("#secret-value").input_value().startswith(f"nimbus-{viewport}_api_")
    check_accessibility(page)

    journey = [path for path in screens if not path.startswith("/confirm-email/")]
    journey = [path for i, path in enumerate(journey) if i == 0 or journey[i - 1] != path]
    assert journey == ["/signup/", STEP, "/onboarding/plan/", "/onboarding/success/"]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_mistyped_invite_code_is_answered_beside_the_field(site, open_context, viewport):
    page = open_context(viewport).new_page()
    log_in_as_newcomer(page, site, f"typo-{viewport}@example.com")
    page.get_by_label("Invite code").fill("WRONGCODE")
    response_status = []
    page.on("response", lambda r: r.request.method == "POST" and response_status.append(r.status))
    page.get_by_role("button", name="Join").click()
    expect(page.locator("#id_code_error")).to_have_text("This invite code is not valid.")
    expect(page.get_by_label("Invite code")).to_have_value("WRONGCODE")
    assert response_status == [400]
    expect(page.get_by_role("heading", name="Create an organization")).to_be_visible()
    check_accessibility(page)
    # Then creating: the back button to the answered form shows the organization made since.
    page.get_by_label("Company name").fill("Typo Co")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{site}/onboarding/plan/")
    page.go_back()
    expect(page.get_by_role("heading", name="Change Typo Co")).to_be_visible()
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(f"{site}/onboarding/plan/")
    assert Organization.objects.filter(name="Typo Co").count() == 1


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_back_from_success_corrects_the_organization_and_makes_no_second(
    site, open_context, viewport
):
    page = open_context(viewport).new_page()
    email = f"back-{viewport}@example.com"
    log_in_as_newcomer(page, site, email)
    # A double click on Continue sends the form twice: one organization.
    page.get_by_label("Company name").fill("Phoen Co")
    page.get_by_role("button", name="Continue").dblclick()
    expect(page).to_have_url(f"{site}/onboarding/plan/")
    page.get_by_role("button", name="Choose Free").click()
    expect(page).to_have_url(f"{site}/onboarding/success/")

    page.go_back()
    expect(page).to_have_url(f"{site}/onboarding/plan/")
    expect(page.get_by_role("heading", name="Choose a plan for Phoen Co")).to_be_visible()
    page.go_back()
    expect(page).to_have_url(f"{site}{STEP}")
    expect(page.get_by_role("heading", name="Change Phoen Co")).to_be_visible()
    expect(page.get_by_label("Company name")).to_have_value("Phoen Co")
    check_accessibility(page)
    page.get_by_label("Company name").fill("PhoneCo")
    expect(page.locator("#slug-status")).to_contain_text("phoneco")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name="Choose a plan for PhoneCo")).to_be_visible()
    page.get_by_role("button", name="Choose Free").click()
    expect(page.get_by_role("heading", name="PhoneCo is ready")).to_be_visible()
    organizations = Organization.objects.filter(memberships__user__email=email)
    assert [(o.name, o.slug) for o in organizations] == [("PhoneCo", "phoneco")]
    open_menu(page)
    page.locator(".switcher summary").click()
    expect(page.locator(".switcher__list li")).to_have_count(2)  # PhoneCo and "New organization"
    expect(page.locator(".switcher__current")).to_contain_text("PhoneCo")
