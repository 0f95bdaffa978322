"""`/admin/webhooks/<id>/`: a test event and retries (recorded as due: the workers send them,
never the request), rotating the secret and deleting the endpoint (asked first), junk posts,
the delivery log's content and keyset pages, and what the pages cost in queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from zeal import zeal_ignore

from causeloop.core.crypto import decrypt
from organizations.models import AuditLog
from organizations.roles import Role
from tests.factories import OrganizationFactory, member_of
from tests.pages.webhook_world import (
    LIST,
    URL,
    detail_url,
    make_acme,
    page_text,
    secret_of,
    snapshot,
)
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.endpoints import endpoint_create, endpoint_test

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return make_acme()


# --- a test event, and retries -------------------------------------------------------------------


def test_a_test_event_is_recorded_due_now_and_shows_in_the_log(signed_in, acme):
    _organization, owner, endpoint, _delivery = acme
    client = signed_in(owner)
    response = client.post(detail_url(endpoint), {"action": "test"})
    assert response.status_code == 302
    newest = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-id").first()
    assert newest.event.type == "webhook.test"
    assert (newest.state, newest.attempts, newest.queued) == ("pending", 0, False)
    assert newest.next_attempt_at <= timezone.now()  # due: the workers send it, not the request
    html = page_text(client.get(detail_url(endpoint)))
    assert "Test event sent: it will arrive within seconds" in html
    rows = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert rows.index(newest.event_id) < rows.index(_delivery.event_id)  # newest first
    assert rows.count("webhook.test") == 2


def test_a_failed_delivery_is_retried(signed_in, acme):
    _organization, owner, endpoint, delivery = acme
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state="failed",
        attempts=8,
        next_attempt_at=None,
        last_attempt_at=timezone.now(),
        response_status=503,
        error="The endpoint answered 503.",
    )
    client = signed_in(owner)
    response = client.post(detail_url(endpoint), {"action": "retry", "delivery": delivery.pk})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.queued) == ("pending", 8, False)
    assert delivery.next_attempt_at <= timezone.now()
    html = page_text(client.get(detail_url(endpoint)))
    assert f"Delivery of {delivery.event_id} (webhook.test) will be attempted again" in html
    assert '<span class="badge badge--warning">Retrying</span>' in html


def test_a_delivery_being_attempted_is_not_retried_and_says_why(signed_in, acme):
    _organization, owner, endpoint, delivery = acme
    lease = timezone.now() + timedelta(seconds=30)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(lease_until=lease, task_id="t")
    client = signed_in(owner)
    response = client.post(detail_url(endpoint), {"action": "retry", "delivery": delivery.pk})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.lease_until == lease
    assert "being attempted right now" in page_text(client.get(detail_url(endpoint)))


def test_the_log_shows_the_outcome_and_the_response_escaped(signed_in, acme):
    _organization, owner, endpoint, delivery = acme
    long_error = "The endpoint answered 500 Internal Server Error. " * 4
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state="pending",
        attempts=2,
        response_status=500,
        duration_ms=312,
        last_attempt_at=timezone.now(),
        response_body="<script>alert(1)</script> oops",
        error=long_error,
    )
    html = page_text(signed_in(owner).get(detail_url(endpoint)))
    assert '<td data-label="Response">500</td>' in html
    assert "312 ms" in html
    assert "<summary>Details" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; oops" in html
    assert "<script>alert(1)" not in html
    assert long_error.strip() in html  # in full, in the details
    assert f"{long_error[:59]}…" in html  # and cut short in its column


# --- rotating and deleting, asked first ---------------------------------------------------------


def test_rotating_asks_first_then_shows_the_new_secret_once(signed_in, acme):
    organization, owner, endpoint, _delivery = acme
    client = signed_in(owner)
    old = secret_of(endpoint)
    html = page_text(client.get(detail_url(endpoint)))
    assert 'data-confirm-title="Rotate this endpoint&#x27;s signing secret?"' in html

    asked = client.post(detail_url(endpoint), {"action": "rotate"})
    assert asked.status_code == 200
    assert asked.templates[0].name == "pages/confirm.html"
    assert "keeps signing beside it for 24 hours" in page_text(asked)
    assert secret_of(endpoint) == old

    response = client.post(detail_url(endpoint), {"action": "rotate", "confirm": "yes"})
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]
    new = secret_of(endpoint)
    endpoint.refresh_from_db()
    assert new != old
    assert decrypt(bytes(endpoint.previous_secret)).decode() == old
    assert AuditLog.objects.filter(action="webhook_endpoint.secret_rotated").count() == 1

    html = page_text(client.get(detail_url(endpoint)))
    assert f'value="{new}"' in html
    assert "New signing secret" in html
    assert "The old secret keeps signing beside it for 24 hours." in html
    assert "the previous secret also signs until" in html
    assert old not in html
    again = page_text(client.get(detail_url(endpoint)))
    assert new not in again
    assert "the previous secret also signs until" in again
    assert snapshot(organization)[0][0][6] == endpoint.secret


def test_deleting_asks_first_then_deletes_the_endpoint_and_its_log(signed_in, acme):
    _organization, owner, endpoint, delivery = acme
    client = signed_in(owner)
    asked = client.post(detail_url(endpoint), {"action": "delete"})
    assert asked.status_code == 200
    assert "Delete this webhook endpoint?" in page_text(asked)
    assert f"No more events are sent to {URL}" in page_text(asked)
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()

    response = client.post(detail_url(endpoint), {"action": "delete", "confirm": "yes"})
    assert response.status_code == 302
    assert response["Location"] == LIST
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert not WebhookDelivery.objects.filter(pk=delivery.pk).exists()
    assert f"Endpoint {URL} deleted." in page_text(client.get(LIST))
    assert client.get(detail_url(endpoint)).status_code == 404


JUNK = [
    {},
    {"action": "nonsense"},
    {"action": "retry"},
    {"action": "retry", "delivery": "dlv_" + "z" * 80},
    {"action": "update"},
    {"action": "update", "url": "\x00", "events": "\x00", "event_types": "\x00"},
    {"action": "rotate", "confirm": "no"},
    {"action": "delete", "confirm": "maybe"},
    {"url": "🙂" * 500, "description": "\x00", "events": "chosen", "event_types": ["🙂"]},
]


@pytest.mark.parametrize("data", JUNK)
def test_junk_never_breaks_a_page_or_changes_anything(signed_in, acme, data):
    organization, owner, endpoint, _delivery = acme
    client = signed_in(owner)
    before = snapshot(organization)
    for path in (LIST, detail_url(endpoint)):
        response = client.post(path, data)
        assert 400 <= response.status_code < 500 or response.templates[0].name == (
            "pages/confirm.html"
        ), (path, data, response.status_code)
    assert snapshot(organization) == before


# --- the delivery log's pages --------------------------------------------------------------------


def test_the_delivery_log_pages_newest_first_by_keyset(signed_in, acme):
    _organization, owner, endpoint, first = acme
    with zeal_ignore():
        later = [endpoint_test(endpoint, actor=owner) for _ in range(29)]
    client = signed_in(owner)
    ids = [d.event_id for d in [first, *later]][::-1]  # newest first

    def shown(html):
        body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        return [i for i in ids if i in body]

    page_one = page_text(client.get(detail_url(endpoint)))
    assert shown(page_one) == ids[:25]
    assert 'rel="next"' in page_one
    assert 'rel="prev"' not in page_one
    older = page_one.split('rel="next"', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
    assert older.startswith("?after=")

    page_two = page_text(client.get(detail_url(endpoint) + older.replace("&amp;", "&")))
    assert shown(page_two) == ids[25:]
    assert 'rel="next"' not in page_two
    assert f'<a href="{detail_url(endpoint)}">Newest</a>' in page_two
    newer = page_two.split('rel="prev"', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
    assert newer.startswith("?before=")
    assert shown(page_text(client.get(detail_url(endpoint) + newer))) == ids[:25]


@pytest.mark.parametrize("query", ["?after=nonsense", "?before=1.dlv_x", "?after=" + "9" * 300])
def test_a_broken_page_link_shows_the_newest_deliveries(signed_in, acme, query):
    _organization, owner, endpoint, delivery = acme
    response = signed_in(owner).get(detail_url(endpoint) + query)
    assert response.status_code == 400
    html = page_text(response)
    assert "This page link is broken or out of date" in html
    assert delivery.event_id in html


# --- cost -----------------------------------------------------------------------------------------


def _queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


def _world(client, endpoints, deliveries):
    organization = OrganizationFactory()
    owner = member_of(organization, Role.OWNER)
    with zeal_ignore():
        made = []
        for n in range(endpoints):
            endpoint, _secret = endpoint_create(
                organization=organization, actor=owner, url=f"{URL}/{n}"
            )
            made.append(endpoint)
            for _ in range(deliveries):
                endpoint_test(endpoint, actor=owner)
        client.force_login(owner)
    return made[0]


def test_the_list_costs_the_same_queries_for_2_or_10_endpoints(client):
    counts = []
    for size in (2, 10):
        _world(client, size, 3)
        counts.append(_queries(client, LIST))
    assert counts[0] == counts[1]


def test_an_endpoint_costs_the_same_queries_for_3_or_40_deliveries(client):
    counts = []
    for size in (3, 40):
        endpoint = _world(client, 1, size)
        counts.append(_queries(client, detail_url(endpoint)))
    assert counts[0] == counts[1]
