"""`/admin/plan/`: admins see the plans and the organization's seats; owners switch, after a
confirmation that says what changes, and never below the seats in use."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from zeal import zeal_ignore

from organizations.models import AuditLog, Organization, Subscription
from organizations.roles import Role
from tests.factories import InvitationFactory, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/plan/"


def sign_in(user, client=None):
    client = client or Client()
    with zeal_ignore():
        client.force_login(user)
    return client


def plan_of(organization):
    with zeal_ignore():  # a test's own look, however often it looks
        return Organization.objects.get(pk=organization.pk).plan_id


def test_the_plans_side_by_side_with_the_current_one_and_the_seats(organization, owner):
    InvitationFactory(organization=organization, invited_by=owner)
    response = sign_in(owner).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert [card.plan.code for card in response.context["cards"]] == [
        "free",
        "starter",
        "growth",
        "enterprise",
    ]
    assert [card.is_current for card in response.context["cards"]] == [True, False, False, False]
    assert f"{organization.name} is on the Free plan" in html
    assert "2 of 10 seats in use" in html  # the owner and a pending invitation
    assert "1 pending invitation" in html
    for used in ("0 of 2 today", "0 of 60 this month", "0 of 1 running", "0 of 1 integrations"):
        assert used in html
    for plan in ("Starter", "Growth", "Enterprise"):
        assert f"Switch to {plan}</a>" in html
    assert "Switch to Free</a>" not in html  # it is the current one
    assert "What the limits mean" in html


def test_a_trial_shows_its_end_date(organization, owner):
    with zeal_ignore():
        sign_in(owner).post(URL, {"plan": "starter"})
    subscription = Subscription.objects.get(organization=organization)
    response = sign_in(owner).get(URL)
    assert response.context["on_trial"] is True
    html = response.content.decode()
    assert "The trial ends on <time" in html
    assert f"{subscription.trial_ends_at:%B} {subscription.trial_ends_at.day}, " in html


def test_the_owner_confirms_then_switches_and_it_is_audited(organization, owner):
    client = sign_in(owner)
    confirm = client.get(URL + "?change=growth")
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "Switch from Free to Growth?" in html
    assert "A free trial starts now and ends on" in html
    switch = confirm.context["switch"]
    assert ("Seats", 10, 50) in switch.changes
    assert ("Providers", 1, 10) in switch.changes
    assert plan_of(organization) == "free"  # asking changes nothing

    response = client.post(URL, {"plan": "growth"})
    assert response.status_code == 302
    assert plan_of(organization) == "growth"
    row = AuditLog.objects.get(organization=organization, action="plan.changed")
    assert (row.actor_user_id, row.details) == (owner.pk, {"from": "free", "to": "growth"})
    after = client.get(URL)
    assert "You are now on the Growth plan" in after.content.decode()
    log = client.get("/admin/audit/")
    assert log.context["entries"][0].text == "changed the plan from Free to Growth"


@pytest.mark.parametrize("role", [Role.ADMIN])
def test_admins_see_the_plans_but_cannot_switch(organization, make_member, role):
    admin = make_member(organization, role)
    client = sign_in(admin)
    page = client.get(URL)
    assert page.status_code == 200
    assert b"Switch to" not in page.content
    assert b"Only an owner can change the plan." in page.content
    assert client.get(URL + "?change=growth").status_code == 403
    refused = client.post(URL, {"plan": "growth"})
    assert refused.status_code == 403
    assert b"Only an owner of the organization can change its plan." in refused.content
    assert plan_of(organization) == "free"
    assert not AuditLog.objects.filter(action="plan.changed").exists()


@pytest.mark.parametrize("role", [Role.ANALYST, Role.MEMBER])
def test_analysts_and_members_get_the_403_page(organization, make_member, role):
    client = sign_in(make_member(organization, role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"plan": "growth"}).status_code == 403
    assert plan_of(organization) == "free"


def test_visitors_are_sent_to_log_in(client, organization):
    assert client.get(URL)["Location"].startswith("/login/")
    assert client.post(URL, {"plan": "growth"})["Location"].startswith("/login/")
    assert plan_of(organization) == "free"


def test_another_tenants_owner_changes_only_their_own(organization, other_organization, owner):
    stranger = UserFactory()
    MembershipFactory(
        user=stranger, organization=other_organization, role=Role.OWNER, is_active=True
    )
    response = sign_in(stranger).post(URL, {"plan": "enterprise", "organization": organization.pk})
    assert response.status_code == 302
    assert plan_of(other_organization) == "enterprise"
    assert plan_of(organization) == "free"
    assert not AuditLog.objects.filter(organization=organization, action="plan.changed").exists()
    assert sign_in(stranger).get(URL).context["organization"].pk == other_organization.pk


@pytest.mark.parametrize("value", ["platinum", "", "FREE", "<b>x</b>"])
def test_a_bad_plan_name_is_a_400_in_words_and_changes_nothing(organization, owner, value):
    client = sign_in(owner)
    for response in (client.get(URL, {"change": value}), client.post(URL, {"plan": value})):
        assert response.status_code == 400
        html = response.content.decode()
        assert "There is no such plan; choose one of the plans below." in html or (
            "Choose a plan." in html
        )
        assert "<b>x</b>" not in html
    assert plan_of(organization) == "free"
    assert not AuditLog.objects.filter(action="plan.changed").exists()


def test_a_plan_too_small_for_the_seats_is_refused_before_and_after_confirming(organization, owner):
    with zeal_ignore():
        client = sign_in(owner)
        client.post(URL, {"plan": "growth"})
        for _ in range(11):
            MembershipFactory(organization=organization)
    message = (
        "Free has 10 seats, but 12 are in use (12 members). Remove members or revoke "
        "invitations until no more than 10 remain, then switch."
    )
    page = client.get(URL)
    free_card = page.context["cards"][0]
    assert free_card.refusal == message
    assert "Too small: 12 seats are in use." in page.content.decode()

    confirm = client.get(URL + "?change=free")
    assert confirm.status_code == 200
    assert message in confirm.content.decode()
    assert "Free is too small for" in confirm.content.decode()
    assert b'<button type="submit" class="button">Switch to Free</button>' not in confirm.content

    refused = client.post(URL, {"plan": "free"})
    assert refused.status_code == 409
    assert message in refused.content.decode()
    assert plan_of(organization) == "growth"
    assert AuditLog.objects.filter(action="plan.changed").count() == 1


def test_choosing_the_current_plan_asks_nothing(organization, owner):
    response = sign_in(owner).get(URL + "?change=free")
    assert response.status_code == 200
    assert response.context["switch"] is None


@pytest.mark.parametrize("junk", [{"plan": ["free", "growth"]}, {"plan": "x" * 5000}, {}])
def test_junk_never_answers_500(organization, owner, junk):
    response = sign_in(owner).post(URL, junk)
    assert 400 <= response.status_code < 500 or response.status_code == 302
    assert plan_of(organization) in ("free", "growth")


def test_queries_do_not_grow_with_the_members():
    counts = []
    for size in (2, 25):
        organization = OrganizationFactory(seats=1000, plan_id="growth")
        owner = UserFactory()
        MembershipFactory(user=owner, organization=organization, role=Role.OWNER, is_active=True)
        for _ in range(size):
            MembershipFactory(organization=organization)
            InvitationFactory(organization=organization, invited_by=owner)
        client = sign_in(owner)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL + "?change=enterprise").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
