"""Every list of the `/admin/*` pages comes a page at a time (issue 17): the members earliest
joined first, the pending invitations newest first (by keyset, no count); templates, keys,
integrations, domains and webhook endpoints by number. A page holds at most its size, its links
reach every other row once, a broken link is a 400 that says so, and a page costs the same
queries and about the same bytes with ten times the rows."""

import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from zeal import zeal_ignore

from causeloop.web.pages.people import INVITATIONS_PER_PAGE, MEMBERS_PER_PAGE
from memberships.models import Membership
from organizations.roles import Role
from tests import bulk
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

MEMBERS = "/admin/members/"


def link(response, rel: str) -> str | None:
    """The href of the first link with `rel` on the page (its query string), or None."""
    found = re.search(rf'<a href="([^"]*)" rel="{rel}"', response.content.decode())
    return html.unescape(found[1]).split("#")[0] if found else None


def member_ids(response) -> list[str]:
    return [row.membership.pk for row in response.context["rows"]]


def _owner_of(organization, **user_fields):
    owner = UserFactory(**user_fields)
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER, is_active=True)
    return owner


def _ordered_members(organization) -> list[str]:
    rows = Membership.objects.filter(organization=organization).order_by("joined_at", "id")
    return list(rows.values_list("pk", flat=True))


# --- members ------------------------------------------------------------------------------------


def test_members_come_earliest_joined_first_a_page_at_a_time(signed_in, organization, owner):
    bulk.members(organization, 60)
    client = signed_in(owner)
    response = client.get(MEMBERS)
    assert response.status_code == 200
    pages = [member_ids(response)]
    assert link(response, "prev") is None
    while (later := link(response, "next")) is not None:
        response = client.get(MEMBERS + later)
        assert response.status_code == 200
        pages.append(member_ids(response))
    assert [len(page) for page in pages] == [MEMBERS_PER_PAGE, MEMBERS_PER_PAGE, 11]
    assert [pk for page in pages for pk in page] == _ordered_members(organization)
    # Back from the last page: the one before it, and a link to the first.
    assert "First joined</a>" in response.content.decode()
    back = client.get(MEMBERS + link(response, "prev"))
    assert member_ids(back) == pages[1]


