"""Audit rows are append-only in the database itself: only a purge of their organization and
the erasure of a person (both set a transaction-local permission) may rewrite them."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from causeloop.tenancy import enter_tenant, platform_work
from memberships.roles import Role
from memberships.services import user_erase
from organizations.audit import audit
from organizations.models import AuditLog, Organization
from organizations.services import organization_purge
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


def _audit_row(organization, actor) -> AuditLog:
    return audit(
        organization,
        actor=actor,
        action="member.joined",
        target=organization,
        details={"email": actor.email},
    )


@pytest.mark.parametrize(
    "statement",
    ["UPDATE organizations_auditlog SET action = 'forged'", "DELETE FROM organizations_auditlog"],
)
def test_raw_sql_cannot_rewrite_audit_rows_even_as_superuser(db, statement):
    organization = OrganizationFactory()
    _audit_row(organization, UserFactory())
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditLog.objects.filter(action="member.joined").count() == 1


def test_the_application_role_cannot_rewrite_audit_rows_in_its_own_tenant(as_app):
    with platform_work():
        organization = OrganizationFactory()
        _audit_row(organization, UserFactory())
    with transaction.atomic():
        enter_tenant(organization)
        for statement in (
            "UPDATE organizations_auditlog SET actor_name = 'nobody'",
            "DELETE FROM organizations_auditlog",
        ):
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement)
        with (
            pytest.raises(DatabaseError, match="permission denied"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("TRUNCATE organizations_auditlog")
        assert AuditLog.objects.count() == 1


def test_purging_an_organization_removes_its_audit_rows_and_only_its(as_app):
    with platform_work():
        doomed, kept = OrganizationFactory(), OrganizationFactory()
        person = UserFactory()
        _audit_row(doomed, person)
        _audit_row(kept, person)
    with transaction.atomic():
        enter_tenant(doomed)
        organization_purge(organization=doomed)
    with platform_work():
        assert not Organization.objects.filter(pk=doomed.pk).exists()
        assert list(AuditLog.objects.values_list("organization_id", flat=True)) == [kept.pk]


def test_erasing_a_person_rewrites_their_name_in_audit_rows(as_app):
    with platform_work():
        organization = OrganizationFactory()
        owner, leaver = UserFactory(), UserFactory(email="leaver@example.test")
        MembershipFactory(user=owner, organization=organization, role=Role.OWNER)
        MembershipFactory(user=leaver, organization=organization, role=Role.MEMBER)
        _audit_row(organization, leaver)
    with transaction.atomic():
        enter_tenant(organization)
        user_erase(email="leaver@example.test", actor=owner)
    with platform_work():
        names = set(AuditLog.objects.values_list("actor_name", flat=True))
        assert "leaver@example.test" not in names
        assert "erased user" in names
        assert not AuditLog.objects.filter(details__email="leaver@example.test").exists()
