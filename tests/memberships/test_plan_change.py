"""Changing plan: owners only, audited, and never below the seats already in use."""

import pytest
from zeal import zeal_ignore

from causeloop.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from memberships.services.plans import plan_change
from organizations.models import AuditLog, Organization, Subscription
from organizations.roles import Role
from tests.factories import InvitationFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_an_owner_changes_the_plan_with_an_audit_row_and_a_trial(organization, owner):
    plan_change(organization=organization, actor=owner, plan="growth")
    organization.refresh_from_db()
    assert (organization.plan_id, organization.seats) == ("growth", 50)
    subscription = Subscription.objects.get(organization=organization)
    assert subscription.billing_status == "trialing"
    assert subscription.trial_ends_at is not None
    row = AuditLog.objects.get(organization=organization, action="plan.changed")
    assert row.details == {"from": "free", "to": "growth"}
    assert row.actor_user_id == owner.pk


@pytest.mark.parametrize("role", [Role.ADMIN, Role.ANALYST, Role.MEMBER])
def test_no_one_but_an_owner_changes_it(organization, make_member, role):
    with pytest.raises(Forbidden):
        plan_change(organization=organization, actor=make_member(organization, role), plan="growth")
    assert Organization.objects.get(pk=organization.pk).plan_id == "free"


def test_an_outsider_is_told_the_organization_does_not_exist(organization, other_organization):
    stranger = MembershipFactory(organization=other_organization, role=Role.OWNER).user
    with pytest.raises(NotFound):
        plan_change(organization=organization, actor=stranger, plan="growth")
    assert Organization.objects.get(pk=organization.pk).plan_id == "free"


def test_an_unknown_plan_is_refused(organization, owner):
    with pytest.raises(ValidationFailed) as raised:
        plan_change(organization=organization, actor=owner, plan="platinum")
    assert "plan" in raised.value.fields


def test_a_plan_too_small_for_the_seats_in_use_is_refused_in_plain_words(organization, owner):
    with zeal_ignore():  # setting up: the service's own reads, repeated, are no N+1
        plan_change(organization=organization, actor=owner, plan="growth")
        for _ in range(10):
            MembershipFactory(organization=organization)
        InvitationFactory(organization=organization, invited_by=owner)
    # 11 members and 1 pending invitation: 12 seats; Free has 10, Starter 15.
    with pytest.raises(Conflict) as raised:
        plan_change(organization=organization, actor=owner, plan="free")
    assert raised.value.code == "seats_in_use"
    assert raised.value.message == (
        "Free has 10 seats, but 12 are in use (11 members and 1 pending invitation). Remove "
        "members or revoke invitations until no more than 10 remain, then switch."
    )
    organization.refresh_from_db()
    assert (organization.plan_id, organization.seats) == ("growth", 50)
    assert AuditLog.objects.filter(organization=organization, action="plan.changed").count() == 1
    plan_change(organization=organization, actor=owner, plan="starter")  # 15 seats hold 12
    assert Organization.objects.get(pk=organization.pk).plan_id == "starter"


def test_choosing_the_current_plan_changes_nothing(organization, owner):
    plan_change(organization=organization, actor=owner, plan="free")
    assert not AuditLog.objects.filter(organization=organization, action="plan.changed").exists()
