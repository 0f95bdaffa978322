"""Every page, for accessibility (axe-core: no serious or critical violation) on a desktop and
a phone, and in a light, a mid and a dark brand colour; and a picture of the main ones
(`CAUSELOOP_SCREENSHOTS=1` writes docs/screenshots/)."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from zeal import zeal_ignore

from directory.scim import User as ScimUser
from directory.services.scim_tokens import scim_token_create
from directory.services.scim_users import scim_user_create
from memberships.services.invitations import invitation_create
from memberships.services.invite_codes import invite_code_create
from organizations.audit import audit
from organizations.models import Organization, Run, UsageDay
from organizations.roles import Role
from organizations.services.api_keys import api_key_create, api_key_rotate
from organizations.services.integrations import integration_create
from organizations.services.runs import run_finish, run_start
from organizations.usage import usage_of
from tests.browser.conftest import check_accessibility
from tests.directory.domain_data import make_domain
from tests.factories import MembershipFactory, OrganizationFactory, TemplateFactory, UserFactory
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.endpoints import endpoint_create, endpoint_test

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "a-long-and-unusual-passphrase-42"

PUBLIC = [
    "/login/",
    "/signup/",
    "/password/reset/",
    "/invitations/{token}/",
    "/invitations/not-a-real-token/",
    "/confirm-email/",
    "/confirm-email/not-a-real-key/",
]
SIGNED_IN = [
    "/",
    "/onboarding/",
    "/onboarding/organization/",
    "/admin/organization/",
    "/admin/branding/",
    "/admin/templates/",
    "/admin/templates/{template}/",
    "/admin/members/",
    "/admin/api-keys/",
    "/admin/data/",
    "/admin/plan/",
    "/admin/plan/?change=enterprise",
    "/admin/audit/",
    "/admin/integrations/",
    "/admin/integrations/{integration}/",
    "/admin/webhooks/",
    "/admin/webhooks/{webhook}/",
    "/admin/domains/",
    "/admin/directory/",
    "/password/change/",
    "/admin/templates/tpl_does_not_exist/",
    "/organizations/",
]
# (primary, secondary): the header, buttons and links wear the first; the preview the second.
BRAND_COLOURS = {
    "light": ("#fde047", "#1e1b4b"),
    "mid": ("#0ea5e9", "#fde047"),
    "dark": ("#1e1b4b", "#0ea5e9"),
}
PICTURES = {
    "/login/": "login",
    "/signup/": "signup",
    "/onboarding/organization/": "wizard-organization",
    "/": "home",
    "/admin/members/": "members",
    "/admin/branding/": "branding",
    "/admin/api-keys/": "api-keys",
    "/admin/data/": "data",
    "/admin/plan/": "plan",
    "/admin/audit/": "audit-log",
    "/admin/templates/": "templates",
    "/invitations/{token}/": "invitation",
    "/admin/integrations/": "integrations",
    "/admin/webhooks/": "webhooks",
    "/admin/webhooks/{webhook}/": "webhook",
    "/admin/domains/": "domains",
    "/admin/directory/": "directory",
}
# Runs a day over the 29 days before today (oldest first): a month that looks lived in.
PAST_RUNS = [0, 0, 3, 5, 2, 0, 8, 12, 6, 4, 0, 0, 7, 9, 11, 5, 3, 0, 2, 6, 14, 10, 8, 0, 0, 4, 6]
PAST_RUNS += [9, 13]


def seed_usage(organization, owner):
    """Two integrations, three runs today (one finished) and the 29 days before: what the
    dashboard's meters and chart and the integrations page show. Returns an integration."""
    integration = integration_create(
        organization=organization,
        actor=owner,
        name="OpenAI production",
        kind="openai",
        credential="sk-proj-demo-0123456789-a1b2",
    )
    integration_create(
        organization=organization,
        actor=owner,
        name="Claude (research)",
        kind="anthropic",
        credential="sk-ant-demo-9876543210-c3d4",
    )
    runs = [run_start(organization=organization, actor=owner).run for _ in range(3)]
    run_finish(run=runs[0], actor=owner, status=Run.Status.SUCCEEDED)
    today = usage_of(organization).usage.today
    UsageDay.objects.bulk_create(
        UsageDay(organization=organization, day=today - timedelta(days=29 - index), runs=count)
        for index, count in enumerate(PAST_RUNS)
        if count
    )
    return integration


LONG_URL = (
    "https://93.184.216.34/hooks/causeloop/production/events-from-acme-corp"
    "?token=0f1e2d3c4b5a69788796a5b4c3d2e1f0"
)


