"""Audit rows are append-only in the database itself (SPEC §8): the application role may insert
them but holds no UPDATE or DELETE on them at all; the only rewrite is forgetting a person
(their name and email fields), through one owner-owned database function; rows leave only with
their organization, through another."""

from __future__ import annotations

import subprocess

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from causeloop.core.tenancy import enter_tenant, platform_work
from memberships.services.erasure import account_erase, member_erase
from onboarding.purge import organization_purge, organization_purge_begin
from organizations import audit_rewrites
from organizations.audit import audit
from organizations.models import AuditLog, Organization
from organizations.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.security.conftest import ROOT, _pg_env

pytestmark = pytest.mark.usefixtures("_no_zeal")  # rows are read back one by one, on purpose

APP = "causeloop_app"
FORGET = "SELECT causeloop_audit_forget(%s::text, %s::text, %s::text[])"
PURGE = "SELECT causeloop_audit_purge(%s::text)"
PURGE_SOME = "SELECT causeloop_audit_purge(%s::text, %s::integer)"


def _audit_row(organization, actor) -> AuditLog:
    return audit(
        organization,
        actor=actor,
        action="member.joined",
        target=actor,
        details={"email": actor.email, "role": "member"},
    )


def _sql(statement: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.fetchone() if cursor.description else None


def _row_values(row: AuditLog) -> dict:
    fresh = AuditLog.objects.get(pk=row.pk)
    return {
        field.attname: getattr(fresh, field.attname) for field in AuditLog._meta.concrete_fields
    }


# --- nobody rewrites audit rows by hand -----------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE organizations_auditlog SET action = 'forged'",
        "UPDATE organizations_auditlog SET actor_name = 'someone else'",
        "UPDATE organizations_auditlog SET details = '{}'::jsonb",
        "DELETE FROM organizations_auditlog",
    ],
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
    row = AuditLog.objects.get()
    assert (row.action, row.details["role"]) == ("member.joined", "member")


def test_the_application_role_holds_no_update_or_delete_on_audit_rows(as_app):
    privileges = _sql(
        "SELECT has_table_privilege(%s, 'organizations_auditlog', 'INSERT'),"
        " has_table_privilege(%s, 'organizations_auditlog', 'SELECT'),"
        " has_table_privilege(%s, 'organizations_auditlog', 'UPDATE'),"
        " has_table_privilege(%s, 'organizations_auditlog', 'DELETE'),"
        " has_table_privilege(%s, 'organizations_auditlog', 'TRUNCATE')",
        [APP] * 5,
    )
    assert privileges == (True, True, False, False, False)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE organizations_auditlog SET actor_name = 'nobody'",
        "UPDATE organizations_auditlog SET actor_name = 'erased user'",
        "DELETE FROM organizations_auditlog",
        "TRUNCATE organizations_auditlog",
    ],
)
def test_the_application_role_cannot_rewrite_audit_rows_even_with_the_old_escape(as_app, statement):
    with platform_work():
        organization = OrganizationFactory()
        _audit_row(organization, UserFactory(email="kept@example.com"))
    with transaction.atomic():
        enter_tenant(organization)
        for escape in ("app.audit_rewrite", "app.platform"):
            _sql("SELECT set_config(%s, 'on', true)", [escape])
        with (
            pytest.raises(DatabaseError, match="permission denied"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    with platform_work():
        assert AuditLog.objects.get().actor_name == "kept@example.com"


# --- forgetting a person: one owner-owned function ------------------------------------------


def test_the_scrub_functions_are_the_owners_with_a_fixed_search_path(as_app):
    rows = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.proname, p.prosecdef, p.proconfig, pg_get_userbyid(p.proowner),"
            " pg_get_userbyid(c.relowner)"
            " FROM pg_proc p, pg_class c"
            " WHERE p.proname IN ('causeloop_audit_forget', 'causeloop_audit_purge')"
            " AND c.relname = 'organizations_auditlog'"
        )
        for name, definer, config, owner, table_owner in cursor.fetchall():
            rows[name] = (definer, config, owner == table_owner)
    assert rows == {
        "causeloop_audit_forget": (True, ["search_path=pg_catalog, pg_temp"], True),
        "causeloop_audit_purge": (True, ["search_path=pg_catalog, pg_temp"], True),
    }


def test_the_forget_function_rewrites_only_the_persons_name_and_email(as_app):
    with platform_work():
        organization = OrganizationFactory()
        person, other = UserFactory(email="gone@example.com"), UserFactory()
        forgotten, kept = _audit_row(organization, person), _audit_row(organization, other)
        before, kept_before = _row_values(forgotten), _row_values(kept)
    with transaction.atomic():
        enter_tenant(organization)
        (count,) = _sql(FORGET, [organization.pk, "GONE@example.com", [person.pk]])
    assert count == 1
    with platform_work():
        after = _row_values(forgotten)
        assert _row_values(kept) == kept_before
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"actor_user_id", "actor_name", "target_repr", "details"}
    assert (after["actor_user_id"], after["actor_name"], after["target_repr"]) == (
        None,
        "erased user",
        "erased user",
    )
    assert after["details"] == {"email": "erased user", "role": "member"}


