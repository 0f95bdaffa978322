"""Organization services: settings, status, plan."""

import pytest
from django.test import override_settings
from zeal import zeal_ignore

from causeloop.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onboarding.lifecycle import organization_create
from organizations.models import AuditLog, Organization, Subscription, WorkspaceSettings
from organizations.roles import Role
from organizations.services.organizations import (
    ensure_usable,
    organization_approve,
    organization_reinstate,
    organization_suspend,
    organization_update,
)
from organizations.services.plans import organization_change_plan
from tests.factories import UserFactory


@override_settings(CAUSELOOP_REQUIRE_ORG_APPROVAL=True)
def test_with_approval_switched_on_new_organizations_wait_and_can_be_approved(db):
    organization = organization_create(user=UserFactory(), name="Acme")
    assert organization.status == "pending"
    organization_approve(organization=organization)
    organization.refresh_from_db()
    assert organization.status == "active"
    with pytest.raises(Conflict) as error, zeal_ignore():
        organization_approve(organization=organization)
    assert error.value.code == "not_pending"


def test_suspension_blocks_use_and_reinstating_lifts_it(organization):
    organization_suspend(organization=organization)
    organization.refresh_from_db()
    assert organization.is_suspended
    assert organization.suspended_at is not None
    with pytest.raises(Forbidden) as error:
        ensure_usable(organization)
    assert error.value.code == "organization_suspended"
    with zeal_ignore():
        organization_reinstate(organization=organization)
    organization.refresh_from_db()
    assert organization.status == "active"
    assert organization.suspended_at is None
    ensure_usable(organization)


def test_past_due_billing_blocks_use_like_a_suspension(organization):
    Subscription.objects.filter(organization=organization).update(billing_status="past_due")
    organization = Organization.objects.select_related("subscription").get(pk=organization.pk)
    with pytest.raises(Forbidden):
        ensure_usable(organization)


def test_an_admin_updates_name_slug_and_timezone_with_an_audit_row(organization, admin_user):
    old_slug = organization.slug
    organization_update(
        organization=organization,
        actor=admin_user,
        name="  New Name ",
        slug="New-Slug",
        timezone_name="Asia/Tokyo",
    )
    organization.refresh_from_db()
    assert (organization.name, organization.slug, organization.timezone) == (
        "New Name",
        "new-slug",
        "Asia/Tokyo",
    )
    assert WorkspaceSettings.objects.get(workspace__organization=organization).timezone == (
        "Asia/Tokyo"
    )
    row = AuditLog.objects.get(organization=organization, action="organization.updated")
    assert row.details["slug"] == {"from": old_slug, "to": "new-slug"}


def test_a_member_cannot_update_and_an_outsider_gets_not_found(
    organization, member, other_organization, make_member
):
    with pytest.raises(Forbidden):
        organization_update(organization=organization, actor=member, name="Mine")
    outsider = make_member(other_organization, Role.OWNER)
    with pytest.raises(NotFound):
        organization_update(organization=organization, actor=outsider, name="Mine")
    organization.refresh_from_db()
    assert organization.name != "Mine"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "x" * 201),
        ("slug", "a"),
        ("slug", "www"),
        ("timezone_name", "Not/AZone"),
        ("settings_data", ["not", "a", "dict"]),
    ],
)
def test_bad_updates_are_refused_and_change_nothing(organization, owner, field, value):
    before = Organization.objects.values().get(pk=organization.pk)
    with pytest.raises(ValidationFailed):
        organization_update(organization=organization, actor=owner, **{field: value})
    assert Organization.objects.values().get(pk=organization.pk) == before
    assert not AuditLog.objects.exists()


def test_changing_plan_is_for_owners_and_sets_the_plans_seats(organization, owner, admin_user):
    with pytest.raises(Forbidden):
        organization_change_plan(organization=organization, actor=admin_user, plan="growth")
    organization_change_plan(organization=organization, actor=owner, plan="growth")
    organization.refresh_from_db()
    assert organization.plan_id == "growth"
    assert organization.seats == 50
    assert Subscription.objects.get(organization=organization).billing_status == "trialing"