def test_members_are_searched_by_name_or_email_and_filtered_by_role(signed_in, organization, owner):
    bulk.members(organization, 40)
    bulk.members(organization, 3, role=Role.ANALYST, prefix="analyst")
    client = signed_in(owner)
    found = client.get(MEMBERS + "?q=PERSON1")
    assert found.status_code == 200
    emails = {row.membership.user.email for row in found.context["rows"]}
    assert emails == {"person1@bulk.test", *(f"person{n}@bulk.test" for n in range(10, 20))}
    by_name = client.get(MEMBERS + "?q=person 3")  # "Person 3", "Person 30" … by name
    assert {row.membership.user.email for row in by_name.context["rows"]} == {
        "person3@bulk.test",
        *(f"person{n}@bulk.test" for n in range(30, 40)),
    }
    analysts = client.get(MEMBERS + "?role=analyst")
    assert {row.membership.user.email for row in analysts.context["rows"]} == {
        f"analyst{n}@bulk.test" for n in range(3)
    }
    # The next page of a search keeps the search.
    searched = client.get(MEMBERS + "?q=person&role=member")
    later = link(searched, "next")
    assert "q=person" in later
    assert "role=member" in later
    rest = client.get(MEMBERS + later)
    assert all("person" in row.membership.user.email for row in rest.context["rows"])
    assert len(member_ids(searched)) + len(member_ids(rest)) == 40
    nobody = client.get(MEMBERS + "?q=nobody-at-all")
    assert "Nobody matches this search." in nobody.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?role=emperor", "Choose one of the listed roles."),
        ("?q=" + "x" * 300, "Ensure this value has at most 254 characters"),
    ],
)
def test_a_bad_search_is_a_400_that_says_why(signed_in, organization, owner, query, message):
    bulk.members(organization, 30)
    response = signed_in(owner).get(MEMBERS + query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert len(member_ids(response)) == MEMBERS_PER_PAGE  # everyone, meanwhile
    assert link(response, "next").startswith("?after=")  # without the bad search


@pytest.mark.parametrize(
    "query",
    [
        "?after=nonsense",
        "?before=1.mem_x",
        "?after=" + "9" * 300,
        "?invitations_after=broken",
        "?codes_before=broken",
    ],
)
def test_a_broken_page_link_is_a_400_with_the_first_page(signed_in, organization, owner, query):
    bulk.members(organization, 30)
    bulk.invitations(organization, 3)
    response = signed_in(owner).get(MEMBERS + query)
    assert response.status_code == 400
    assert "This page link is broken or out of date" in response.content.decode()
    assert member_ids(response) == _ordered_members(organization)[:MEMBERS_PER_PAGE]


def test_another_organizations_cursor_shows_only_my_members(signed_in, organization, owner):
    elsewhere = OrganizationFactory()
    bulk.members(elsewhere, 30, prefix="stranger")
    bulk.members(organization, 30)
    stranger = _owner_of(elsewhere)
    their_later = link(signed_in(stranger).get(MEMBERS), "next")
    mine = Client()
    with zeal_ignore():
        mine.force_login(owner)
    response = mine.get(MEMBERS + their_later)
    assert response.status_code == 200
    assert "stranger" not in response.content.decode()
    assert set(member_ids(response)) <= set(_ordered_members(organization))


def test_the_only_owner_rule_counts_the_owners_beyond_the_page(signed_in, organization):
    first = bulk.members(organization, 1, role=Role.OWNER, prefix="first")[0]
    Membership.objects.filter(pk=first.pk).update(is_active=True)
    bulk.members(organization, 40)
    client = signed_in(first.user)
    own_row = next(row for row in client.get(MEMBERS).context["rows"] if row.is_you)
    assert own_row.note.startswith("You are the only owner")
    assert own_row.remove is None
    # A second owner who joined last, two pages on: now the first one may leave or step down.
    MembershipFactory(organization=organization, role=Role.OWNER)
    own_row = next(row for row in client.get(MEMBERS).context["rows"] if row.is_you)
    assert own_row.note == ""
    assert own_row.remove is not None
    assert own_row.role_choices


def test_pending_invitations_come_newest_first_a_page_at_a_time(signed_in, organization, owner):
    made = bulk.invitations(organization, 15)  # newest first
    client = signed_in(owner)
    first = client.get(MEMBERS)
    shown = [invitation.pk for invitation, _revoke in first.context["invitations"]]
    assert shown == [invitation.pk for invitation in made[:INVITATIONS_PER_PAGE]]
    older = first.context["invitations_pager"].next
    second = client.get(f"{MEMBERS}?{older}")
    assert [invitation.pk for invitation, _revoke in second.context["invitations"]] == [
        invitation.pk for invitation in made[INVITATIONS_PER_PAGE:]
    ]
    assert "Newer invitations" in second.content.decode()


def test_members_and_analysts_see_the_members_paged_without_invitations(
    signed_in, organization, make_member
):
    bulk.members(organization, 30)
    bulk.invitations(organization, 3)
    for role in (Role.MEMBER, Role.ANALYST):
        response = signed_in(make_member(organization, role)).get(MEMBERS)
        assert response.status_code == 200
        assert len(member_ids(response)) == MEMBERS_PER_PAGE
        assert link(response, "next") is not None
        assert response.context["invitations"] == []
        assert "invitee0@bulk.test" not in response.content.decode()


# --- the lists that page by number --------------------------------------------------------------


def _shown(response, key, field, name):
    """The names of the rows a numbered page lists."""
    rows = response.context[key]
    return [getattr(getattr(row, field) if field else row, name) for row in rows]


NUMBERED = {
    # path: (make `count` rows, the page's list in the context, what a row holds, its name)
    "/admin/templates/": (bulk.templates, "templates", None, "name"),
    "/admin/api-keys/": (bulk.api_keys, "rows", "key", "name"),
    "/admin/integrations/": (bulk.integrations, "integrations", None, "name"),
    "/admin/domains/": (bulk.domains, "rows", "domain", "name"),
    "/admin/webhooks/": (bulk.webhook_endpoints, "rows", "endpoint", "url"),
}


@pytest.mark.parametrize("path", NUMBERED)
def test_a_numbered_list_pages_through_every_row_once(signed_in, organization, owner, path):
    make, key, field, name = NUMBERED[path]
    made = [getattr(row, name) for row in make(organization, 60)]
    client = signed_in(owner)
    response = client.get(path)
    assert response.status_code == 200
    assert "Page 1 of 3" in response.content.decode()
    seen = _shown(response, key, field, name)
    assert len(seen) == 25
    while (following := link(response, "next")) is not None:
        response = client.get(path + following)
        assert response.status_code == 200
        seen += _shown(response, key, field, name)
    assert seen == made
    assert "Page 3 of 3" in response.content.decode()
    # Past the end (a link kept after deletions): the last page.
    assert client.get(path + "?page=99").context["pager"].position == "Page 3 of 3"


@pytest.mark.parametrize("path", NUMBERED)
@pytest.mark.parametrize("page", ["0", "-1", "two", "9" * 40, "1.5"])
def test_a_page_number_that_is_not_one_is_a_400_with_the_first_page(
    signed_in, organization, owner, path, page
):
    make, key, _field, _name = NUMBERED[path]
    make(organization, 30)
    response = signed_in(owner).get(f"{path}?page={page}")
    assert response.status_code == 400
    assert "There is no such page; here is the first page." in response.content.decode()
    assert len(response.context[key]) == 25


# --- what a page costs ---------------------------------------------------------------------------


def _members_and_invitations(organization, count):
    bulk.members(organization, count, prefix=f"p{count}-")
    # Pages of 10: a few pages' worth at either size. (Hundreds of rolled-back invitations
    # leave the table big enough on disk to change the plans tests/security checks.)
    bulk.invitations(organization, count // 10 + 10)


COSTS = {
    MEMBERS: _members_and_invitations,
    "/admin/templates/": bulk.templates,
    "/admin/api-keys/": bulk.api_keys,
    "/admin/integrations/": bulk.integrations,
    "/admin/domains/": bulk.domains,
    "/admin/webhooks/": bulk.webhook_endpoints,
}


def _cost(count, path):
    organization = OrganizationFactory(seats=1000)
    client = Client()
    with zeal_ignore():
        client.force_login(_owner_of(organization))
    COSTS[path](organization, count)
    client.get(path)  # the session's first request settles what a first request does
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured), len(response.content)


@pytest.mark.parametrize("path", COSTS)
def test_a_page_costs_the_same_with_ten_times_the_rows(path):
    small_queries, small_bytes = _cost(30, path)
    large_queries, large_bytes = _cost(300, path)
    assert large_queries == small_queries, (path, small_queries, large_queries)
    assert large_bytes < 1.2 * small_bytes, (path, small_bytes, large_bytes)
