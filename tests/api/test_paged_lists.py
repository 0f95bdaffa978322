"""The API's lists at scale (issue 17): `GET /me` lists the first 20 memberships and links to
`GET /me/memberships`, which pages through them all; a page-number list's deep pages hold the
same rows, in the same order, as walking to them (their IDs come from the index first)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from causeloop.web.api.accounts import ME_MEMBERSHIPS
from memberships.models import Membership
from organizations.models import Organization
from organizations.roles import Role
from tests import bulk
from tests.api.conftest import error_code, token_client
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ME, MINE = "/api/v1/me", "/api/v1/me/memberships"


@pytest.fixture
def person(organization):
    """Active in `organization` (joined first) and a member of 30 more, joined after it."""
    user = UserFactory()
    MembershipFactory(
        user=user,
        organization=organization,
        role=Role.ADMIN,
        is_active=True,
        joined_at=timezone.now() - timedelta(days=2),
    )
    bulk.organizations_of(user, 30)
    return user


def _joined_order(user) -> list[str]:
    rows = Membership.objects.filter(user=user).order_by("joined_at", "id")
    return list(rows.values_list("pk", flat=True))


def test_me_lists_the_first_memberships_and_links_to_all_of_them(person, organization):
    body = token_client(person).get(ME).json()
    assert [m["id"] for m in body["memberships"]] == _joined_order(person)[:ME_MEMBERSHIPS]
    assert body["has_more_memberships"] is True
    assert body["memberships_url"] == "http://testserver/api/v1/me/memberships"
    assert body["active_organization"]["id"] == organization.pk
    assert body["memberships"][0]["is_active"] is True


def test_me_without_more_memberships_says_so(owner):
    body = token_client(owner).get(ME).json()
    assert len(body["memberships"]) == 1
    assert body["has_more_memberships"] is False


def test_me_names_the_active_organization_beyond_the_first_memberships(person):
    latest = Membership.objects.filter(user=person).order_by("-joined_at", "-id").first()
    Membership.objects.filter(user=person).update(is_active=False)
    Membership.objects.filter(pk=latest.pk).update(is_active=True)
    body = token_client(person).get(ME).json()
    assert body["active_organization"]["id"] == latest.organization_id
    assert not any(m["is_active"] for m in body["memberships"])  # it is not among them


def test_with_none_active_me_activates_the_earliest_joined(person, organization):
    Membership.objects.filter(user=person).update(is_active=False)
    body = token_client(person).get(ME).json()
    assert body["active_organization"]["id"] == organization.pk
    assert body["memberships"][0]["is_active"] is True


def _me_cost(count):
    user = UserFactory()
    bulk.organizations_of(user, count, prefix=f"Cost{count}")
    Membership.objects.filter(pk=Membership.objects.filter(user=user).first().pk).update(
        is_active=True
    )
    client = token_client(user)
    client.get(ME)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(ME)
    assert response.status_code == 200
    return len(captured), len(response.content)


def test_me_costs_the_same_for_25_memberships_or_250():
    small_queries, small_bytes = _me_cost(25)
    large_queries, large_bytes = _me_cost(250)
    assert large_queries == small_queries
    assert large_bytes < 1.1 * small_bytes


def test_my_memberships_come_a_page_at_a_time_earliest_joined_first(person):
    client = token_client(person)
    first = client.get(MINE, {"page_size": 20}).json()
    assert first["count"] == 31
    second = client.get(first["next"]).json()
    assert second["next"] is None
    ids = [m["id"] for m in first["results"] + second["results"]]
    assert ids == _joined_order(person)
    assert set(first["results"][0]) == {"id", "organization", "role", "is_active", "joined_at"}


def test_my_memberships_are_mine_only(person, make_member):
    stranger = UserFactory()
    bulk.organizations_of(stranger, 3, prefix="Secret")
    body = token_client(person).get(MINE, {"page_size": 200}).json()
    names = {m["organization"]["name"] for m in body["results"]}
    assert not {name for name in names if name.startswith("Secret")}
    assert len(names) == 31


def test_an_api_key_has_no_memberships_to_list(as_key, organization):
    client = as_key(organization)
    response = client.get(MINE)
    assert response.status_code == 404
    me = client.get(ME).json()
    assert me["memberships"] == []
    assert me["has_more_memberships"] is False
    assert me["memberships_url"] is None


def test_a_page_past_the_last_is_a_clear_404(person):
    response = token_client(person).get(MINE, {"page": "99"})
    assert response.status_code == 404
    assert error_code(response) == "not_found"


@pytest.mark.parametrize("page", ["0", "x", "-1"])
def test_a_page_that_is_no_page_number_is_a_400(person, page):
    response = token_client(person).get(MINE, {"page": page})
    assert response.status_code == 400
    assert error_code(response) == "invalid_page"


def test_deep_pages_of_members_hold_the_rows_walking_there_finds(organization, owner):
    Organization.objects.filter(pk=organization.pk).update(seats=1000)
    bulk.members(organization, 60)
    bulk.members(organization, 10, role=Role.ANALYST, prefix="analyst")
    client = token_client(owner)
    path = f"/api/v1/organizations/{organization.slug}/members"
    everyone = client.get(path, {"page_size": 200}).json()["results"]
    assert len(everyone) == 71
    for page in (2, 3):
        body = client.get(path, {"page_size": 25, "page": page}).json()
        assert body["results"] == everyone[(page - 1) * 25 : page * 25]
    members = [m for m in everyone if m["role"] == "member"]
    body = client.get(path, {"page_size": 25, "page": 2, "role": "member"}).json()
    assert body["count"] == 60
    assert body["results"] == members[25:50]
    assert client.get(body["next"]).json()["results"] == members[50:]


def test_a_deep_page_costs_what_the_first_page_costs_and_one_query(organization, owner):
    bulk.members(organization, 60)
    client = token_client(owner)
    path = f"/api/v1/organizations/{organization.slug}/members?page_size=10"
    client.get(path)
    counts = []
    for page in (1, 2, 6):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{path}&page={page}").status_code == 200
        counts.append(len(captured))
    assert counts[1] == counts[2] == counts[0] + 1  # the page's IDs, then its rows
