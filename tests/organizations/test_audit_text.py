"""The audit log in sentences: every action the code writes reads as one, with names."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from causeloop.core.dbsecurity import ERASED
from memberships.models import User
from organizations.audit_text import ACTIONS, action_choices, describe
from organizations.models import ApiKey, AuditLog

ROOT = Path(__file__).resolve().parents[2]
ALICE = User(email="alice@acme.test", name="Alice Example")

# action → (details, target_repr, the sentence it reads as)
SENTENCES = {
    "member.invited": (
        {"email": "bob@acme.test", "role": "admin"},
        "",
        "Alice Example invited bob@acme.test as admin",
    ),
    "member.invitation_resent": (
        {"email": "bob@acme.test"},
        "",
        "Alice Example sent the invitation to bob@acme.test again",
    ),
    "member.invitation_revoked": (
        {"email": "bob@acme.test"},
        "",
        "Alice Example revoked the invitation of bob@acme.test",
    ),
    "member.joined": (
        {"email": "alice@acme.test", "role": "member", "via": "invite_code"},
        "",
        "Alice Example joined as member with an invite code",
    ),
    "member.role_changed": (
        {"email": "dave@acme.test", "from": "member", "to": "analyst"},
        "",
        "Alice Example changed the role of dave@acme.test from member to analyst",
    ),
    "member.left": ({"email": "alice@acme.test"}, "", "Alice Example left the organization"),
    "member.removed": (
        {"email": "dave@acme.test", "role": "analyst"},
        "",
        "Alice Example removed dave@acme.test (analyst)",
    ),
    "member.erased": ({}, "", "Alice Example erased a person's data from the organization"),
    "ownership.transferred": (
        {"from": "alice@acme.test", "to": "bob@acme.test"},
        "",
        "Alice Example transferred ownership to bob@acme.test",
    ),
    "invite_code.created": ({}, "K7QX3MPA", "Alice Example created the invite code K7QX3MPA"),
    "invite_code.deactivated": (
        {},
        "K7QX3MPA",
        "Alice Example deactivated the invite code K7QX3MPA",
    ),
    "workspace.created": (
        {"slug": "acme", "plan": "growth", "owner": "carol@acme.test"},
        "Acme",
        "Alice Example created the organization on the Growth plan for carol@acme.test",
    ),
    "organization.updated": (
        {
            "name": {"from": "Acme", "to": "Acme Corp"},
            "timezone": {"from": "UTC", "to": "Asia/Tokyo"},
        },
        "",
        "Alice Example changed the organization's name from “Acme” to “Acme Corp” and the "
        "time zone from “UTC” to “Asia/Tokyo”",
    ),
    "branding.updated": (
        {"primary_color": "#112233", "logo": None},
        "",
        "Alice Example set the primary colour to #112233 and removed the logo",
    ),
    "data.exported": ({}, "", "Alice Example asked for an export of the organization's data"),
    "organization.suspended": ({}, "", "Alice Example suspended the organization"),
    "organization.reinstated": ({}, "", "Alice Example reinstated the organization"),
    "organization.approved": ({}, "", "Alice Example approved the organization"),
    "api_key.created": (
        {"name": "CI", "fingerprint": "a1b2"},
        "",
        "Alice Example created the API key “CI” (…a1b2)",
    ),
    "api_key.rotated": (
        {"name": "CI", "old_fingerprint": "a1b2", "fingerprint": "c3d4", "grace_period_hours": 24},
        "",
        "Alice Example rotated the API key “CI” (old …a1b2, new …c3d4); the old key works "
        "for 24 more hours",
    ),
    "api_key.grace_started": (
        {"name": "CI", "fingerprint": "a1b2", "expires_at": "2026-12-08T10:00:00+00:00"},
        "",
        "Alice Example let the API key “CI” (…a1b2) keep working until 8 Dec 2026, 10:00 UTC",
    ),
    "domain.added": ({"domain": "acme.com"}, "", "Alice Example added the domain acme.com"),
    "domain.verified": ({"domain": "acme.com"}, "", "Alice Example verified the domain acme.com"),
    "domain.policy_changed": (
        {"domain": "acme.com", "from": "suggest", "to": "auto_join"},
        "",
        "Alice Example set people on acme.com to join automatically",
    ),
    "domain.removed": ({}, "acme.com", "Alice Example removed the domain acme.com"),
    "scim_token.created": (
        {"name": "Okta", "fingerprint": "e5f6"},
        "",
        "Alice Example created the SCIM token “Okta” (…e5f6)",
    ),
    "scim_token.revoked": (
        {"name": "Okta", "fingerprint": "e5f6"},
        "",
        "Alice Example revoked the SCIM token “Okta” (…e5f6)",
    ),
    "member.deactivated": (
        {"email": "bob@acme.test"},
        "",
        "Alice Example deactivated bob@acme.test from the directory",
    ),
    "member.reactivated": (
        {"email": "bob@acme.test"},
        "",
        "Alice Example reactivated bob@acme.test from the directory",
    ),
    "directory_user.updated": (
        {"email": "bob@acme.test"},
        "",
        "Alice Example updated the directory record of bob@acme.test",
    ),
    "directory_user.deleted": (
        {"email": "bob@acme.test"},
        "",
        "Alice Example deleted the directory record of bob@acme.test",
    ),
    "api_key.revoked": (
        {"name": "CI", "fingerprint": "c3d4"},
        "",
        "Alice Example revoked the API key “CI” (…c3d4)",
    ),
    "template.created": (
        {"name": "Weekly"},
        "Weekly",
        "Alice Example created the template “Weekly”",
    ),
    "template.updated": (
        {"fields": ["body", "name"]},
        "Weekly",
        "Alice Example edited the template “Weekly” (body and name)",
    ),
    "template.deleted": (
        {"name": "Weekly"},
        "Weekly",
        "Alice Example deleted the template “Weekly”",
    ),
    "plan.changed": (
        {"from": "free", "to": "growth"},
        "",
        "Alice Example changed the plan from Free to Growth",
    ),
    "subscription.synced": (
        {"plan": "starter", "billing_status": "past_due", "seats": 15},
        "",
        "Alice Example updated the subscription from the billing provider: Starter "
        "(past due, 15 seats)",
    ),
    "limits.overridden": (
        {"limits": {"daily": 100, "providers": None}},
        "",
        "Alice Example set usage limits: daily to 100 and providers to the plan’s",
    ),
    "integration.created": (
        {"name": "OpenAI prod", "kind": "openai", "fingerprint": "a1b2"},
        "",
        "Alice Example added the integration “OpenAI prod”",
    ),
    "integration.updated": (
        {"name": "OpenAI prod", "credential": "replaced"},
        "",
        "Alice Example changed the integration “OpenAI prod”",
    ),
    "integration.deleted": (
        {"name": "OpenAI prod", "kind": "openai"},
        "",
        "Alice Example removed the integration “OpenAI prod”",
    ),
    "webhook_endpoint.created": (
        {"url": "https://hooks.acme.test/in", "event_types": [], "enabled": True},
        "",
        "Alice Example added the webhook endpoint https://hooks.acme.test/in",
    ),
    "webhook_endpoint.updated": (
        {"url": "https://hooks.acme.test/in", "changed": ["enabled"]},
        "",
        "Alice Example changed the webhook endpoint https://hooks.acme.test/in",
    ),
    "webhook_endpoint.deleted": (
        {"url": "https://hooks.acme.test/in"},
        "",
        "Alice Example removed the webhook endpoint https://hooks.acme.test/in",
    ),
    "webhook_endpoint.secret_rotated": (
        {"url": "https://hooks.acme.test/in", "previous_valid_hours": 24},
        "",
        "Alice Example rotated the signing secret of the webhook endpoint https://hooks.acme.test/in",
    ),
    "webhook_endpoint.disabled": (
        {"url": "https://hooks.acme.test/in", "reason": "failing"},
        "",
        "Alice Example disabled, after 5 days of failures, the webhook endpoint "
        "https://hooks.acme.test/in",
    ),
}


def row(action, details=None, *, actor=ALICE, api_key=None, actor_name=None, target_repr=""):
    entry = AuditLog(
        action=action,
        details=details if details is not None else {},
        target_repr=target_repr,
        actor_name=actor_name if actor_name is not None else (actor.email if actor else ""),
        created_at=timezone.now(),
    )
    if actor is not None:
        entry.actor_user = actor
    if api_key is not None:
        entry.actor_api_key = api_key
    return entry


def _actions_written_by_the_code():
    """Every audit action named in the application's source (not the tests)."""
    found = set()
    for package in (
        "causeloop",
        "organizations",
        "memberships",
        "onboarding",
        "webhooks",
        "directory",
    ):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for line in path.read_text().splitlines():
                if "action=" in line or "_set_status(" in line:
                    found.update(re.findall(r'"([a-z_]+\.[a-z_]+)"', line))
    return found


