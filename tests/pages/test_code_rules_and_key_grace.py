"""The pages of SPEC §11's invite-code rules and key rotation with a grace: the members page
creates codes with a role (up to the viewer's own, never owner), a cap, an email domain and an
expiry, and lists every code with its uses and state; the wizard's join form says why a code's
rules refuse; the keys page rotates with a grace and counts it down."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from zeal import zeal_ignore

from memberships.models import InviteCode, Membership
from memberships.services.invite_codes import invite_code_create
from organizations.models import ApiKey, AuditLog
from organizations.roles import Role
from organizations.services.api_keys import api_key_create, api_key_rotate
from tests.factories import InviteCodeFactory

pytestmark = pytest.mark.django_db

MEMBERS = "/admin/members/"
KEYS = "/admin/api-keys/"


def _create_code(client, **fields):
    data = {"action": "create_code", "role": "member", "expires_in_days": "7", **fields}
    return client.post(MEMBERS, data)


def _codes_card(page: str) -> str:
    return page[page.index('id="codes-h"') : page.index('id="pending-h"')]


# --- the members page: creating a code -------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_the_code_form_offers_roles_up_to_admin_never_owner(
    signed_in, make_member, organization, role
):
    page = signed_in(make_member(organization, role)).get(MEMBERS)
    choices = [value for value, _label in page.context["code_form"].fields["role"].choices]
    assert choices == ["member", "analyst", "admin"]
    html = page.content.decode()
    select = re.search(r'<select name="role" id="code-role">(.*?)</select>', html, re.S).group(1)
    assert 'value="owner"' not in select
    assert '<label for="code-role">Joins as</label>' in html


def test_an_admin_creates_a_capped_domain_restricted_admin_code(
    signed_in, organization, admin_user
):
    client = signed_in(admin_user)
    created = _create_code(
        client, role="admin", max_uses="5", email_domain="Acme.COM", expires_in_days="3"
    )
    assert created.status_code == 302, created.content
    code = InviteCode.objects.get(organization=organization)
    assert (code.role, code.max_uses, code.uses, code.email_domain) == ("admin", 5, 0, "acme.com")
    assert code.created_by == admin_user
    assert AuditLog.objects.filter(action="invite_code.created", target_id=code.pk).exists()
    card = _codes_card(client.get(MEMBERS).content.decode())
    assert code.code in card
    assert "Joins as admin" in card
    assert "0 of 5 used, 5 left" in card
    assert "only addresses at acme.com" in card
    assert f'<time datetime="{code.expires_at:%Y-%m-%d}' in card
    assert ">Active</span>" in card
    assert f'id="join-{code.pk}"' in card


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"role": "owner"}, "role", "Select a valid choice."),
        ({"max_uses": "0"}, "max_uses", "Uses must be a whole number from 1 to 100,000."),
        ({"max_uses": "lots"}, "max_uses", "Enter a whole number."),
        ({"email_domain": "not a domain"}, "email_domain", "is not a domain name such as"),
        ({"expires_in_days": "0"}, "expires_in_days", "greater than or equal to 1"),
    ],
)
def test_a_refused_rule_is_said_next_to_its_field_and_creates_nothing(
    signed_in, organization, admin_user, fields, field, message
):
    response = _create_code(signed_in(admin_user), **fields)
    assert response.status_code == 400
    errors = response.context["code_form"].errors
    assert message in " ".join(errors[field]), errors
    assert not InviteCode.objects.exists()


# --- the members page: the codes and their state ---------------------------------------------


def test_the_list_shows_uses_left_no_cap_and_every_state(signed_in, organization, admin_user):
    now = timezone.now()
    capped = InviteCodeFactory(organization=organization, max_uses=5, uses=3, role="analyst")
    open_code = InviteCodeFactory(organization=organization, uses=1)
    used_up = InviteCodeFactory(organization=organization, max_uses=2, uses=2)
    expired = InviteCodeFactory(organization=organization, expires_at=now - timedelta(days=1))
    deactivated = InviteCodeFactory(organization=organization, is_active=False)
    card = _codes_card(signed_in(admin_user).get(MEMBERS).content.decode())
    items = {
        code.code: card[card.index(code.code) :].split("</li>", 1)[0]
        for code in (capped, open_code, used_up, expired, deactivated)
    }
    assert "Joins as analyst" in items[capped.code]
    assert "3 of 5 used, 2 left" in items[capped.code]
    assert "1 used, no cap" in items[open_code.code]
    assert "any address" in items[open_code.code]
    expected = {
        capped.code: "Active",
        open_code.code: "Active",
        used_up.code: "Used up",
        expired.code: "Expired",
        deactivated.code: "Deactivated",
    }
    for code, state in expected.items():
        assert f">{state}</span>" in items[code], (code, items[code])
        usable = state == "Active"
        # Only a code people can still join with offers its link and a Deactivate button.
        assert ("Copy link" in items[code]) is usable
        assert (">Deactivate<span" in items[code]) is usable
    assert "expired <time" in items[expired.code]


def test_the_codes_come_a_page_at_a_time(signed_in, organization, admin_user):
    now = timezone.now()
    codes = [
        InviteCodeFactory(organization=organization, created_at=now - timedelta(minutes=n))
        for n in range(12)
    ]
    client = signed_in(admin_user)
    first = client.get(MEMBERS)
    shown = [row.code.code for row in first.context["invite_codes"]]
    assert shown == [code.code for code in codes[:10]]
    older = first.context["codes_pager"].next
    assert not first.context["codes_pager"].previous
    second = client.get(f"{MEMBERS}?{older}")
    assert [row.code.code for row in second.context["invite_codes"]] == [
        code.code for code in codes[10:]
    ]
    assert "Older codes" not in second.content.decode()
    assert "Newer codes" in second.content.decode()
    broken = client.get(f"{MEMBERS}?codes_after=not-a-cursor")
    assert broken.status_code == 400
    assert "This page link is broken" in broken.context["codes_pager"].notice
    assert len(broken.context["invite_codes"]) == 10


# --- the wizard's join form: the rules' refusals ---------------------------------------------


def test_the_join_form_says_why_a_codes_rules_refuse(client, newcomer, organization, owner):
    elsewhere = invite_code_create(organization=organization, actor=owner, email_domain="acme.com")
    used_up = invite_code_create(organization=organization, actor=owner, max_uses=1)
    InviteCode.objects.filter(pk=used_up.pk).update(uses=1)
    for code, words in (
        (elsewhere, "only for addresses at acme.com"),
        (used_up, "used as many times as it allows"),
    ):
        response = client.post("/onboarding/organization/", {"action": "join", "code": code.code})
        assert response.status_code == 400
        assert words in str(response.context["join_form"].errors["code"])
    assert not Membership.objects.filter(user=newcomer).exists()
    assert InviteCode.objects.get(pk=used_up.pk).uses == 1


def test_the_join_form_joins_as_the_codes_role(client, newcomer, organization, owner):
    code = invite_code_create(organization=organization, actor=owner, role="analyst")
    response = client.post("/onboarding/organization/", {"action": "join", "code": code.code})
    assert response.status_code == 302
    assert Membership.objects.get(user=newcomer).role == Role.ANALYST


# --- the keys page: rotating with a grace ----------------------------------------------------


def _key(organization, actor, name="CI"):
    with zeal_ignore():
        return api_key_create(organization=organization, actor=actor, name=name)[0]


def test_rotate_offers_when_the_old_key_stops_each_with_its_question(
    signed_in, organization, admin_user
):
    key = _key(organization, admin_user)
    page = signed_in(admin_user).get(KEYS).content.decode()
    select = re.search(
        rf'<select name="grace_period_hours" id="grace-{key.pk}" '
        r"data-confirm-options>(.*?)</select>",
        page,
        re.S,
    ).group(1)
    assert re.findall(r'<option value="(\d+)"', select) == ["0", "1", "24", "72", "168"]
    assert ">Immediately</option>" in select
    assert ">In 7 days</option>" in select
    assert "the old key stops working at once" in select
    assert "the old key keeps working for 24 hours more" in select
    assert f'<label for="grace-{key.pk}">Old key stops<span class="visually-hidden"> when' in page


def test_without_javascript_the_grace_is_asked_on_a_page_then_the_old_key_counts_down(
    signed_in, organization, admin_user
):
    key = _key(organization, admin_user)
    client = signed_in(admin_user)
    asked = client.post(KEYS, {"action": "rotate", "key": key.pk, "grace_period_hours": "24"})
    assert asked.status_code == 200
    text = asked.content.decode()
    assert "the old key keeps working for 24 hours more, then stops" in text
    assert '<input type="hidden" name="grace_period_hours" value="24">' in text
    assert ApiKey.objects.count() == 1
    done = client.post(
        KEYS,
        {"action": "rotate", "key": key.pk, "grace_period_hours": "24", "confirm": "yes"},
        follow=True,
    )
    page = done.content.decode()
    assert "the old key keeps working for 23 h 59 min, then stops" in page
    key.refresh_from_db()
    assert key.state == ApiKey.State.EXPIRING
    assert abs(key.expires_at - (timezone.now() + timedelta(hours=24))) < timedelta(minutes=1)
    stops_at = key.expires_at.isoformat(timespec="seconds")
    countdown = re.search(rf'<time datetime="{re.escape(stops_at)}"[^>]*>([^<]*)</time>', page)
    assert countdown.group(1) == "stops working in 23 h 59 min"
    assert f'title="{key.expires_at:%-d %b %Y, %H:%M} UTC"' in countdown.group(0)
    assert 'data-countdown="stops working in"' in countdown.group(0)
    assert re.search(r'<script src="/static/causeloop/countdown\.js" nonce="[^"]+">', page)
    with time_machine.travel(key.expires_at - timedelta(hours=2, minutes=30), tick=False):
        later = client.get(KEYS).content.decode()
    assert "stops working in 2 h 30 min" in later
    with time_machine.travel(key.expires_at + timedelta(seconds=1)):
        after = client.get(KEYS).content.decode()
    assert "stops working in" not in after
    assert '<span class="badge">expired</span>' in after


def test_a_rotation_without_a_grace_stops_the_old_key_at_once(signed_in, organization, admin_user):
    key = _key(organization, admin_user)
    client = signed_in(admin_user)
    done = client.post(
        KEYS,
        {"action": "rotate", "key": key.pk, "grace_period_hours": "0", "confirm": "yes"},
        follow=True,
    )
    assert "the old key stopped working" in done.content.decode()
    key.refresh_from_db()
    assert key.state == ApiKey.State.REVOKED


@pytest.mark.parametrize("hours", ["-1", "169", "x", "1.5"])
def test_a_bad_grace_from_the_page_changes_nothing(signed_in, organization, admin_user, hours):
    key = _key(organization, admin_user)
    client = signed_in(admin_user)
    response = client.post(
        KEYS,
        {"action": "rotate", "key": key.pk, "grace_period_hours": hours, "confirm": "yes"},
        follow=True,
    )
    assert "Choose when the old key stops working: within 168 hours." in response.content.decode()
    assert ApiKey.objects.count() == 1
    key.refresh_from_db()
    assert (key.revoked_at, key.expires_at) == (None, None)


def test_working_keys_come_first_and_ended_ones_offer_no_action(
    signed_in, organization, admin_user
):
    revoked = _key(organization, admin_user, name="Old")
    with zeal_ignore():
        api_key_rotate(api_key=revoked, actor=admin_user)
    expired = _key(organization, admin_user, name="Lapsed")
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    far = _key(organization, admin_user, name="Yearly")
    ApiKey.objects.filter(pk=far.pk).update(expires_at=timezone.now() + timedelta(days=365))
    response = signed_in(admin_user).get(KEYS)
    rows = response.context["rows"]
    assert rows[-1].key.pk == revoked.pk
    states = {row.key.name: (row.key.state, bool(row.rotate), row.stops_in) for row in rows}
    assert states["Lapsed"] == ("expired", False, "")
    assert states["Yearly"] == ("active", True, "")
    page = response.content.decode()
    assert "expires <time" in page  # the yearly key's own expiry, no countdown
    assert "stops working in" not in page


@pytest.mark.parametrize(
    ("left", "words"),
    [
        (timedelta(seconds=30), "less than a minute"),
        (timedelta(minutes=59, seconds=59), "59 min"),
        (timedelta(hours=1), "1 h"),
        (timedelta(hours=23, minutes=59, seconds=30), "23 h 59 min"),
        (timedelta(days=1, minutes=5), "1 day"),
        (timedelta(days=6, hours=23, minutes=59), "6 days 23 h"),
    ],
)
def test_time_left_is_said_in_the_countdowns_words(left, words):
    from causeloop.web.pages.keys import time_left

    with time_machine.travel(timezone.now(), tick=False):
        assert time_left(timezone.now() + left) == words
