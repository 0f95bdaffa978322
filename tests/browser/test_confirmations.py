"""Destructive actions in Chromium: with JavaScript a <dialog> asks (Cancel changes nothing,
Confirm acts); without JavaScript the confirmation page asks the same. Also the roles' view of
the members page, the links to copy, and the invitation page in its organization's colours."""

import re

import pytest
from playwright.sync_api import expect

from memberships.models import InviteCode, Membership
from memberships.services.invitations import invitation_create
from organizations.models import ApiKey, Organization, Template
from organizations.roles import Role
from tests.browser.conftest import VIEWPORTS, check_accessibility, open_menu
from tests.factories import (
    ApiKeyFactory,
    InviteCodeFactory,
    MembershipFactory,
    OrganizationFactory,
    TemplateFactory,
    UserFactory,
)

PASSWORD = "a-long-and-unusual-passphrase-42"


@pytest.fixture
def world():
    organization = OrganizationFactory(name="Acme Corp", slug="acme", seats=20)
    owner = UserFactory(email="alice@acme.test", name="Alice Owner", password=PASSWORD)
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER, is_active=True)
    bob = UserFactory(email="bob@acme.test", name="Bob Admin", password=PASSWORD)
    MembershipFactory(user=bob, organization=organization, role=Role.ADMIN, is_active=True)
    carol = UserFactory(email="carol@acme.test", name="Carol Analyst", password=PASSWORD)
    MembershipFactory(user=carol, organization=organization, role=Role.ANALYST, is_active=True)
    return {
        "organization": organization,
        "key": ApiKeyFactory(organization=organization, name="CI key"),
        "template": TemplateFactory(organization=organization, name="Weekly digest"),
        "code": InviteCodeFactory(organization=organization),
        "owner": owner,
    }


def log_in(page, site, email="alice@acme.test"):
    page.goto(f"{site}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}/")


