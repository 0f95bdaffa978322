"""Organizations' models: public IDs, seeded plans, the append-only audit trail."""

import time

import pytest
from django.db import DatabaseError, transaction
from django.db.models import QuerySet

from memberships.models import Invitation, InviteCode, Membership, User
from onboarding.purge import organization_purge
from organizations.audit import audit
from organizations.models import (
    ApiKey,
    AppendOnlyError,
    AuditLog,
    Organization,
    Plan,
    Subscription,
    Template,
    Workspace,
)
from organizations.roles import Role
from tests.factories import (
    ApiKeyFactory,
    InvitationFactory,
    InviteCodeFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonalTokenFactory,
    TemplateFactory,
    UserFactory,
)

PREFIXES = [
    (UserFactory, "usr_"),
    (OrganizationFactory, "org_"),
    (MembershipFactory, "mem_"),
    (InvitationFactory, "inv_"),
    (InviteCodeFactory, "code_"),
    (ApiKeyFactory, "key_"),
    (PersonalTokenFactory, "pat_"),
    (TemplateFactory, "tpl_"),
]


@pytest.mark.parametrize(("factory", "prefix"), PREFIXES)
def test_every_concept_has_a_prefixed_public_id(db, factory, prefix):
    row = factory()
    assert row.pk.startswith(prefix)
    assert len(row.pk) == len(prefix) + 26


def test_workspace_subscription_and_audit_ids_are_prefixed(organization):
    row = audit(organization, actor=None, action="organization.updated", target=organization)
    assert organization.workspace.pk.startswith("ws_")
    assert organization.subscription.pk.startswith("sub_")
    assert row.pk.startswith("aud_")


@pytest.mark.parametrize(("factory", "prefix"), PREFIXES)
def test_public_ids_sort_by_creation_time(db, factory, prefix):
    first = factory()
    time.sleep(0.002)  # a later millisecond: the ID's time part must sort after the first
    second = factory()
    assert first.pk < second.pk


def test_plans_are_seeded_with_the_limits_of_the_spec(db):
    rows = list(
        Plan.objects.order_by("sort_order").values_list(
            "code", "seats", "daily_runs", "monthly_runs", "concurrent_runs", "providers"
        )
    )
    assert rows == [
        ("free", 10, 2, 60, 1, 1),
        ("starter", 15, 6, 180, 1, 3),
        ("growth", 50, 20, 600, 3, 10),
        ("enterprise", 250, 50, 1500, 5, 20),
    ]
    assert not Plan.objects.get(code="free").is_paid
    assert Plan.objects.get(code="growth").is_paid


def test_audit_row_cannot_be_saved_again(organization):
    row = audit(organization, actor=None, action="organization.updated", target=organization)
    row.action = "forged"
    with pytest.raises(AppendOnlyError):
        row.save()
    assert AuditLog.objects.get(pk=row.pk).action == "organization.updated"


def test_audit_row_cannot_be_deleted(organization):
    row = audit(organization, actor=None, action="organization.updated", target=organization)
    with pytest.raises(AppendOnlyError):
        row.delete()
    assert AuditLog.objects.filter(pk=row.pk).exists()


def test_audit_rows_cannot_be_updated_or_deleted_in_bulk(organization):
    audit(organization, actor=None, action="organization.updated", target=organization)
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(organization=organization).update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(organization=organization).delete()
    assert list(AuditLog.objects.values_list("action", flat=True)) == ["organization.updated"]


def test_the_database_refuses_an_audit_rewrite_that_bypasses_the_model(organization):
    audit(organization, actor=None, action="organization.updated", target=organization)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        QuerySet.update(AuditLog.objects.all(), action="forged")
    assert AuditLog.objects.get().action == "organization.updated"


def test_purging_an_organization_removes_everything_beneath_it_but_keeps_users(organization):
    owner = UserFactory()
    MembershipFactory(organization=organization, user=owner, role="owner", is_active=True)
    InvitationFactory(organization=organization)
    InviteCodeFactory(organization=organization)
    ApiKeyFactory(organization=organization)
    TemplateFactory(organization=organization)
    audit(organization, actor=owner, action="organization.updated", target=organization)
    other = OrganizationFactory()
    audit(other, actor=owner, action="organization.updated", target=other)

    organization_purge(organization=organization)

    assert not Organization.objects.filter(pk=organization.pk).exists()
    for model in (
        Workspace,
        Subscription,
        Membership,
        Invitation,
        InviteCode,
        ApiKey,
        Template,
        AuditLog,
    ):
        assert not model.objects.filter(organization_id=organization.pk).exists(), model
    assert User.objects.filter(pk=owner.pk).exists()
    assert AuditLog.objects.filter(organization=other).count() == 1


def test_purge_activates_the_members_next_organization(organization):
    user = UserFactory()
    MembershipFactory(organization=organization, user=user, role="owner", is_active=True)
    other = OrganizationFactory()
    kept = MembershipFactory(organization=other, user=user, role="member", is_active=False)

    organization_purge(organization=organization)

    kept.refresh_from_db()
    assert kept.is_active is True


@pytest.mark.parametrize(
    ("actor", "member", "manages"),
    [
        (Role.OWNER, Role.OWNER, True),
        (Role.OWNER, Role.MEMBER, True),
        (Role.ADMIN, Role.ADMIN, True),
        (Role.ADMIN, Role.OWNER, False),
        (Role.ANALYST, Role.MEMBER, False),
        (Role.MEMBER, Role.MEMBER, False),
    ],
)
def test_who_manages_whom(actor, member, manages):
    assert actor.manages(member) is manages