def test_the_forget_function_stays_within_the_callers_tenant(as_app):
    with platform_work():
        acme, globex = OrganizationFactory(), OrganizationFactory()
        person = UserFactory(email="both@example.com")
        _audit_row(acme, person)
        _audit_row(globex, person)
    with transaction.atomic():
        enter_tenant(acme)
        (count,) = _sql(FORGET, [globex.pk, "both@example.com", [person.pk]])
        assert count == 0
        with pytest.raises(DatabaseError, match="platform"), transaction.atomic():
            _sql(FORGET, [None, "both@example.com", [person.pk]])
    with platform_work():
        assert set(AuditLog.objects.values_list("actor_name", flat=True)) == {"both@example.com"}


def test_the_python_fallback_forgets_exactly_what_the_function_does(db):
    """SQLite has no database functions; its fallback must give the same rows."""
    person = UserFactory(email="fallback@example.com")
    via_sql, via_python = OrganizationFactory(), OrganizationFactory()
    rows = {
        organization: _audit_row(organization, person) for organization in (via_sql, via_python)
    }
    bystander = _audit_row(via_python, UserFactory())
    bystander_before = _row_values(bystander)
    enter_tenant(via_sql)
    assert _sql(FORGET, [via_sql.pk, "fallback@example.com", [person.pk]]) == (1,)
    forgotten = audit_rewrites._forget_in_python(
        organization_id=via_python.pk, email="FALLBACK@example.com", ids=[person.pk]
    )
    assert forgotten == 1
    person_fields = ("actor_user_id", "actor_name", "target_repr", "details")
    sql_after, python_after = (_row_values(row) for row in rows.values())
    assert [sql_after[name] for name in person_fields] == [
        python_after[name] for name in person_fields
    ]
    assert python_after["actor_name"] == "erased user"
    assert _row_values(bystander) == bystander_before


# --- rows leave only with their organization ------------------------------------------------


def test_audit_rows_leave_only_with_their_organization(as_app):
    with platform_work():
        organization = OrganizationFactory()
        _audit_row(organization, UserFactory())
    with transaction.atomic():
        enter_tenant(organization)
        with pytest.raises(DatabaseError, match="with their organization"), transaction.atomic():
            _sql(PURGE, [organization.pk])
    with platform_work():
        assert AuditLog.objects.count() == 1


def test_purging_an_organization_removes_its_audit_rows_and_only_its(as_app):
    with platform_work():
        doomed, kept = OrganizationFactory(), OrganizationFactory()
        person = UserFactory()
        _audit_row(doomed, person)
        _audit_row(kept, person)
    with transaction.atomic():
        enter_tenant(doomed)
        deleted = organization_purge(organization=doomed)
    assert deleted["AuditLog"] == 1
    with platform_work():
        assert not Organization.objects.filter(pk=doomed.pk).exists()
        assert list(AuditLog.objects.values_list("organization_id", flat=True)) == [kept.pk]


