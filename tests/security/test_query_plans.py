"""The plans PostgreSQL makes for the hot queries of a big tenant, as the application role under
row-level security (issue 17): the policies read their settings once per statement, and each
lookup is an index condition on the index made for it.

The tables here hold a handful of rows, so sequential scans are switched off: the question is
which index the planner can use for a query, which does not depend on the table's size. A
condition that no index can serve (or that row-level security keeps out of the index, as it
does `lower(col)` and `LIKE` on tenant tables) would still show up as a Filter, not an Index Cond.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from unittest import mock

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.models import QuerySet

from causeloop.core.db import plan_each_run
from causeloop.core.dbsecurity import POLICY_NAME, TENANT_TABLES
from causeloop.core.tenancy import enter_platform, enter_tenant
from memberships.models import Invitation, Membership, User
from memberships.selectors import members_of
from organizations.audit import audit
from organizations.models import Organization
from organizations.selectors import audit_log_for
from tests.app_role import APP_ROLE
from tests.factories import InvitationFactory, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@contextmanager
def as_application(
    *, organization: Organization | None = None, platform: bool = False, in_order: bool = False
):
    """The block's queries run as the application role, in the tenant's (or the platform's)
    context, with sequential scans priced out (and sorts, `in_order`: the rows must come in
    the index's order)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")
        cursor.execute("SET LOCAL enable_seqscan = off")
        if in_order:
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_incremental_sort = off")
        if organization is not None:
            enter_tenant(organization)
        if platform:
            enter_platform()
        try:
            yield
        finally:
            cursor.execute("RESET ROLE")


def plan_of(query: QuerySet | str, params: tuple = ()) -> str:
    if isinstance(query, QuerySet):
        query, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {query}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def index_conditions(plan: str) -> list[str]:
    return [line.strip() for line in plan.splitlines() if "Index Cond" in line]


@pytest.fixture
def acme() -> Iterator[Organization]:
    organization = OrganizationFactory(slug="acme")
    alice = UserFactory(email="Alice@Acme.test", name="Alice Example")
    MembershipFactory(organization=organization, user=alice, role="owner", is_active=True)
    InvitationFactory(organization=organization, email="Bob@Acme.test")
    audit(organization, actor=alice, action="member.role_changed", target=organization)
    return organization


# --- row-level security: the settings, once per statement ------------------------------------


def test_every_policy_reads_the_settings_through_a_scalar_subquery():
    with connection.cursor() as cursor:
        for label in TENANT_TABLES:
            table = apps.get_model(label)._meta.db_table
            cursor.execute(
                "SELECT qual, with_check FROM pg_policies WHERE tablename = %s AND policyname = %s",
                [table, POLICY_NAME],
            )
            for condition in cursor.fetchone():
                calls = len(re.findall(r"current_setting\(", condition))
                in_subqueries = len(re.findall(r"SELECT \(?current_setting\(", condition))
                assert calls == in_subqueries > 0, (table, condition)


def test_a_tenant_count_reads_the_setting_once_and_counts_from_the_index(acme):
    with as_application(organization=acme), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        plan = plan_of(
            "SELECT count(*) FROM organizations_auditlog WHERE organization_id = %s", (acme.pk,)
        )
    assert "InitPlan" in plan
    assert "Index Only Scan" in plan
    assert "current_setting" not in plan  # not in any per-row Filter: evaluated in the InitPlan


# --- each list and lookup, on its index ----------------------------------------------------


def test_the_audit_log_filtered_by_action_is_read_off_its_index_in_order(acme):
    page = audit_log_for(acme).select_related("actor_user", "actor_api_key")
    with as_application(organization=acme, in_order=True):
        plan = plan_of(page.filter(action="member.role_changed")[:26])
    assert "Index Scan Backward using audit_org_action" in plan
    assert any("action" in condition for condition in index_conditions(plan))
    assert "Sort" not in plan


def test_the_members_list_is_read_off_its_index_in_order(acme):
    with as_application(organization=acme, in_order=True):
        plan = plan_of(members_of(acme)[:51])
    assert "membership_org_joined" in plan
    assert "Sort" not in plan


def test_searches_on_people_use_the_trigram_indexes(acme):
    """What the members search and the admin's search boxes compile to (`icontains`):
    `UPPER(col) LIKE UPPER(…)` on `memberships_user`, which is outside row-level security."""
    with as_application(organization=acme):
        # Unordered: the question is the condition's index, not the order's.
        by_email = plan_of(User.objects.filter(email__icontains="lice@ac").order_by())
        by_name = plan_of(User.objects.filter(name__icontains="example").order_by())
    assert any("upper((email)::text) ~~" in c for c in index_conditions(by_email)), by_email
    assert "user_email_trgm" in by_email
    assert "user_name_trgm" in by_name
    assert members_of(acme, email_contains="LICE@ac").get().user.name == "Alice Example"


def test_the_invite_paths_email_lookups_are_index_conditions(acme):
    """`invitation_create`: "already a member?" (the person by email, then their membership)
    and "already invited?"; erasure's invitations to an email in every organization."""
    member = Membership.objects.filter(organization=acme, user__email__iexact="ALICE@acme.test")
    # The person is found by the expression their unique index holds (tables this small may
    # be joined the other way round, so the plan shown is the person's lookup on its own).
    assert 'LOWER("memberships_user"."email") = LOWER(' in str(member.query)
    with as_application(organization=acme):
        person = plan_of(User.objects.filter(email__iexact="alice@ACME.test").order_by())
        pending = plan_of(
            Invitation.objects.addressed_to("bob@ACME.test").filter(
                organization=acme, status=Invitation.Status.PENDING
            )
        )
    assert any("lower((email)::text) =" in c for c in index_conditions(person)), person
    assert any("email_lower" in c for c in index_conditions(pending)), pending
    with as_application(platform=True):
        everywhere = plan_of(Invitation.objects.addressed_to("bob@acme.test"))
    assert any("email_lower" in c for c in index_conditions(everywhere)), everywhere


def test_case_insensitive_lookups_find_what_they_did(acme):
    assert Invitation.objects.addressed_to(" bob@acme.TEST ").get().email == "Bob@Acme.test"
    assert User.objects.filter(email__iexact="alice@ACME.test").get().name == "Alice Example"
    assert Membership.objects.filter(user__email__iexact="ALICE@acme.test").count() == 1
    assert 'LOWER("memberships_user"."email") = LOWER(' in str(
        User.objects.filter(email__iexact="x").query
    )


# --- prepared statements ----------------------------------------------------------------------


def test_prepared_statements_are_planned_for_their_parameters():
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_custom_plan"


def test_nothing_is_set_for_the_session_through_a_transaction_pooler():
    pooled = SimpleNamespace(
        vendor="postgresql", settings_dict={"POOL_MODE": "transaction"}, connection=mock.Mock()
    )
    plan_each_run(connection=pooled)
    pooled.connection.execute.assert_not_called()
