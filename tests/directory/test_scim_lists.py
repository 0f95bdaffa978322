"""Listing `/scim/v2/Users`: filters translated to the database (and the ones refused with
`invalidFilter`), pages by `startIndex` and `count`, and `POST /Users/.search`."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone

from directory.models import DirectoryUser
from tests.directory.conftest import new_user, scim_error

pytestmark = pytest.mark.django_db

SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


@pytest.fixture
def people(scim, acme):
    """Three people: Ada (active), Grace (inactive), Katherine (no external ID)."""
    ada = scim.post(
        "/Users",
        new_user(
            "Ada@acme.test",
            externalId="okta-ada",
            displayName="Ada Lovelace",
            name={"givenName": "Ada", "familyName": "Lovelace"},
            emails=[{"value": "ada@acme.test", "type": "work"}, {"value": "Ada@Home.test"}],
        ),
    ).json()
    grace = scim.post(
        "/Users",
        new_user(
            "grace@acme.test", externalId="okta-grace", displayName="Grace Hopper", active=False
        ),
    ).json()
    katherine = scim.post(
        "/Users", new_user("katherine@acme.test", displayName="Katherine Johnson")
    ).json()
    return {"ada": ada["id"], "grace": grace["id"], "katherine": katherine["id"]}


def _found(scim, scim_filter, **params):
    query = f"/Users?filter={quote(scim_filter)}"
    for name, value in params.items():
        query += f"&{name}={value}"
    response = scim.get(query)
    assert response.status_code == 200, (scim_filter, response.content)
    return response.json()


def _ids(body):
    return {resource["id"] for resource in body.get("Resources", [])}


@pytest.mark.parametrize(
    ("scim_filter", "expected"),
    [
        ('userName eq "ada@ACME.test"', {"ada"}),
        ('userName sw "GRACE"', {"grace"}),
        ('userName co "acme"', {"ada", "grace", "katherine"}),
        ('userName ew ".TEST"', {"ada", "grace", "katherine"}),
        ('userName ne "ada@acme.test"', {"grace", "katherine"}),
        ('externalId eq "okta-ada"', {"ada"}),
        ('externalId eq "OKTA-ADA"', set()),  # case exact
        ("externalId pr", {"ada", "grace"}),
        ('emails.value eq "ada@home.test"', {"ada"}),
        ('emails eq "ADA@acme.test"', {"ada"}),
        ('emails[value eq "ada@acme.test"]', {"ada"}),
        ("emails pr", {"ada"}),
        ("active eq false", {"grace"}),
        ("active eq true", {"ada", "katherine"}),
        ('displayName eq "grace hopper"', {"grace"}),
        ('displayName co "John"', {"katherine"}),
        ('displayName sw "Ada"', {"ada"}),
        ('name.familyName eq "lovelace"', {"ada"}),
        ("name.givenName pr", {"ada"}),
        ('userName sw "a" or userName sw "k"', {"ada", "katherine"}),
        ('userName co "acme" and not (active eq false)', {"ada", "katherine"}),
        ('(displayName sw "A" or displayName sw "G") and active eq true', {"ada"}),
        ('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "grace@acme.test"', {"grace"}),
    ],
)
def test_filters_find_the_right_people(scim, people, scim_filter, expected):
    body = _found(scim, scim_filter)
    assert _ids(body) == {people[name] for name in expected}
    assert body["totalResults"] == len(expected)


def test_filters_on_moments(scim, people):
    DirectoryUser.objects.filter(pk=people["grace"]).update(
        updated_at=timezone.now() - timedelta(days=2)
    )
    since = (timezone.now() - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    body = _found(scim, f'meta.lastModified gt "{since}"')
    assert _ids(body) == {people["ada"], people["katherine"]}
    body = _found(scim, f'meta.lastModified le "{since}"')
    assert _ids(body) == {people["grace"]}


@pytest.mark.parametrize(
    "scim_filter",
    [
        'userName eq "unclosed',
        "userName eq",
        'title eq "Boss"',  # not an attribute of our User
        'displayName gt "A"',
        'emails[type eq "work"]',
        'externalId gt "a"',
        "active eq 1",
        'meta.created gt "yesterday"',
        'groups.value eq "admin"',
        "not",
        "x" * 2000,
    ],
)
def test_filters_that_cannot_be_answered_are_refused(scim, people, scim_filter):
    scim_error(scim.get(f"/Users?filter={quote(scim_filter)}"), 400, "invalidFilter")


def test_pages_by_start_index_and_count(scim, people):
    order = [people["ada"], people["grace"], people["katherine"]]  # oldest first
    first = scim.get("/Users?count=2").json()
    assert first["totalResults"] == 3
    assert (first["startIndex"], first["itemsPerPage"]) == (1, 2)
    assert [r["id"] for r in first["Resources"]] == order[:2]
    second = scim.get("/Users?startIndex=3&count=2").json()
    assert [r["id"] for r in second["Resources"]] == order[2:]
    assert (second["startIndex"], second["itemsPerPage"]) == (3, 1)
    beyond = scim.get("/Users?startIndex=10").json()
    assert (beyond["totalResults"], beyond["itemsPerPage"]) == (3, 0)
    assert "Resources" not in beyond or beyond["Resources"] == []
    counted = scim.get("/Users?count=0").json()
    assert (counted["totalResults"], counted["itemsPerPage"]) == (3, 0)
    # Below 1 is 1; a negative count is 0; above 100 is 100.
    assert scim.get("/Users?startIndex=-4").json()["startIndex"] == 1
    assert scim.get("/Users?count=-1").json()["itemsPerPage"] == 0
    assert scim.get("/Users?count=5000").json()["itemsPerPage"] == 3
    scim_error(scim.get("/Users?count=many"), 400, "invalidValue")


def test_the_count_is_capped_at_a_hundred(scim, acme):
    from tests.factories import UserFactory

    organization, _owner = acme
    accounts = UserFactory.create_batch(105)
    DirectoryUser.objects.bulk_create(
        DirectoryUser(organization=organization, user=account, user_name=account.email)
        for account in accounts
    )
    body = scim.get("/Users?count=1000").json()
    assert (body["totalResults"], body["itemsPerPage"], len(body["Resources"])) == (105, 100, 100)


def test_search_by_post_takes_its_parameters_in_the_body(scim, people):
    response = scim.post(
        "/Users/.search",
        {
            "schemas": [SEARCH_SCHEMA],
            "filter": "active eq true",
            "attributes": ["userName"],
            "startIndex": 1,
            "count": 1,
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["totalResults"] == 2
    assert body["Resources"] == [
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": people["ada"],
            "userName": "Ada@acme.test",
        }
    ]
    scim_error(scim.post("/Users/.search", {"filter": "nope nope"}), 400, "invalidFilter")
    scim_error(scim.post("/Users/.search", [1, 2]), 400, "invalidSyntax")
    assert scim.post("/Users/.search").json()["totalResults"] == 3  # no body: everyone


def test_the_service_root_search_is_not_offered(scim, people):
    response = scim.post("/.search", {"schemas": [SEARCH_SCHEMA]})
    assert "/Users/.search" in scim_error(response, 501)