def test_every_action_the_code_writes_has_a_sentence():
    written = _actions_written_by_the_code()
    assert len(written) >= 25  # the scan finds the actions (it is not vacuously true)
    assert written <= set(ACTIONS), sorted(written - set(ACTIONS))
    assert set(SENTENCES) == set(ACTIONS)


@pytest.mark.parametrize("action", sorted(SENTENCES))
def test_each_action_reads_as_a_sentence_with_names(action):
    details, target_repr, sentence = SENTENCES[action]
    entry = describe(row(action, details, target_repr=target_repr))
    assert entry.sentence.replace("\u2060", "") == sentence  # (a word joiner after "…")
    assert entry.actor == "Alice Example"
    assert entry.actor_email == "alice@acme.test"


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("details", [{}, {"email": 3, "role": "pilot", "fields": "x"}, [1, 2]])
def test_missing_or_odd_details_still_make_a_sentence(action, details):
    sentence = describe(row(action, details)).sentence
    assert sentence.startswith("Alice Example ")
    assert action not in sentence
    assert "None" not in sentence


def test_an_unknown_action_falls_back_to_a_generic_sentence():
    entry = describe(row("webhook.endpoint_added", target_repr="https://hooks.test/x"))
    assert entry.sentence == (
        "Alice Example recorded “webhook endpoint added” (https://hooks.test/x)"
    )


