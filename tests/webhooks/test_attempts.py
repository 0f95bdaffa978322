"""One delivery attempt, made in this process against real HTTP servers on loopback: what is
sent, what is recorded, and when the next attempt is due. Redirects are not followed, a slow
receiver times out, a long answer is cut short, and an attempt whose lease ran out is not
recorded over the attempt that replaced it."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.utils import timezone

from organizations.events import emit
from organizations.roles import Role
from webhooks import attempts, transport
from webhooks.attempts import USER_AGENT, attempt
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.schedule import LEASE, MAX_ATTEMPTS, next_attempt_after, should_disable
from webhooks.scheduler import reclaim_lost
from webhooks.services.endpoints import EndpointChanges, endpoint_create, endpoint_update
from webhooks.services.endpoints import endpoint_test as send_test_event
from webhooks.transport import KEPT_BODY_CHARACTERS


@pytest.fixture
def admin(organization, make_member):
    return make_member(organization, Role.ADMIN)


@pytest.fixture
def hooked(settings, organization, admin, receiver):
    """An endpoint pointing at the receiver, and its secret."""
    settings.CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE = True
    return endpoint_create(organization=organization, actor=admin, url=receiver.url)


def pending_delivery(endpoint: WebhookEndpoint, **fields) -> WebhookDelivery:
    """An event of the endpoint's organization on its way there, due now (as the relay
    leaves it)."""
    event = emit(endpoint.organization_id, type="member.invited", data={"email": "new@example.com"})
    fields = {"next_attempt_at": timezone.now(), **fields}
    return WebhookDelivery.objects.create(
        organization_id=endpoint.organization_id, endpoint=endpoint, event=event, **fields
    )


@dataclass
class Answering:
    """An HTTP server on loopback that answers every request alike, and counts them."""

    url: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    requests: int = 0


@pytest.fixture
def answering() -> Iterator[Answering]:
    state: dict[str, Answering] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            server = state["server"]
            server.requests += 1
            self.send_response(server.status)
            for name, value in server.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(server.body)))
            self.end_headers()
            self.wfile.write(server.body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state["server"] = Answering(url=f"http://127.0.0.1:{httpd.server_port}/hooks")
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield state["server"]
    httpd.shutdown()
    httpd.server_close()


def test_an_attempt_posts_the_event_signed_and_records_the_answer(hooked, receiver):
    endpoint, secret = hooked
    delivery = pending_delivery(endpoint)

    assert attempt(delivery.pk) == "succeeded"

    (request,) = receiver.requests
    payload = request.verified(secret)
    assert payload == {
        "type": "member.invited",
        "timestamp": delivery.event.created_at.isoformat(),
        "data": {"organization_id": endpoint.organization_id, "email": "new@example.com"},
    }
    assert request.webhook_id == delivery.event_id
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == USER_AGENT
    assert request.path == "/hooks"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("succeeded", 1, 200)
    assert json.loads(delivery.response_body) == {"status": 200}
    assert delivery.duration_ms is not None
    assert delivery.error == ""
    assert (delivery.next_attempt_at, delivery.lease_until, delivery.queued) == (None, None, False)


@pytest.mark.parametrize(
    "fields",
    [
        {"next_attempt_at": None},
        {"state": WebhookDelivery.State.SUCCEEDED},
        {"state": WebhookDelivery.State.FAILED},
    ],
    ids=["not-due", "succeeded", "failed"],
)
def test_an_attempt_that_is_not_due_is_skipped(hooked, receiver, fields):
    delivery = pending_delivery(hooked[0])
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    assert attempt(delivery.pk) == "skipped"
    assert receiver.requests == []


def test_an_attempt_due_later_or_being_made_elsewhere_is_skipped(hooked, receiver):
    later = pending_delivery(hooked[0], next_attempt_at=timezone.now() + timedelta(seconds=5))
    leased = pending_delivery(hooked[0], lease_until=timezone.now() + LEASE, task_id="other")
    assert attempt(later.pk) == "skipped"
    assert attempt(leased.pk) == "skipped"
    assert receiver.requests == []
    leased.refresh_from_db()
    assert (leased.attempts, leased.task_id) == (0, "other")


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(
    settings, organization, admin, receiver, answering
):
    settings.CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE = True
    answering.status, answering.headers = 302, {"Location": receiver.url}
    endpoint, _secret = endpoint_create(organization=organization, actor=admin, url=answering.url)
    delivery = pending_delivery(endpoint)

    assert attempt(delivery.pk) == "retrying"

    assert answering.requests == 1
    assert receiver.requests == []
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("pending", 1, 302)
    assert delivery.error == f"Redirects are not followed (to {receiver.url})."


def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt(monkeypatch, hooked, receiver):
    monkeypatch.setattr(transport, "TIMEOUT_SECONDS", 0.3)
    monkeypatch.setattr(transport, "_pools", OrderedDict())  # pools keep their timeout
    receiver.delay = 1.5
    delivery = pending_delivery(hooked[0])

    assert attempt(delivery.pk) == "retrying"

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("pending", 1, None)
    assert delivery.error.startswith("No answer within")
    assert 250 <= delivery.duration_ms < 1400


def test_nothing_listening_is_a_failed_attempt(settings, organization, admin, answering):
    settings.CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE = True
    endpoint, _secret = endpoint_create(
        organization=organization, actor=admin, url="http://127.0.0.1:9/hooks"
    )
    delivery = pending_delivery(endpoint)
    assert attempt(delivery.pk) == "retrying"
    delivery.refresh_from_db()
    assert delivery.response_status is None
    assert delivery.error.startswith("Could not connect")


@pytest.mark.parametrize("length", [KEPT_BODY_CHARACTERS + 1, 1_000_000])
@pytest.mark.parametrize("status", [200, 500])
def test_only_the_start_of_a_long_answer_is_kept(
    settings, organization, admin, answering, length, status
):
    settings.CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE = True
    answering.status, answering.body = status, b"x" * length
    endpoint, _secret = endpoint_create(organization=organization, actor=admin, url=answering.url)
    first, second = pending_delivery(endpoint), pending_delivery(endpoint)

    attempt(first.pk)
    attempt(second.pk)  # the connection is still usable (or was replaced) after a long answer

    for delivery in (first, second):
        delivery.refresh_from_db()
        assert delivery.response_status == status
        assert delivery.response_body == "x" * KEPT_BODY_CHARACTERS
    assert answering.requests == 2


def test_the_retry_schedule_after_each_failed_attempt():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    delays = [next_attempt_after(attempts, now) for attempts in range(0, MAX_ATTEMPTS + 2)]
    assert [None if at is None else at - now for at in delays] == [
        None,
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=5),
        timedelta(hours=10),
        timedelta(hours=10),
        None,  # after the 8th attempt
        None,
    ]
    assert MAX_ATTEMPTS == 8


def test_an_endpoint_is_disabled_after_exactly_five_days_of_failing():
    now = datetime(2026, 1, 6, tzinfo=UTC)
    assert should_disable(now - timedelta(days=5), now)
    assert not should_disable(now - timedelta(days=5) + timedelta(seconds=1), now)
    assert not should_disable(None, now)


def test_the_eighth_failed_attempt_fails_the_delivery(hooked, receiver):
    receiver.default_status = 503
    delivery = pending_delivery(hooked[0], attempts=MAX_ATTEMPTS - 1)

    assert attempt(delivery.pk) == "failed"

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == (
        "failed",
        MAX_ATTEMPTS,
        None,
    )
    assert delivery.error == "The endpoint answered 503."


def test_failures_start_the_endpoints_streak_and_a_success_ends_it(hooked, receiver):
    endpoint, _secret = hooked
    receiver.statuses = [500, 500]
    began = timezone.now()
    attempt(pending_delivery(endpoint).pk)
    endpoint.refresh_from_db()
    streak = endpoint.failing_since
    assert streak is not None
    assert streak >= began
    attempt(pending_delivery(endpoint).pk)
    endpoint.refresh_from_db()
    assert endpoint.failing_since == streak  # the streak's start stays
    attempt(pending_delivery(endpoint).pk)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_a_disabled_endpoints_delivery_fails_unsent_but_its_test_event_goes(
    hooked, admin, receiver
):
    endpoint, secret = hooked
    delivery = pending_delivery(endpoint)
    endpoint = endpoint_update(endpoint, actor=admin, changes=EndpointChanges(enabled=False))

    assert attempt(delivery.pk) == "failed"

    assert receiver.requests == []
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.error) == (
        "failed",
        1,
        "The endpoint is disabled.",
    )
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None  # not a failure of the receiver's

    test = send_test_event(endpoint, actor=admin)
    assert attempt(test.pk) == "succeeded"
    (request,) = receiver.requests
    assert request.verified(secret)["type"] == "webhook.test"


def test_an_attempt_whose_lease_ran_out_is_not_recorded_over_its_successor(
    monkeypatch, hooked, receiver, caplog
):
    endpoint, _secret = hooked
    delivery = pending_delivery(endpoint)
    receiver.statuses = [200, 500]  # the successor's answer, then the slow first attempt's
    send = attempts.post
    successor: list[str] = []

    def slow_post(where, body, headers):
        if not successor:
            successor.append("taking over")
            # Meanwhile the lease runs out, and another worker takes the delivery over.
            with time_machine.travel(timezone.now() + LEASE + timedelta(seconds=1), tick=False):
                assert reclaim_lost() == 1
                successor.append(attempt(delivery.pk, token="successor"))
        return send(where, body, headers)

    monkeypatch.setattr(attempts, "post", slow_post)

    assert attempt(delivery.pk, token="first") == "skipped"

    assert successor == ["taking over", "succeeded"]
    assert len(receiver.requests) == 2  # at least once: both went out
    delivery.refresh_from_db()
    # The lost first attempt counts (reclaim_lost), the successor's is the second.
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("succeeded", 2, 200)
    assert delivery.task_id == "successor"
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None  # the first attempt's 500 counted nowhere
    assert "lease lost, attempt not recorded" in caplog.text
