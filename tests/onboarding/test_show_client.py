"""`show_client`: what the runbook's verification queries show, in process."""

import json

import pytest
from django.core.management import CommandError
from django.utils import timezone
from zeal import zeal_ignore

from directory.services.scim_tokens import scim_token_create
from memberships.models import User
from onboarding.services.onboard import OnboardRequest, onboard_client
from organizations.models import AuditLog, Organization
from organizations.services.integrations import integration_create
from organizations.services.plans import limits_override
from organizations.services.runs import run_start
from tests.directory.domain_data import make_domain
from tests.onboarding.test_commands import ESCAPES, assert_terminal_safe, run
from webhooks.models import WebhookEndpoint
from webhooks.services.endpoints import endpoint_create


def test_show_client_prints_organization_workspace_owner_and_audit(db):
    result = onboard_client(
        request=OnboardRequest(
            org_name="Acme Corp", org_slug="acme", owner_email="bob@acme.com", plan="starter"
        )
    )
    out, _ = run("show_client", "acme")
    assert result.org_id in out
    assert "Acme Corp (acme)" in out
    assert "plan starter, 15 seats, status active" in out
    assert result.workspace_id in out
    assert result.membership_id in out
    assert "bob@acme.com" in out
    assert "workspace.created" in out

    summary = json.loads(run("show_client", "acme", "--json")[0])
    assert summary["organization"]["id"] == result.org_id


def test_show_client_prints_usage_against_the_limits_with_overrides_marked(db):
    result = onboard_client(
        request=OnboardRequest(
            org_name="Acme Corp", org_slug="acme", owner_email="bob@acme.com", plan="starter"
        )
    )
    organization = Organization.objects.get(pk=result.org_id)
    owner = User.objects.get(pk=result.user_id)
    limits_override(organization=organization, limits={"daily": 4})
    with zeal_ignore():
        integration_create(
            organization=organization,
            actor=owner,
            name="Main",
            kind="openai",
            credential="sk-test-1234567890",
        )
        run_start(organization=organization, actor=owner)

    out, _ = run("show_client", "acme")

    assert "Usage         today " in out
    assert "(UTC)" in out
    assert "  runs today       1 of 4 (override; plan: 6)\n" in out
    assert "  runs this month  1 of 180\n" in out
    assert "  running now      1 of 1\n" in out
    assert "  integrations     1 of 3\n" in out
    assert "sk-test" not in out

    usage = json.loads(run("show_client", "acme", "--json")[0])["usage"]
    assert usage["runs_today"] == usage["runs_this_month"] == usage["running"] == 1
    assert usage["limits"]["daily"] == 4
    assert usage["remaining"]["daily"] == 3
    assert usage["overridden"] == ["daily"]
    assert usage["plan_limits"]["daily"] == 6
    assert usage["integrations"] == 1
    assert len(usage["history"]) == 30


def test_show_client_marks_no_override_when_the_plan_decides(db):
    onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="bob@acme.com")
    )
    out, _ = run("show_client", "acme")
    assert "  runs today       0 of 2\n" in out
    assert "override" not in out
    assert json.loads(run("show_client", "acme", "--json")[0])["usage"]["overridden"] == []


def test_show_client_lists_webhook_endpoints_and_their_failure_streak(db):
    result = onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="bob@acme.com")
    )
    organization = Organization.objects.get(pk=result.org_id)
    owner = User.objects.get(pk=result.user_id)
    with zeal_ignore():
        endpoint, secret = endpoint_create(
            organization=organization, actor=owner, url="https://93.184.216.34/hooks"
        )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        enabled=False, disabled_reason="failing", failing_since=timezone.now()
    )

    out, _ = run("show_client", "acme")

    assert f"Webhook       {endpoint.pk}  https://93.184.216.34/hooks  disabled (failing)" in out
    assert ", failing since " in out
    assert secret not in out
    hooks = json.loads(run("show_client", "acme", "--json")[0])["webhooks"]
    assert [(hook["id"], hook["enabled"]) for hook in hooks] == [(endpoint.pk, False)]


def test_show_client_lists_domains_and_the_directory(db):
    result = onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="bob@acme.com")
    )
    organization = Organization.objects.get(pk=result.org_id)
    owner = User.objects.get(pk=result.user_id)
    verified = make_domain(organization, "acme.com", verified=True, policy="auto_join")
    pending = make_domain(organization, "acme-labs.com")
    out, _ = run("show_client", "acme")
    assert "Directory     " not in out  # no token, nobody synced: nothing to say
    with zeal_ignore():
        _token, secret = scim_token_create(organization=organization, actor=owner, name="Okta")

    out, _ = run("show_client", "acme")

    assert f"Domain        {verified.pk}  acme.com  verified " in out
    assert ", policy auto_join" in out
    assert f"Domain        {pending.pk}  acme-labs.com  pending, policy suggest" in out
    assert "Directory     1 SCIM token(s), 0 people (0 active), last request never" in out
    assert secret not in out
    summary = json.loads(run("show_client", "acme", "--json")[0])
    assert [d["domain"] for d in summary["domains"]] == ["acme-labs.com", "acme.com"]
    assert summary["directory"] == {
        "scim_tokens": 1,
        "people": 0,
        "active": 0,
        "last_request_at": None,
    }


def test_show_client_unknown_slug(db):
    with pytest.raises(CommandError, match='no organization with slug "ghost"'):
        run("show_client", "ghost")


# --- as subprocesses: exit statuses and streams ---------------------------------------------


@pytest.mark.parametrize("rows", ["-1", "5000"])
def test_show_client_refuses_a_bad_number_of_audit_rows(db, rows):
    onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="bob@acme.com")
    )
    with pytest.raises(CommandError, match="between 0 and 1000"):
        run("show_client", "acme", "--audit-rows", rows)


def test_show_client_limits_the_audit_rows(db):
    onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="bob@acme.com")
    )
    run("offboard_client", "acme", "--suspend")
    summary = json.loads(run("show_client", "acme", "--json", "--audit-rows", "1")[0])
    assert [row["action"] for row in summary["audit_log"]] == ["organization.suspended"]


def test_show_client_prints_stored_escape_codes_as_text(db):
    onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="bob@acme.com")
    )
    Organization.objects.filter(slug="acme").update(name=f"Acme{ESCAPES}")
    User.objects.filter(email="bob@acme.com").update(name=ESCAPES)
    AuditLog.objects.create(
        organization=Organization.objects.get(slug="acme"),
        actor_name=f"bob{ESCAPES}\nfake",
        action="member.joined",
    )
    out, err = run("show_client", "acme")
    assert_terminal_safe(out + err)
    assert "Acme\\x1b]0;owned" in out
    assert "bob\\x1b]0;owned\\x07\\x1b[2J\\x9b31m\\nfake" in out