def test_audit_rows_leave_in_batches_only_once_their_organization_is_being_purged(as_app):
    with platform_work():
        doomed, kept = OrganizationFactory(), OrganizationFactory()
        person = UserFactory()
        for _ in range(5):
            _audit_row(doomed, person)
        _audit_row(kept, person)
    with transaction.atomic():
        enter_tenant(doomed)
        with pytest.raises(DatabaseError, match="with their organization"), transaction.atomic():
            _sql(PURGE_SOME, [doomed.pk, 2])  # live: not even in batches
        organization_purge_begin(organization=doomed)
        assert _sql(PURGE_SOME, [doomed.pk, 2]) == (2,)
        # Being purged is one-way: the rows that left can never belong to a live organization.
        with pytest.raises(DatabaseError, match="stays so"), transaction.atomic():
            _sql(
                "UPDATE organizations_organization SET purge_started_at = NULL WHERE id = %s",
                [doomed.pk],
            )
    with platform_work():
        assert AuditLog.objects.filter(organization=doomed).count() == 3
        assert AuditLog.objects.filter(organization=kept).count() == 1


def test_a_purge_in_batches_as_the_application_role_leaves_nothing(as_app):
    with platform_work():
        doomed = OrganizationFactory()
        MembershipFactory(user=UserFactory(), organization=doomed, role=Role.OWNER)
        for _ in range(7):
            _audit_row(doomed, UserFactory())
    deleted = organization_purge(organization=doomed, batch_size=3)
    assert deleted["AuditLog"] == 7
    with platform_work():
        assert not Organization.objects.filter(pk=doomed.pk).exists()
        assert not AuditLog.objects.filter(organization_id=doomed.pk).exists()


@pytest.mark.usefixtures("_no_zeal")
def test_offboard_client_purges_as_the_application_role(as_app, capsys):
    with platform_work():
        doomed = OrganizationFactory(slug="doomed")
        owner = UserFactory()
        MembershipFactory(user=owner, organization=doomed, role=Role.OWNER, is_active=True)
        _audit_row(doomed, owner)
    call_command("offboard_client", "doomed", "--purge", "--yes")
    assert '"purged"' in capsys.readouterr().out
    with platform_work():
        assert not Organization.objects.filter(pk=doomed.pk).exists()
        assert not AuditLog.objects.exists()


# --- erasure through the services, as the application role ---------------------------------


@pytest.mark.usefixtures("_no_zeal")
def test_erasing_an_account_forgets_the_person_in_every_organization(as_app):
    with platform_work():
        acme, globex = OrganizationFactory(), OrganizationFactory()
        for organization in (acme, globex):
            MembershipFactory(user=UserFactory(), organization=organization, role=Role.OWNER)
        leaver = UserFactory(email="leaver@example.test")
        MembershipFactory(user=leaver, organization=acme, role=Role.MEMBER)
        _audit_row(acme, leaver)
        _audit_row(globex, leaver)
    with transaction.atomic():
        account_erase(email="leaver@example.test", operator=None)
    with platform_work():
        names = set(AuditLog.objects.values_list("actor_name", flat=True))
        assert "leaver@example.test" not in names
        assert "erased user" in names
        assert not AuditLog.objects.filter(details__email="leaver@example.test").exists()


@pytest.mark.usefixtures("_no_zeal")
def test_forgetting_a_member_touches_only_that_organizations_rows(as_app):
    with platform_work():
        acme, globex = OrganizationFactory(), OrganizationFactory()
        owner = UserFactory()
        MembershipFactory(user=owner, organization=acme, role=Role.OWNER)
        leaver = UserFactory(email="half@example.test")
        MembershipFactory(user=leaver, organization=acme)
        _audit_row(acme, leaver)
        _audit_row(globex, leaver)
    with transaction.atomic():
        enter_tenant(acme)
        member_erase(organization=acme, actor=owner, email="half@example.test")
    with platform_work():
        assert AuditLog.objects.get(organization=globex).actor_name == "half@example.test"
        assert not AuditLog.objects.filter(organization=acme, actor_name="half@example.test")


# --- the roles script -----------------------------------------------------------------------


def test_the_roles_script_never_grants_the_app_role_audit_rewrites(rls_database, db):
    database = connection.settings_dict["NAME"]
    subprocess.run(
        ["bash", str(ROOT / ".ci" / "db-roles.sh"), database],
        env=_pg_env(),
        check=True,
        capture_output=True,
    )
    assert _sql(
        "SELECT has_table_privilege(%s, 'organizations_auditlog', 'UPDATE'),"
        " has_table_privilege(%s, 'organizations_auditlog', 'DELETE'),"
        " has_table_privilege(%s, 'memberships_membership', 'DELETE')",
        [APP] * 3,
    ) == (False, False, True)
