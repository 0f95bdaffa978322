"""The domains page in Chromium, on a desktop and a phone: adding a domain (a refused one said
next to the field), its TXT record shown as a DNS provider asks for it with copy buttons, a
verification that fails in DNS's words and then succeeds against the DNS server on loopback,
the policy changed, and the removal asked in the confirmation dialog; accessible (axe-core)
and no wider than the phone. And the wizard's suggestion, joined in one click."""

import pytest
from playwright.sync_api import expect

from directory.models import Domain
from memberships.models import Membership
from organizations.roles import Role
from tests.browser.conftest import VIEWPORTS, check_accessibility, open_menu
from tests.browser.test_every_page import PASSWORD, log_in
from tests.directory.dns_server import dns_server  # noqa: F401  (a fixture)
from tests.directory.domain_data import make_domain
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

NAME = "engineering.acme-corporation-international.test"  # long: it has to wrap on a phone


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
def test_an_owner_adds_verifies_and_removes_a_domain(
    site,
    open_context,
    world,
    dns_server,  # noqa: F811
    viewport,
):
    page = open_context(viewport).new_page()
    log_in(page, site)
    open_menu(page)
    page.get_by_role("link", name="Directory", exact=True).click()
    expect(page.get_by_role("heading", name="Domains", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Domains")).to_have_attribute("aria-current", "page")
    expect(page.get_by_text("No domains yet.")).to_be_visible()
    check_accessibility(page)
    _fits(page, viewport)

    # A free-mail provider: refused next to the field, which gets the focus.
    field = page.get_by_label("Domain", exact=True)
    field.fill("gmail.com")
    page.get_by_role("button", name="Add domain").click()
    expect(page.get_by_label("Domain", exact=True)).to_be_focused()
    expect(page.locator("#id_domain_error")).to_contain_text("public email provider")
    assert not Domain.objects.exists()
    check_accessibility(page)

    page.get_by_label("Domain", exact=True).fill(NAME.upper())
    page.get_by_role("button", name="Add domain").click()
    expect(page.get_by_text(f"Domain {NAME} added.")).to_be_visible()
    domain = Domain.objects.get()
    expect(page.get_by_text("Pending")).to_be_visible()
    expect(page.get_by_role("textbox", name="Name (host)")).to_have_value(NAME)
    expect(page.get_by_role("textbox", name="Value")).to_have_value(domain.txt_record)
    expect(page.get_by_role("button", name="Copy the value")).to_be_visible()
    expect(page.get_by_role("button", name="Copy the name")).to_be_visible()
    check_accessibility(page)
    _fits(page, viewport)

    # Not in DNS yet: the lookup's words, in the message and on the domain. The widest token
    # there is, so the message's unbroken record must wrap on a phone whatever is drawn.
    Domain.objects.filter(pk=domain.pk).update(token="W" * 24)
    domain.refresh_from_db()
    dns_server.publish(NAME, "v=spf1 -all")
    page.get_by_role("button", name=f"Verify {NAME}").click()
    expect(page.get_by_text(f"{NAME} is not verified:")).to_be_visible()
    expect(page.locator(".domain__check")).to_contain_text('Found: "v=spf1 -all"')
    check_accessibility(page)
    _fits(page, viewport)

    dns_server.publish(NAME, [domain.txt_record[:20], domain.txt_record[20:]])
    page.get_by_role("button", name=f"Verify {NAME}").click()
    expect(page.get_by_text(f"{NAME} is verified.")).to_be_visible()
    expect(page.locator(".domain .badge")).to_have_text("Verified")
    expect(page.get_by_role("textbox", name="Value")).to_have_count(0)
    domain.refresh_from_db()
    assert domain.is_verified
    check_accessibility(page)
    _fits(page, viewport)

    page.get_by_label(f"Policy for {NAME}").select_option("auto_join")
    page.get_by_role("button", name=f"Save the policy for {NAME}").click()
    expect(page.get_by_text("Policy saved.")).to_be_visible()
    domain.refresh_from_db()
    assert domain.policy == "auto_join"

    # Removing asks first, in the dialog; cancelling changes nothing.
    page.get_by_role("button", name=f"Remove {NAME}").click()
    dialog = page.get_by_role("dialog", name=f"Remove the domain {NAME}?")
    expect(dialog).to_be_visible()
    check_accessibility(page)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert Domain.objects.exists()
    page.get_by_role("button", name=f"Remove {NAME}").click()
    dialog.get_by_role("button", name="Remove domain").click()
    expect(page.get_by_text(f"Domain {NAME} removed.")).to_be_visible()
    assert not Domain.objects.exists()
    check_accessibility(page)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_newcomer_is_offered_their_companys_organization(site, open_context, world, viewport):
    organization, _owner = world
    make_domain(organization, "acme.test", verified=True)
    newcomer = UserFactory(email="dana@acme.test", password=PASSWORD)
    page = open_context(viewport).new_page()
    page.goto(f"{site}/login/")
    page.get_by_label("Email").fill("dana@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="People at acme.test use Acme Corp")).to_be_visible()
    expect(page.get_by_role("heading", name="Or create an organization")).to_be_visible()
    check_accessibility(page)
    _fits(page, viewport)
    page.get_by_role("button", name="Join Acme Corp").click()
    expect(page.get_by_text("Welcome to Acme Corp.")).to_be_visible()
    membership = Membership.objects.get(user=newcomer)
    assert (membership.organization, membership.role) == (organization, "member")
