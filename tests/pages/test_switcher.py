"""The organization switcher for a person in many organizations (issue 17): the header lists the
active one first and at most 20 in all, whatever the number, with a search leading to
`/organizations/`, which finds any of theirs by name or slug, a page at a time — and never
anyone else's."""

import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from zeal import zeal_ignore

from memberships.models import Membership
from memberships.selectors import SWITCHER_SIZE
from organizations.models import Organization
from organizations.roles import Role
from tests import bulk
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

ORGANIZATIONS = "/organizations/"


def header(response) -> str:
    return response.content.decode().split('<main id="main"', 1)[0]


def switcher_names(response) -> list[str]:
    """The organizations the header's switcher lists, in its order."""
    items = re.findall(
        r'class="switcher__(?:current|option)"[^>]*>([^<]+) <small>', header(response)
    )
    return [html.unescape(name) for name in items]


@pytest.fixture
def person(organization):
    """A member of `organization` (active) and of 30 more, "Team 000" … "Team 029"."""
    user = UserFactory(email="many@example.com")
    MembershipFactory(user=user, organization=organization, role=Role.MEMBER, is_active=True)
    bulk.organizations_of(user, 30)
    return user


def test_the_header_lists_the_active_organization_first_and_at_most_20(
    signed_in, organization, person
):
    response = signed_in(person).get("/")
    names = switcher_names(response)
    assert len(names) == SWITCHER_SIZE
    assert names[0] == organization.name
    assert names[1:] == [f"Team {n:03}" for n in range(SWITCHER_SIZE - 1)]
    assert 'aria-current="true">' + organization.name in header(response)
    assert 'action="/organizations/"' in header(response)
    assert "All your organizations" in header(response)


def test_a_person_in_a_few_organizations_gets_no_search(signed_in, organization, owner):
    bulk.organizations_of(owner, 3)
    response = signed_in(owner).get("/")
    assert len(switcher_names(response)) == 4
    assert 'action="/organizations/"' not in header(response)


def _header_cost(count):
    organization = OrganizationFactory()
    user = UserFactory()
    MembershipFactory(user=user, organization=organization, role=Role.OWNER, is_active=True)
    bulk.organizations_of(user, count, prefix=f"Cost{count}")
    client = Client()
    with zeal_ignore():
        client.force_login(user)
    client.get("/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/admin/members/")
    assert response.status_code == 200
    return len(captured), len(response.content)


def test_the_header_costs_the_same_for_25_organizations_or_250():
    small_queries, small_bytes = _header_cost(25)
    large_queries, large_bytes = _header_cost(250)
    assert large_queries == small_queries
    assert large_bytes < 1.05 * small_bytes


def test_the_switcher_page_lists_every_organization_by_name_a_page_at_a_time(
    signed_in, organization, person
):
    client = signed_in(person)
    response = client.get(ORGANIZATIONS)
    assert response.status_code == 200
    seen = [m.organization.name for m in response.context["memberships"]]
    assert len(seen) == 25
    assert "Page 1 of 2" in response.content.decode()
    rest = client.get(ORGANIZATIONS + "?" + response.context["pager"].next)
    seen += [m.organization.name for m in rest.context["memberships"]]
    assert seen == sorted([organization.name, *(f"Team {n:03}" for n in range(30))])
    # Each but the active one has its Switch button.
    page = response.content.decode() + rest.content.decode()
    assert page.count('action="/switch/"') - 2 * header(response).count('action="/switch/"') == 30


def test_the_switcher_page_finds_my_organizations_by_name_or_slug(signed_in, person):
    client = signed_in(person)
    by_name = client.get(ORGANIZATIONS + "?q=team 01")
    assert [m.organization.name for m in by_name.context["memberships"]] == [
        f"Team {n:03}" for n in range(10, 20)
    ]
    by_slug = client.get(ORGANIZATIONS + "?q=TEAM-02")
    assert len(by_slug.context["memberships"]) == 10
    none = client.get(ORGANIZATIONS + "?q=zebra")
    assert "None of your organizations matches “zebra”." in none.content.decode()


def test_the_switcher_page_never_lists_anyone_elses_organizations(signed_in, person):
    stranger = UserFactory()
    bulk.organizations_of(stranger, 5, prefix="Secret")
    response = signed_in(person).get(ORGANIZATIONS + "?q=secret")
    assert response.status_code == 200
    assert response.context["memberships"] == []
    secret = Organization.objects.get(slug="secret-000")
    switched = signed_in(person).post("/switch/", {"organization": secret.pk})
    assert switched.status_code == 404


def test_switching_from_the_switcher_page(signed_in, person):
    team = Organization.objects.get(slug="team-017")
    client = signed_in(person)
    response = client.post("/switch/", {"organization": team.pk}, follow=True)
    assert response.status_code == 200
    assert Membership.objects.get(user=person, is_active=True).organization == team
    assert switcher_names(response)[0] == "Team 017"


def test_the_switcher_page_works_while_the_active_organization_is_suspended(
    signed_in, organization, person
):
    Organization.objects.filter(pk=organization.pk).update(status=Organization.Status.SUSPENDED)
    client = signed_in(person)
    assert client.get("/").status_code == 403  # the suspended page
    response = client.get(ORGANIZATIONS)
    assert response.status_code == 200
    assert len(response.context["memberships"]) == 25


@pytest.mark.parametrize("query", ["?q=" + "x" * 300, "?page=zero", "?page=-2"])
def test_bad_input_on_the_switcher_page_is_a_400_that_says_why(signed_in, person, query):
    response = signed_in(person).get(ORGANIZATIONS + query)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Ensure this value has at most 200 characters" in text or "no such page" in text


def test_the_switcher_page_needs_a_signed_in_person(client):
    response = client.get(ORGANIZATIONS)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