def test_actors_are_named_as_a_person_reads_them():
    key = ApiKey(name="CI", last_four="a1b2")
    keyed = describe(row("data.exported", actor=None, api_key=key))
    assert keyed.actor == "API key “CI” (…\u2060a1b2)"
    assert describe(row("data.exported", actor=None, actor_name="platform")).actor == "The platform"
    assert describe(row("data.exported", actor=None, actor_name="")).actor == "The platform"
    assert describe(row("data.exported", actor=None, actor_name=ERASED)).actor == (
        "An erased person"
    )
    # A person whose account is gone: the email frozen into the row.
    gone = describe(row("data.exported", actor=None, actor_name="zoe@acme.test"))
    assert (gone.actor, gone.actor_email) == ("zoe@acme.test", "")
    # Without a name, a person is shown by their email's first part and the email beside it.
    nameless = describe(row("data.exported", actor=User(email="eve@acme.test")))
    assert (nameless.actor, nameless.actor_email) == ("eve", "eve@acme.test")


def test_erased_people_are_named_as_such_in_the_sentence():
    details = {"email": ERASED, "role": "admin"}
    assert describe(row("member.invited", details)).text == "invited an erased person as admin"


def test_the_filter_lists_every_known_action_once_by_group():
    listed = [code for _group, options in action_choices() for code, _label in options]
    assert sorted(listed) == sorted(ACTIONS)
    assert next(group for group, _options in action_choices()) == "People"


@pytest.mark.parametrize(
    ("minutes", "ago"), [(0, "just now"), (5, "5 minutes ago"), (60 * 26, "1 day ago")]
)
def test_times_read_as_how_long_ago(minutes, ago):
    entry = row("data.exported")
    entry.created_at = timezone.now() - timedelta(minutes=minutes, seconds=5)
    assert describe(entry).ago.replace("\xa0", " ") == ago  # a number and its unit stay together
