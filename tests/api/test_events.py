"""`/organizations/{org}/events`: the organization's events, oldest first after a cursor, for the
audit log's readers (admins, owners, API keys); and `/event-types`, the catalog, for anyone
signed in."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.utils import timezone

from organizations.events import emit
from organizations.models import Event
from tests.api.conftest import assert_refused
from tests.api.usage_data import CALLERS, WRITERS, client_for
from tests.api.webhook_data import make_events
from webhooks.catalog import event_groups, event_types

pytestmark = pytest.mark.django_db

FEED_FIELDS = {"next", "next_after", "has_more", "results"}


def _url(organization, query=""):
    return f"/api/v1/organizations/{organization.pk}/events{query}"


@pytest.fixture
def caller_client(as_user, as_key, make_member, organization):
    def make(caller):
        return client_for(
            caller, organization, as_user=as_user, as_key=as_key, make_member=make_member
        )

    return make


def _ids(organization, **filters):
    return list(
        Event.objects.filter(organization=organization, **filters)
        .order_by("id")
        .values_list("pk", flat=True)
    )


# --- who reads them ---------------------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
def test_the_audit_logs_readers_read_the_events(caller_client, organization, caller):
    make_events(organization, 2)
    client = caller_client(caller)
    events = client.get(_url(organization))
    audit_log = client.get(f"/api/v1/organizations/{organization.pk}/audit-log")
    if caller in WRITERS:
        assert events.status_code == audit_log.status_code == 200, events.content
        assert [row["id"] for row in events.json()["results"]] == _ids(organization)
    else:
        assert_refused(events, status=403, code="permission_denied")
        assert audit_log.status_code == 403


def test_no_credentials_is_401(anonymous, organization):
    assert anonymous.get(_url(organization)).status_code == 401
    assert anonymous.get("/api/v1/event-types").status_code == 401


def test_another_tenants_events_are_never_in_the_feed(
    caller_client, organization, other_organization
):
    make_events(other_organization, 3, type="run.started")
    make_events(organization, 1)
    body = caller_client("api_key").get(_url(organization)).json()
    assert [row["id"] for row in body["results"]] == _ids(organization)
    assert not set(_ids(other_organization)) & {row["id"] for row in body["results"]}


# --- paging after a cursor --------------------------------------------------------------------


def test_the_feed_is_read_oldest_first_once_each_after_the_cursor(caller_client, organization):
    client = caller_client("admin")  # its own creation may have written events: read them all
    make_events(organization, 5)
    expected = _ids(organization)
    first = client.get(_url(organization, "?page_size=2"))
    assert first.status_code == 200, first.content
    body = first.json()
    assert set(body) == FEED_FIELDS
    assert set(body["results"][0]) == {"id", "type", "created_at", "data"}
    stored = Event.objects.get(pk=body["results"][0]["id"])
    assert (body["results"][0]["type"], body["results"][0]["data"]) == (stored.type, stored.data)
    seen, pages = [row["id"] for row in body["results"]], 1
    while body["has_more"]:
        assert body["next_after"] == seen[-1]
        assert parse_qs(urlparse(body["next"]).query)["after"] == [seen[-1]]
        body = client.get(body["next"]).json()
        seen += [row["id"] for row in body["results"]]
        pages += 1
    assert seen == expected
    assert pages == -(-len(expected) // 2)
    # At the end for now: asking again is empty and keeps the cursor; a new event shows up.
    idle = client.get(body["next"]).json()
    assert (idle["results"], idle["has_more"], idle["next_after"]) == ([], False, expected[-1])
    (new,) = make_events(organization, 1, type="run.finished")
    later = client.get(idle["next"]).json()
    assert [row["id"] for row in later["results"]] == [new.pk]
    assert later["results"][0]["type"] == "run.finished"
    assert later["results"][0]["data"] == new.data


def test_an_empty_feed_has_no_cursor(caller_client, organization):
    client = caller_client("owner")
    Event.objects.filter(organization=organization).delete()
    body = client.get(_url(organization)).json()
    assert body["results"] == []
    assert (body["next_after"], body["has_more"]) == (None, False)


@pytest.mark.parametrize(("asked", "size"), [("3", 3), ("100", 100), (None, 50)])
def test_the_page_size_is_as_asked_up_to_100(caller_client, organization, asked, size):
    client = caller_client("admin")
    make_events(organization, 120)
    query = f"?page_size={asked}" if asked else ""
    body = client.get(_url(organization, query)).json()
    assert len(body["results"]) == size
    assert body["has_more"] is True


@pytest.mark.parametrize("asked", ["101", "0", "x", ""])
def test_a_page_size_out_of_bounds_is_a_400(caller_client, organization, asked):
    response = caller_client("admin").get(_url(organization, f"?page_size={asked}"))
    error = assert_refused(response, code="invalid_page_size")
    assert "from 1 to 100" in error["message"]


@pytest.mark.parametrize(
    "after", ["nonsense", "evt_short", "run_01jd0000000000000000000000", "evt_" + "0" * 27]
)
def test_a_broken_cursor_is_a_400(caller_client, organization, after):
    response = caller_client("admin").get(_url(organization, f"?after={after}"))
    error = assert_refused(response, code="invalid_cursor")
    assert "after" in error["fields"]


# --- filtering by type ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "types"),
    [
        ("?type=run.started", {"run.started"}),
        ("?type=run.started&type=member.joined", {"run.started", "member.joined"}),
        ("?type=run.started,member.removed", {"run.started", "member.removed"}),
        ("?type=run.*", {"run.started", "run.finished"}),
        ("?type=", None),
    ],
)
def test_the_feed_filters_by_type_and_group(caller_client, organization, query, types):
    client = caller_client("api_key")
    for name in ("member.joined", "member.removed", "run.started", "run.finished"):
        make_events(organization, 2, type=name)
    body = client.get(_url(organization, query)).json()
    wanted = {"type__in": types} if types else {}
    assert [row["id"] for row in body["results"]] == _ids(organization, **wanted)
    if types:
        assert {row["type"] for row in body["results"]} == types
        assert "type=" in body["next"]  # the filter stays on the next page's link


@pytest.mark.parametrize("query", ["?type=run.jumped", "?type=nope.*", "?type=" + "a," * 101])
def test_an_unknown_type_is_a_400(caller_client, organization, query):
    response = caller_client("admin").get(_url(organization, query))
    error = assert_refused(response, code="invalid")
    assert "type" in error["fields"]


# --- the catalog ------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", ["member", "api_key"])
def test_anyone_signed_in_reads_the_event_types(caller_client, caller):
    response = caller_client(caller).get("/api/v1/event-types")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"types", "groups"}
    assert body["types"] == [
        {"type": name, "label": label} for name, label in event_types().items()
    ]
    listed = {row["type"] for row in body["types"]}
    assert {"member.joined", "run.started", "webhook.test", "webhook_endpoint.created"} <= listed
    assert body["groups"] == event_groups()
    assert {"member.*", "run.*"} <= set(body["groups"])


def test_the_feed_holds_back_events_younger_than_the_settle_time(
    settings, caller_client, organization
):
    """An event appears once it is `CAUSELOOP_EVENTS_SETTLE_SECONDS` old: one whose transaction
    commits a moment after a later event's is then never skipped by a client reading past it."""
    client = caller_client("owner")
    settings.CAUSELOOP_EVENTS_SETTLE_SECONDS = 2
    emit(organization, type="member.joined", data={"fresh": True})
    fresh = _ids(organization, type="member.joined")[-1]
    assert fresh not in [row["id"] for row in client.get(_url(organization)).json()["results"]]
    with time_machine.travel(timezone.now() + timedelta(seconds=3)):
        shown = [row["id"] for row in client.get(_url(organization)).json()["results"]]
    assert fresh in shown
