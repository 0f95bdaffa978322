"""`…/webhooks/{whe}/test`, `…/deliveries` and `…/deliveries/{dlv}/retry`: a test send and a
retry answer 202 with a pending delivery and send nothing themselves (the workers do); the log
is newest first, a cursor page at a time; a delivery is found only under its own endpoint."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from organizations.models import Event
from tests.api.conftest import assert_refused, error_code
from tests.api.usage_data import client_for
from tests.api.webhook_data import make_deliveries, make_endpoint, webhook_state
from webhooks import attempts, transport
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

DELIVERY_FIELDS = {
    "id",
    "endpoint",
    "event_id",
    "event_type",
    "state",
    "attempts",
    "response_status",
    "duration_ms",
    "error",
    "response_body",
    "last_attempt_at",
    "next_attempt_at",
    "created_at",
}


def _url(organization, suffix=""):
    return f"/api/v1/organizations/{organization.pk}/webhooks{suffix}"


@pytest.fixture
def caller_client(as_user, as_key, make_member, organization):
    def make(caller, of=None):
        return client_for(
            caller, of or organization, as_user=as_user, as_key=as_key, make_member=make_member
        )

    return make


@pytest.fixture
def no_http(monkeypatch):
    """Every way an attempt could send, recorded: requests must never use one."""
    sent = []

    def refuse(*args, **kwargs):
        sent.append(args)
        raise AssertionError("a request tried to send a webhook")

    monkeypatch.setattr(transport, "post", refuse)
    monkeypatch.setattr(attempts, "post", refuse)
    monkeypatch.setattr(attempts, "attempt", refuse)
    return sent


# --- a test send ------------------------------------------------------------------------------


@pytest.mark.parametrize("enabled", [True, False])
def test_a_test_send_is_a_pending_delivery_and_sends_nothing(
    caller_client, organization, no_http, enabled
):
    endpoint = make_endpoint(organization, enabled=enabled)
    started = timezone.now()
    response = caller_client("admin").post(_url(organization, f"/{endpoint.pk}/test"))
    assert response.status_code == 202, response.content
    body = response.json()
    assert set(body) == DELIVERY_FIELDS
    delivery = WebhookDelivery.objects.get(pk=body["id"])
    assert (delivery.endpoint_id, delivery.state, delivery.attempts) == (endpoint.pk, "pending", 0)
    assert delivery.last_attempt_at is None
    assert not delivery.queued  # the workers' scheduler queues it, not the request
    assert started <= delivery.next_attempt_at <= timezone.now()
    assert (body["state"], body["event_type"], body["attempts"]) == ("pending", "webhook.test", 0)
    event = Event.objects.get(pk=body["event_id"])
    assert event.type == "webhook.test"
    assert event.data["endpoint_id"] == endpoint.pk
    assert event.relayed  # for this endpoint only: never fanned out to the others
    assert no_http == []


def test_a_retried_test_send_with_an_idempotency_key_sends_once(caller_client, organization):
    endpoint = make_endpoint(organization)
    client = caller_client("owner")
    path = _url(organization, f"/{endpoint.pk}/test")
    first = client.post(path, HTTP_IDEMPOTENCY_KEY="test-1")
    again = client.post(path, HTTP_IDEMPOTENCY_KEY="test-1")
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert WebhookDelivery.objects.count() == 1


# --- the delivery log -------------------------------------------------------------------------


def _cursor(link, name):
    return parse_qs(urlparse(link).query)[name][0]


def test_the_log_is_newest_first_a_cursor_page_at_a_time(caller_client, organization):
    endpoint = make_endpoint(organization)
    deliveries = make_deliveries(endpoint, 5, state=WebhookDelivery.State.FAILED, attempts=8)
    make_deliveries(make_endpoint(organization), 2)  # another endpoint's log stays apart
    client = caller_client("api_key")
    first = client.get(_url(organization, f"/{endpoint.pk}/deliveries?page_size=2"))
    assert first.status_code == 200, first.content
    body = first.json()
    assert set(body) == {"next", "previous", "results"}
    assert "count" not in body
    assert [row["id"] for row in body["results"]] == [d.pk for d in deliveries[:2]]
    assert set(body["results"][0]) == DELIVERY_FIELDS
    assert body["results"][0]["state"] == "failed"
    assert body["results"][0]["event_type"] == "member.joined"
    assert body["results"][0]["attempts"] == 8
    assert body["previous"] is None
    seen = [row["id"] for row in body["results"]]
    page = body
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [row["id"] for row in page["results"]]
    assert seen == [d.pk for d in deliveries]
    assert page["previous"]
    back = client.get(page["previous"]).json()
    assert [row["id"] for row in back["results"]] == [d.pk for d in deliveries[2:4]]
    assert _cursor(page["previous"], "before")


@pytest.mark.parametrize("cursor", ["nonsense", "1.dlv_x", "9" * 19 + ".dlv_" + "0" * 26])
def test_a_broken_cursor_is_a_400(caller_client, organization, cursor):
    endpoint = make_endpoint(organization)
    response = caller_client("admin").get(
        _url(organization, f"/{endpoint.pk}/deliveries?cursor={cursor}")
    )
    error = assert_refused(response, code="invalid_cursor")
    assert "cursor" in error["fields"]


# --- a retry ----------------------------------------------------------------------------------


def _retry(client, organization, delivery, endpoint_id=None):
    endpoint_id = endpoint_id or delivery.endpoint_id
    return client.post(_url(organization, f"/{endpoint_id}/deliveries/{delivery.pk}/retry"))


def test_a_failed_delivery_is_due_again_now(caller_client, organization, no_http):
    endpoint = make_endpoint(organization)
    (delivery,) = make_deliveries(
        endpoint, 1, state=WebhookDelivery.State.FAILED, attempts=8, response_status=500
    )
    started = timezone.now()
    response = _retry(caller_client("owner"), organization, delivery)
    assert response.status_code == 202, response.content
    assert set(response.json()) == DELIVERY_FIELDS
    assert (response.json()["state"], response.json()["event_id"]) == ("pending", delivery.event_id)
    delivery.refresh_from_db()
    assert delivery.state == "pending"
    assert started <= delivery.next_attempt_at <= timezone.now()
    assert (delivery.queued, delivery.attempts, delivery.response_status) == (False, 8, 500)
    assert no_http == []


def test_a_pending_delivery_is_brought_forward(caller_client, organization):
    endpoint = make_endpoint(organization)
    later = timezone.now() + timedelta(hours=2)
    (delivery,) = make_deliveries(endpoint, 1, attempts=3, next_attempt_at=later)
    response = _retry(caller_client("admin"), organization, delivery)
    assert response.status_code == 202
    delivery.refresh_from_db()
    assert delivery.state == "pending"
    assert delivery.next_attempt_at < later - timedelta(hours=1)


def test_a_delivery_being_attempted_is_a_409(caller_client, organization):
    endpoint = make_endpoint(organization)
    lease = timezone.now() + timedelta(seconds=30)
    (delivery,) = make_deliveries(endpoint, 1, attempts=1, lease_until=lease, queued=False)
    before = webhook_state(organization)
    response = _retry(caller_client("admin"), organization, delivery)
    assert_refused(response, status=409, code="delivery_in_progress")
    assert webhook_state(organization) == before


def test_a_delivery_is_found_only_under_its_own_endpoint(caller_client, organization):
    endpoint, other = make_endpoint(organization), make_endpoint(organization)
    (delivery,) = make_deliveries(endpoint, 1, state=WebhookDelivery.State.FAILED)
    before = webhook_state(organization)
    response = _retry(caller_client("admin"), organization, delivery, endpoint_id=other.pk)
    assert response.status_code == 404
    assert error_code(response) == "not_found"
    assert webhook_state(organization) == before


def test_another_tenants_delivery_under_an_own_endpoint_is_404(
    caller_client, organization, other_organization
):
    own = make_endpoint(organization)
    (theirs,) = make_deliveries(
        make_endpoint(other_organization), 1, state=WebhookDelivery.State.FAILED
    )
    before = webhook_state(other_organization)
    response = _retry(caller_client("admin"), organization, theirs, endpoint_id=own.pk)
    assert response.status_code == 404
    assert webhook_state(other_organization) == before


@pytest.mark.parametrize("reference", ["dlv_nothing", "x" * 150, "dlv_01" + "z" * 24])
def test_a_delivery_that_does_not_exist_is_404(caller_client, organization, reference):
    endpoint = make_endpoint(organization)
    response = caller_client("admin").post(
        _url(organization, f"/{endpoint.pk}/deliveries/{reference}/retry")
    )
    assert response.status_code == 404
