"""The platform admin's big lists at scale (issue 17): the organizations (20,000 and more), every
tenant's audit rows and memberships. A page costs the same few queries whatever the totals: no
join-and-group to count members, one count of the list (bounded where the table is unbounded),
filter menus from the catalogue rather than `SELECT DISTINCT`, and searches that find rows
through indexes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from zeal import zeal_ignore

from causeloop.core.counting import CappedCountPaginator
from memberships.models import Membership, User
from organizations.models import AuditLog, Organization
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

ORGANIZATIONS = reverse("admin:organizations_organization_changelist")
AUDIT_LOG = reverse("admin:organizations_auditlog_changelist")
MEMBERSHIPS = reverse("admin:memberships_membership_changelist")
USERS = reverse("admin:memberships_user_changelist")


def _organizations(count: int, *, members: int = 0) -> list[Organization]:
    """`count` organizations with `members` members each, in a few statements."""
    organizations = Organization.objects.bulk_create(
        OrganizationFactory.build(plan_id="free") for _ in range(count)
    )
    if members:
        people = User.objects.bulk_create(UserFactory.build() for _ in range(count * members))
        Membership.objects.bulk_create(
            Membership(organization=organization, user=person)
            for index, organization in enumerate(organizations)
            for person in people[index * members : (index + 1) * members]
        )
    return organizations


def _audit_rows(organization: Organization, count: int, action: str = "member.joined") -> None:
    AuditLog.objects.bulk_create(
        AuditLog(organization=organization, action=action, actor_name=f"n{n}") for n in range(count)
    )


def _list(staff_client, url: str, params: dict | None = None) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        page = staff_client.get(url, params or {})
    assert page.status_code == 200
    return page.content.decode(), [query["sql"] for query in queries.captured_queries]


def test_the_organization_list_counts_members_per_row_of_the_page_at_two_sizes(staff_client):
    with zeal_ignore():
        _organizations(3, members=2)
    small, small_queries = _list(staff_client, ORGANIZATIONS)
    with zeal_ignore():
        _organizations(40, members=1)
    large, large_queries = _list(staff_client, ORGANIZATIONS)
    assert len(large_queries) == len(small_queries)
    assert "2 of 10" in small
    assert "1 of 10" in large
    for queries in (small_queries, large_queries):
        counts = [sql for sql in queries if sql.startswith("SELECT COUNT(*)")]
        assert len(counts) == 1  # the paginator's; no second, unfiltered count
        assert "JOIN" not in counts[0]
        listed = next(sql for sql in queries if 'INNER JOIN "organizations_plan"' in sql)
        # Members are counted by a subquery per listed row (aliased U0, U1), never by joining
        # every membership to the list and grouping it.
        assert 'GROUP BY "organizations_organization"' not in listed
        assert 'JOIN "memberships_membership" ON' not in listed
        assert 'ORDER BY "organizations_organization"."name" ASC' in listed


def test_the_organization_list_is_searched_by_name_slug_and_id(staff_client):
    with zeal_ignore():
        acme = OrganizationFactory(name="Acme Corp", slug="acme")
        OrganizationFactory(name="Globex", slug="globex")
    for term in ("cme co", "acme", acme.pk):
        page, _queries = _list(staff_client, ORGANIZATIONS, {"q": term})
        assert "Acme Corp" in page
        assert "Globex" not in page


def test_the_audit_log_filters_by_the_catalogue_and_counts_only_so_far(
    staff_client, organization, monkeypatch
):
    monkeypatch.setattr(CappedCountPaginator, "cap", 5)
    with zeal_ignore():
        _audit_rows(organization, 8)
    page, queries = _list(staff_client, AUDIT_LOG)
    assert "More than 5 audit logs" in page
    # The menu names actions no row has yet: it comes from the catalogue, not the rows.
    assert "member.role_changed" in page
    assert not any("DISTINCT" in sql for sql in queries)
    assert not any("MIN(" in sql for sql in queries)  # no date drill-down reading every row
    counts = [sql for sql in queries if "COUNT(*)" in sql]
    assert len(counts) == 1
    assert "LIMIT 6" in counts[0]
    few, _queries = _list(staff_client, AUDIT_LOG, {"action__exact": "member.role_changed"})
    assert "0 audit logs" in few


def test_the_audit_log_is_searched_by_row_organization_id_and_slug(staff_client):
    with zeal_ignore():
        acme, globex = _organizations(2)
        _audit_rows(acme, 2, action="template.created")
        _audit_rows(globex, 3, action="api_key.created")
    row = AuditLog.objects.filter(organization=acme).first()
    assert row is not None
    for term, shown in [
        (acme.slug.upper(), "2 audit logs"),
        (globex.pk, "3 audit logs"),
        (row.pk, "1 audit log"),
        ("no-such-organization", "0 audit logs"),
        ("org_nonsense%_'", "0 audit logs"),
    ]:
        page, _queries = _list(staff_client, AUDIT_LOG, {"q": term})
        assert shown in page, term


def test_memberships_are_searched_by_person_organization_and_id(staff_client):
    with zeal_ignore():
        acme = OrganizationFactory(slug="acme")
        alice = UserFactory(email="Alice.Liddell@wonder.test")
        first = MembershipFactory(organization=acme, user=alice)
        MembershipFactory(organization=OrganizationFactory(slug="globex"))
    for term, found in [
        ("liddell@WONDER", 1),
        ("acme", 1),
        (first.pk, 1),
        (alice.pk, 1),
        ("globex", 1),
        ("nobody-at-all", 0),
    ]:
        page, queries = _list(staff_client, MEMBERSHIPS, {"q": term})
        assert f"{found} membership" in page, term
        # The search joins nothing: people and organizations are looked up on their own.
        listed = [sql for sql in queries if 'FROM "memberships_membership"' in sql]
        assert all("UPPER(" not in sql for sql in listed)


def test_people_are_searched_by_email_name_and_id(staff_client):
    with zeal_ignore():
        alice = UserFactory(email="alice@wonder.test", name="Alice Liddell")
        UserFactory(email="bob@builder.test", name="Bob")
    for term in ("WONDER.te", "liddell", alice.pk):
        page, _queries = _list(staff_client, USERS, {"q": term})
        assert "alice@wonder.test" in page
        assert "bob@builder.test" not in page