def seed_webhooks(organization, owner):
    """Two endpoints — one with a long URL and a delivery log in every state, one disabled
    after failing — as the webhook pages show them. Returns the first. Nothing is sent."""
    endpoint, _secret = endpoint_create(
        organization=organization,
        actor=owner,
        url=LONG_URL,
        description="Billing service",
        event_types=["member.*", "run.finished"],
    )
    now = timezone.now()
    outcomes = [
        {
            "state": "succeeded",
            "attempts": 1,
            "response_status": 200,
            "duration_ms": 84,
            "response_body": '{"ok": true}',
        },
        {
            "state": "failed",
            "attempts": 8,
            "response_status": 503,
            "duration_ms": 15000,
            "error": "The endpoint answered 503 Service Unavailable after 15 seconds; the "
            "delivery failed after its last attempt.",
            "response_body": "<html>Service Unavailable</html>",
        },
        {
            "state": "pending",
            "attempts": 2,
            "response_status": 500,
            "duration_ms": 312,
            "error": "The endpoint answered 500.",
            "next_attempt_at": now,
        },
        {"state": "pending", "attempts": 0},
    ]
    for outcome in outcomes:
        delivery = endpoint_test(endpoint, actor=owner)
        attempted = {"last_attempt_at": now} if outcome["attempts"] else {}
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**attempted, **outcome)
    broken, _secret = endpoint_create(
        organization=organization, actor=owner, url="https://93.184.216.34/old-receiver"
    )
    WebhookEndpoint.objects.filter(pk=broken.pk).update(
        enabled=False,
        disabled_reason=WebhookEndpoint.DisabledReason.FAILING,
        failing_since=now - timedelta(days=5, hours=2),
    )
    return endpoint


def seed_company(organization, owner):
    """SPEC §11 on the pages: a verified and a pending domain, a SCIM token with two directory
    people (one deactivated), a capped invite code for one domain, a key in its grace."""
    make_domain(organization, "acme.test", verified=True, policy="auto_join")
    make_domain(organization, "acme-labs.test")
    token, _secret = scim_token_create(organization=organization, actor=owner, name="Okta")
    for user_name, active in (("frank@acme.test", True), ("grace@acme.test", False)):
        resource = ScimUser.model_validate(
            {
                "userName": user_name,
                "displayName": user_name.split("@")[0].title(),
                "active": active,
            }
        )
        scim_user_create(organization=organization, token=token, resource=resource)
    invite_code_create(
        organization=organization, actor=owner, role="analyst", max_uses=5, email_domain="acme.test"
    )
    key, _secret = api_key_create(organization=organization, actor=owner, name="Deploy")
    api_key_rotate(api_key=key, actor=owner, grace_period_hours=24)


@pytest.fixture
def world():
    organization = OrganizationFactory(name="Acme Corp", slug="acme", plan_id="growth", seats=50)
    owner = UserFactory(email="alice@acme.test", name="Alice Owner", password=PASSWORD)
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER, is_active=True)
    for name, role in [("Bob Admin", Role.ADMIN), ("Carol Analyst", Role.ANALYST)]:
        user = UserFactory(email=f"{name.split()[0].lower()}@acme.test", name=name)
        MembershipFactory(user=user, organization=organization, role=role)
    template = TemplateFactory(
        organization=organization,
        name="Weekly summary",
        description="Summarises the week for the team.",
    )
    _invitation, token = invitation_create(
        organization=organization, actor=owner, email="dana@acme.test", role="analyst"
    )
    audit(organization, actor=owner, action="organization.updated", target=organization)
    integration = seed_usage(organization, owner)
    webhook = seed_webhooks(organization, owner)
    with zeal_ignore():  # set-up: one directory person at a time, as a directory sends them
        seed_company(organization, owner)
    return {
        "token": token,
        "template": template.pk,
        "integration": integration.pk,
        "webhook": webhook.pk,
    }


def log_in(page, site):
    page.goto(f"{site}/login/")
    page.get_by_label("Email").fill("alice@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}/")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_every_page_is_accessible(site, open_context, world, viewport):
    pictures = os.environ.get("CAUSELOOP_SCREENSHOTS") == "1"
    visitor = open_context(viewport).new_page()
    for path in PUBLIC:
        _visit(visitor, site, path, world, pictures, viewport)
    person = open_context(viewport).new_page()
    log_in(person, site)
    for path in SIGNED_IN:
        _visit(person, site, path, world, pictures, viewport)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("colours", BRAND_COLOURS.values(), ids=list(BRAND_COLOURS))
def test_every_organization_page_is_accessible_in_any_brand_colour(
    site, open_context, world, viewport, colours
):
    primary, secondary = colours
    Organization.objects.filter(slug="acme").update(
        primary_color=primary, secondary_color=secondary
    )
    person = open_context(viewport).new_page()
    log_in(person, site)
    for path in SIGNED_IN:
        # The brand colours reach the same rules at either width: a phone visits the home page
        # (and the menu below) for what only a phone shows; a desktop visits every page.
        if path == "/" or (viewport == "desktop" and path.startswith(("/admin/", "/password/"))):
            _visit(person, site, path, world, False, viewport)
    if viewport == "phone":  # the menu's panel, open, in the brand colour
        person.goto(f"{site}/")
        person.get_by_text("Menu", exact=True).click()
        check_accessibility(person)


def _visit(page, site, path, world, pictures, viewport):
    response = page.goto(site + path.format(**world))
    assert response.status < 500, path
    check_accessibility(page)
    if pictures and path in PICTURES:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{PICTURES[path]}-{viewport}.png"), full_page=True)