@pytest.fixture
def no_js_context(browser):
    """`no_js_context(viewport)` → a browser context with JavaScript off."""
    contexts = []

    def make(viewport="desktop"):
        context = browser.new_context(java_script_enabled=False, **VIEWPORTS[viewport])
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_dialog_asks_cancel_changes_nothing_confirm_acts(site, open_context, world, viewport):
    page = open_context(viewport).new_page()
    log_in(page, site)
    key = world["key"]

    # Revoke: Cancel changes nothing.
    page.goto(f"{site}/admin/api-keys/")
    page.get_by_role("button", name="Revoke CI key").click()
    dialog = page.get_by_role("dialog", name="Revoke the key “CI key”?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("stops every request that uses it at once")
    check_accessibility(page)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None
    expect(page).to_have_url(f"{site}/admin/api-keys/")

    # Escape changes nothing either.
    page.get_by_role("button", name="Rotate CI key").click()
    expect(page.get_by_role("dialog")).to_contain_text("the old key stops working at once")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert ApiKey.objects.filter(organization=world["organization"]).count() == 1

    # Rotate, confirmed: a new key shown once, the old one dead.
    page.get_by_role("button", name="Rotate CI key").click()
    page.get_by_role("dialog").get_by_role("button", name="Rotate key").click()
    expect(page.get_by_text("Key rotated: the old key stopped working.")).to_be_visible()
    expect(page.locator("#secret-value")).to_have_value(re.compile(r"^acme_api_[\w-]+$"))
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None

    # The page that asks without JavaScript (a form posted without the dialog) is accessible.
    page.evaluate("document.querySelector('form[data-confirm]').submit()")
    expect(page.get_by_role("heading", name="Rotate the key “CI key”?")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Cancel").click()

    # Delete a template, confirmed.
    template = world["template"]
    page.goto(f"{site}/admin/templates/{template.pk}/")
    page.get_by_role("button", name="Delete template").click()
    dialog = page.get_by_role("dialog", name="Delete the template “Weekly digest”?")
    expect(dialog).to_contain_text("removes it for everyone in Acme Corp. This cannot be undone.")
    dialog.get_by_role("button", name="Delete template").click()
    expect(page).to_have_url(f"{site}/admin/templates/")
    expect(page.get_by_text("Template “Weekly digest” deleted.")).to_be_visible()
    assert not Template.objects.filter(pk=template.pk).exists()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_members_demotion_and_removal_ask_in_a_dialog(site, open_context, world, viewport):
    page = open_context(viewport).new_page()
    log_in(page, site)
    page.goto(f"{site}/admin/members/")
    carol = Membership.objects.get(user__email="carol@acme.test")

    # A promotion acts at once; a step down asks.
    page.get_by_label("Role of carol@acme.test").select_option("admin")
    page.get_by_role("button", name="Change role of carol@acme.test").click()
    expect(page.get_by_text("carol@acme.test is now Admin.")).to_be_visible()
    page.get_by_label("Role of carol@acme.test").select_option("member")
    page.get_by_role("button", name="Change role of carol@acme.test").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Make Carol Analyst (carol@acme.test) a member?")
    dialog.get_by_role("button", name="Cancel").click()
    carol.refresh_from_db()
    assert carol.role == Role.ADMIN
    page.get_by_role("button", name="Change role of carol@acme.test").click()
    dialog.get_by_role("button", name="Change to member").click()
    expect(page.get_by_text("carol@acme.test is now Member.")).to_be_visible()
    carol.refresh_from_db()
    assert carol.role == Role.MEMBER

    # Remove.
    page.get_by_role("button", name="Remove carol@acme.test").click()
    expect(dialog).to_contain_text("loses access to Acme Corp at once")
    check_accessibility(page)
    dialog.get_by_role("button", name="Remove member").click()
    expect(page.get_by_text("carol@acme.test was removed.")).to_be_visible()
    assert not Membership.objects.filter(pk=carol.pk).exists()

    # The only owner has no Leave button, and is told why.
    expect(page.get_by_role("button", name="Leave Acme Corp")).to_have_count(0)
    expect(page.get_by_text("You are the only owner")).to_be_visible()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_without_javascript_the_confirmation_page_asks(site, no_js_context, world, viewport):
    page = no_js_context(viewport).new_page()
    log_in(page, site)
    key, code = world["key"], world["code"]

    page.goto(f"{site}/admin/api-keys/")
    page.get_by_role("button", name="Revoke CI key").click()
    expect(page.get_by_role("heading", name="Revoke the key “CI key”?")).to_be_visible()
    expect(page.get_by_text("Revoking “CI key” stops every request that uses it")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(f"{site}/admin/api-keys/")
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None
    page.get_by_role("button", name="Revoke CI key").click()
    page.get_by_role("button", name="Revoke key").click()
    expect(page.get_by_text("Key “CI key” revoked")).to_be_visible()
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None

    page.goto(f"{site}/admin/members/")
    # No JavaScript, no Copy button that would do nothing: the link is there to select.
    copy = page.locator(f'[data-copy="#join-{code.pk}"]')
    expect(copy).to_have_count(1)
    expect(copy).to_be_hidden()
    expect(page.get_by_role("textbox", name=f"Join link for {code.code}")).to_have_value(
        f"http://127.0.0.1:8000/onboarding/organization/?code={code.code}#join"
    )
    page.get_by_role("button", name=f"Deactivate {code.code}").click()
    expect(page.get_by_text(f"Nobody can join with {code.code}")).to_be_visible()
    page.get_by_role("button", name="Deactivate code").click()
    expect(page.get_by_text(f"Invite code {code.code} deactivated.")).to_be_visible()
    assert not InviteCode.objects.get(pk=code.pk).is_active


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_an_analyst_sees_the_members_read_only(site, open_context, world, viewport):
    page = open_context(viewport).new_page()
    log_in(page, site, email="carol@acme.test")
    open_menu(page)
    page.get_by_role("navigation", name="Organization").get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name="Members", exact=True)).to_be_visible()
    expect(page.get_by_text("alice@acme.test")).to_be_visible()
    # No role to change: the one list box is the search's.
    expect(page.get_by_role("table").get_by_role("combobox")).to_have_count(0)
    expect(page.get_by_role("combobox")).to_have_count(1)
    expect(page.get_by_role("button", name="Send invitation")).to_have_count(0)
    expect(page.get_by_role("button", name="Leave Acme Corp")).to_be_visible()
    check_accessibility(page)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_inviting_shows_a_link_to_copy_and_the_invitation_wears_the_brand(
    site, open_context, world, viewport
):
    Organization.objects.filter(pk=world["organization"].pk).update(primary_color="#7c2d12")
    context = open_context(viewport)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    page = context.new_page()
    log_in(page, site)
    page.goto(f"{site}/admin/members/")
    code = world["code"].code
    page.get_by_role("button", name=f"Copy link for {code}").click()
    assert page.evaluate("navigator.clipboard.readText()").endswith(f"?code={code}#join")

    page.get_by_role("textbox", name="Email").fill(f"dana-{viewport}@example.com")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(f"Invitation queued for dana-{viewport}@example.com.")).to_be_visible()
    link = page.get_by_role("textbox", name=f"Invitation link for dana-{viewport}@example.com")
    expect(link).to_have_value(re.compile(r"^http://127\.0\.0\.1:8000/invitations/[\w-]+/$"))
    page.get_by_role("button", name="Copy invitation link").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == link.input_value()
    check_accessibility(page)

    visitor = open_context(viewport).new_page()
    _invitation, token = invitation_create(
        organization=world["organization"],
        actor=world["owner"],
        email=f"erin-{viewport}@example.com",
        role="member",
    )
    visitor.goto(f"{site}/invitations/{token}/")
    expect(visitor.locator(".brand__name")).to_have_text("Acme Corp")
    expect(visitor.locator(".site-header")).to_have_css("background-color", "rgb(124, 45, 18)")
    check_accessibility(visitor)
