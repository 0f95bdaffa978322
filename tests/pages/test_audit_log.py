"""`/admin/audit/`: the audit log in sentences, for admins and owners, filtered and paged."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from zeal import zeal_ignore

from organizations.audit import audit, audit_entry
from organizations.audit_text import ACTIONS
from organizations.roles import Role
from tests.factories import ApiKeyFactory, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/audit/"


def sign_in(user, client=None):
    client = client or Client()
    with zeal_ignore():  # logging in is test setup, not the request under test
        client.force_login(user)
    return client


def sentences(response):
    return [entry.sentence for entry in response.context["entries"]]


def write_rows(organization, actor, count, action="data.exported", start=None):
    """`count` rows, one second apart, the last one newest (bulk: the rows' own times)."""
    start = start or timezone.now() - timedelta(hours=1)
    rows = []
    for index in range(count):
        row = audit_entry(organization, actor=actor, action=action, details={"n": index})
        row.created_at = start + timedelta(seconds=index)
        rows.append(row)
    type(rows[0]).objects.bulk_create(rows)


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_admins_and_owners_read_the_log_in_sentences(organization, make_member, role):
    person = make_member(organization, role, name="Alice Example", email="alice@acme.test")
    audit(
        organization,
        actor=person,
        action="member.invited",
        details={"email": "bob@acme.test", "role": "admin"},
    )
    response = sign_in(person).get(URL)
    assert response.status_code == 200
    assert sentences(response) == ["Alice Example invited bob@acme.test as admin"]
    html = response.content.decode()
    assert "<strong>Alice Example</strong> invited bob@acme.test as admin" in html
    assert "member.invited" not in html.split("</select>")[1]  # not machine-speak in the rows
    assert '<time datetime="' in html


@pytest.mark.parametrize("role", [Role.ANALYST, Role.MEMBER])
def test_analysts_and_members_get_the_403_page(organization, make_member, role):
    audit(organization, actor=None, action="data.exported")
    response = sign_in(make_member(organization, role)).get(URL)
    assert response.status_code == 403
    assert b"You do not have access" in response.content
    assert b"asked for an export" not in response.content


def test_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_another_tenants_rows_never_show(organization, other_organization, make_member):
    admin = make_member(organization, Role.ADMIN)
    stranger = UserFactory(name="Mallory Outsider")
    MembershipFactory(user=stranger, organization=other_organization, role=Role.OWNER)
    audit(other_organization, actor=stranger, action="data.exported")
    audit(organization, actor=admin, action="organization.suspended")
    client = sign_in(admin)
    response = client.get(URL)
    assert [entry.row.organization_id for entry in response.context["entries"]] == [organization.pk]
    assert b"Mallory" not in response.content
    assert sentences(client.get(URL + "?person=Mallory")) == []
    # The other tenant's admin, in turn, sees only theirs.
    theirs = sign_in(stranger).get(URL)
    assert sentences(theirs) == ["Mallory Outsider asked for an export of the organization's data"]


def test_a_cursor_from_another_tenant_shows_none_of_its_rows(organization, other_organization):
    admin = UserFactory()
    MembershipFactory(user=admin, organization=organization, role=Role.ADMIN, is_active=True)
    write_rows(other_organization, None, 30)
    write_rows(organization, admin, 3)
    other_first = sign_in(
        MembershipFactory(organization=other_organization, role=Role.OWNER, is_active=True).user
    ).get(URL)
    older = other_first.context["links"]["older"]
    response = sign_in(admin).get(f"{URL}?{older}")
    assert response.status_code == 200
    orgs = {entry.row.organization_id for entry in response.context["entries"]}
    assert orgs <= {organization.pk}


def test_filters_by_what_happened_and_by_person(organization, make_member):
    alice = make_member(organization, Role.OWNER, name="Alice Example", email="alice@acme.test")
    bob = make_member(organization, Role.ADMIN, name="Bob Builder", email="bob@acme.test")
    key = ApiKeyFactory(organization=organization, name="CI")
    audit(organization, actor=alice, action="member.invited", details={"email": "carol@acme.test"})
    audit(organization, actor=bob, action="data.exported")
    audit(organization, actor=key, action="template.created", details={"name": "Weekly"})
    client = sign_in(alice)

    invited = client.get(URL + "?action=member.invited")
    assert sentences(invited) == ["Alice Example invited carol@acme.test"]
    assert 'value="member.invited" selected' in invited.content.decode()
    # By name, by email, by key name, and whom a row is about.
    assert sentences(client.get(URL + "?person=builder")) == [
        "Bob Builder asked for an export of the organization's data"
    ]
    assert len(sentences(client.get(URL + "?person=alice@acme"))) == 1
    assert sentences(client.get(URL + "?person=CI")) == [
        "API key “CI” (…\u2060abcd) created the template “Weekly”"
    ]
    assert sentences(client.get(URL + "?person=carol")) == ["Alice Example invited carol@acme.test"]
    both = client.get(URL + "?action=data.exported&person=alice")
    assert both.status_code == 200
    assert sentences(both) == []
    assert b"No entries match these filters." in both.content


def test_the_action_filter_lists_every_known_action(organization, admin_user):
    html = sign_in(admin_user).get(URL).content.decode()
    for action, described in ACTIONS.items():
        assert f'<option value="{action}">{described.label}</option>' in html


@pytest.mark.parametrize(
    "query",
    ["action=member.explode", "action=%3Cscript%3E", "person=" + "x" * 300],
)
def test_a_bad_filter_is_a_400_with_the_message_beside_it(organization, admin_user, query):
    audit(organization, actor=admin_user, action="data.exported")
    response = sign_in(admin_user).get(f"{URL}?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error"' in html
    assert "<script>" not in html
    assert len(response.context["entries"]) == 1  # the whole log meanwhile


@pytest.mark.parametrize(
    "cursor",
    ["nonsense", "1.aud_x", "999999999999999999.aud_" + "0" * 26, "1" * 79, "-1.aud_" + "0" * 26],
)
@pytest.mark.parametrize("direction", ["after", "before"])
def test_a_broken_page_link_says_so_and_shows_the_newest(
    organization, admin_user, cursor, direction
):
    audit(organization, actor=admin_user, action="data.exported")
    response = sign_in(admin_user).get(f"{URL}?{direction}={cursor}")
    assert response.status_code == 400
    assert b"This page link is broken or out of date" in response.content
    assert len(response.context["entries"]) == 1


def test_pages_go_older_and_back_newer_with_filters_kept(organization, admin_user):
    write_rows(organization, admin_user, 60, action="data.exported")
    write_rows(organization, admin_user, 3, action="organization.suspended")
    client = sign_in(admin_user)

    first = client.get(URL + "?action=data.exported")
    first_rows = [entry.row.pk for entry in first.context["entries"]]
    assert len(first_rows) == 25
    assert "newer" not in first.context["links"]
    second = client.get(f"{URL}?{first.context['links']['older']}")
    assert "action=data.exported" in first.context["links"]["older"]
    second_rows = [entry.row.pk for entry in second.context["entries"]]
    assert len(second_rows) == 25
    assert not set(first_rows) & set(second_rows)
    third = client.get(f"{URL}?{second.context['links']['older']}")
    third_rows = [entry.row.pk for entry in third.context["entries"]]
    assert len(third_rows) == 10
    assert "older" not in third.context["links"]
    assert {entry.row.action for entry in third.context["entries"]} == {"data.exported"}
    # Back: the same pages, in the same order.
    back = client.get(f"{URL}?{third.context['links']['newer']}")
    assert [entry.row.pk for entry in back.context["entries"]] == second_rows
    top = client.get(f"{URL}?{back.context['links']['newer']}")
    assert [entry.row.pk for entry in top.context["entries"]] == first_rows
    assert "newer" not in top.context["links"]
    # Newest first, throughout.
    times = [entry.row.created_at for entry in first.context["entries"]]
    assert times == sorted(times, reverse=True)


def test_rows_written_in_the_same_microsecond_are_neither_lost_nor_repeated(
    organization, admin_user
):
    moment = timezone.now()
    rows = [audit_entry(organization, actor=admin_user, action="data.exported") for _ in range(30)]
    for row in rows:
        row.created_at = moment
    type(rows[0]).objects.bulk_create(rows)
    client = sign_in(admin_user)
    first = client.get(URL)
    second = client.get(f"{URL}?{first.context['links']['older']}")
    seen = [entry.row.pk for response in (first, second) for entry in response.context["entries"]]
    assert sorted(seen) == sorted(row.pk for row in rows)


def _world(size):
    organization = OrganizationFactory(seats=1000)
    owner = UserFactory()
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER, is_active=True)
    for index in range(size):
        person = MembershipFactory(organization=organization, role=Role.ADMIN).user
        key = ApiKeyFactory(organization=organization)
        audit(organization, actor=person, action="member.invited", details={"email": "x@y.test"})
        audit(organization, actor=key, action="api_key.rotated", details={"name": f"k{index}"})
        audit(organization, actor=None, action="something.new", target=organization)
    return sign_in(owner)


@pytest.mark.parametrize("path", [URL, URL + "?person=user", "/"])
def test_queries_do_not_grow_with_the_rows(path):
    counts = []
    for size in (2, 25):
        client = _world(size)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
