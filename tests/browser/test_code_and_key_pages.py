"""SPEC §11 in Chromium, on a desktop and a phone, accessible (axe-core) and no wider than the
screen: an invite code with rules made on the members page, listed with its uses left, refused
to an address on another domain, and counted down as a colleague joins with it; an API key
rotated with a grace, its old key counting down the time it still works."""

import re

import pytest
from playwright.sync_api import expect

from memberships.models import InviteCode, Membership
from organizations.models import ApiKey
from organizations.roles import Role
from organizations.services.api_keys import api_key_create
from tests.browser.conftest import VIEWPORTS, check_accessibility
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


def _sign_in(page, site, email):
    """A person with no organization yet signs in (and lands in the wizard)."""
    page.goto(f"{site}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/onboarding/.*"))


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_capped_domain_code_is_listed_with_its_uses_left_and_counts_a_join(
    site, open_context, world, viewport
):
    organization, _owner = world
    UserFactory(email="bob@acme.test", name="Bob", password=PASSWORD)
    UserFactory(email="eve@elsewhere.test", name="Eve", password=PASSWORD)
    owner = open_context(viewport).new_page()
    log_in(owner, site)
    owner.goto(f"{site}/admin/members/")
    expect(owner.get_by_text("No invite codes yet.")).to_be_visible()
    # The role offered stops at the owner's grantable roles: never owner.
    joins_as = owner.get_by_label("Joins as")
    options = joins_as.locator("option").all_text_contents()
    assert options == ["Member", "Analyst", "Admin"]
    check_accessibility(owner)
    _fits(owner, viewport)

    # A refused rule is said next to its field; what was typed stays.
    joins_as.select_option("admin")
    owner.get_by_label("How many people may join").fill("2")
    owner.get_by_label("Only addresses at").fill("acme .test")
    owner.get_by_role("button", name="Create a code").click()
    domain = owner.get_by_label("Only addresses at")
    expect(domain).to_be_focused()
    expect(owner.locator("#code-email_domain_error")).to_contain_text("is not a domain name")
    expect(owner.get_by_label("How many people may join")).to_have_value("2")
    assert not InviteCode.objects.exists()
    check_accessibility(owner)

    domain.fill("Acme.test")
    owner.get_by_role("button", name="Create a code").click()
    code = InviteCode.objects.get()
    assert (code.role, code.max_uses, code.email_domain) == ("admin", 2, "acme.test")
    expect(owner.get_by_text(f"Invite code {code.code} created.")).to_be_visible()
    item = owner.locator("li.invite-code", has_text=code.code)
    expect(item).to_contain_text("Joins as admin")
    expect(item).to_contain_text("0 of 2 used, 2 left")
    expect(item).to_contain_text("only addresses at acme.test")
    expect(item).to_contain_text("Active")
    link = item.get_by_label(f"Join link for {code.code}").input_value()
    # The link names the configured site; the live server runs elsewhere.
    join_link = f"{site}/onboarding/{link.split('/onboarding/', 1)[1]}"
    check_accessibility(owner)
    _fits(owner, viewport)

    # Someone on another domain is told why, and takes no use.
    outsider = open_context(viewport).new_page()
    _sign_in(outsider, site, "eve@elsewhere.test")
    outsider.goto(join_link)
    outsider.get_by_role("button", name="Join").click()
    expect(outsider.get_by_label("Invite code")).to_have_attribute("aria-invalid", "true")
    expect(outsider.locator("#id_code_error")).to_contain_text("only for addresses at acme.test")
    check_accessibility(outsider)
    _fits(outsider, viewport)
    code.refresh_from_db()
    assert code.uses == 0

    # A colleague on the domain joins with the link, as the admin the code makes them.
    colleague = open_context(viewport).new_page()
    _sign_in(colleague, site, "bob@acme.test")
    colleague.goto(join_link)
    expect(colleague.get_by_label("Invite code")).to_have_value(code.code)
    colleague.get_by_role("button", name="Join").click()
    expect(colleague.get_by_text("Welcome to Acme Corp.")).to_be_visible()
    joined = Membership.objects.get(organization=organization, user__email="bob@acme.test")
    assert joined.role == Role.ADMIN

    owner.reload()
    item = owner.locator("li.invite-code", has_text=code.code)
    expect(item).to_contain_text("1 of 2 used, 1 left")
    expect(owner.get_by_role("table", name="Members of Acme Corp")).to_contain_text("bob@acme.test")
    check_accessibility(owner)
    _fits(owner, viewport)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_rotated_keys_grace_counts_down(site, open_context, world, viewport):
    organization, alice = world
    old, _secret = api_key_create(organization=organization, actor=alice, name="Deploys")
    context = open_context(viewport)
    context.clock.install()  # the page's clock, moved on by hand below
    page = context.new_page()
    log_in(page, site)
    page.goto(f"{site}/admin/api-keys/")
    check_accessibility(page)
    _fits(page, viewport)

    # Rotating asks when the old key stops; the dialog says what the choice means.
    when = page.get_by_label("Old key stops when rotating “Deploys”")
    assert when.locator("option").all_text_contents() == [
        "Immediately",
        "In 1 hour",
        "In 24 hours",
        "In 3 days",
        "In 7 days",
    ]
    when.select_option("24")
    page.get_by_role("button", name="Rotate Deploys").click()
    dialog = page.get_by_role("dialog", name="Rotate the key “Deploys”?")
    expect(dialog).to_contain_text("the old key keeps working for 24 hours more, then stops")
    check_accessibility(page)
    dialog.get_by_role("button", name="Rotate key").click()
    expect(
        page.get_by_text("Key rotated: the old key keeps working for 23 h 59 min")
    ).to_be_visible()
    new = ApiKey.objects.exclude(pk=old.pk).get()
    expect(page.get_by_role("textbox", name="New key for “Deploys”")).to_have_value(
        re.compile(rf"^acme_api_\S+{new.last_four}$")
    )
    old.refresh_from_db()
    assert old.state == ApiKey.State.EXPIRING

    # The old key's row counts down, the exact moment in the <time>'s title.
    countdown = page.locator(f'time[datetime="{old.expires_at.isoformat(timespec="seconds")}"]')
    expect(countdown).to_have_text("stops working in 23 h 59 min")
    expect(countdown).to_have_attribute("title", f"{old.expires_at:%-d %b %Y, %H:%M} UTC")
    expect(page.locator("tr", has=countdown)).to_contain_text("expiring")
    check_accessibility(page)
    _fits(page, viewport)

    page.clock.fast_forward("01:00:00")
    expect(countdown).to_have_text("stops working in 22 h 59 min")
    page.clock.fast_forward("22:59:30")
    expect(countdown).to_have_text("stops working in less than a minute")
    page.clock.fast_forward("00:01:00")
    expect(countdown).to_have_text("has stopped working")
