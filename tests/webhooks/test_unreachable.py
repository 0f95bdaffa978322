"""An endpoint that does not answer (connection refused, timeout) is left alone until its next
attempt is due: the rest of a batch, and the deliveries queued after it, wait instead of each
waiting out its own timeout. A success, or an admin's retry, ends that at once."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from organizations.events import emit
from tests.factories import organization_with_owner
from webhooks.attempts import attempt_batch
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.deliveries import delivery_retry
from webhooks.services.endpoints import endpoint_create


@pytest.fixture
def closed_port_url(settings) -> str:
    settings.CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE = True
    with socket.socket() as sock:  # a port nothing listens on: connections are refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks"


def deliveries_to(url: str, count: int):
    organization, owner = organization_with_owner()
    endpoint, _secret = endpoint_create(organization=organization, actor=owner, url=url)
    rows = [
        WebhookDelivery.objects.create(
            organization=organization,
            endpoint=endpoint,
            event=emit(organization, type="member.joined", data={"n": n}),
            next_attempt_at=timezone.now(),
        )
        for n in range(count)
    ]
    return owner, endpoint, rows


def test_the_rest_of_a_batch_waits_for_the_first_ones_next_attempt(db, closed_port_url):
    _owner, endpoint, rows = deliveries_to(closed_port_url, 3)

    outcomes = attempt_batch([row.pk for row in rows])

    assert list(outcomes.values()) == ["retrying", "skipped", "skipped"]
    first, *rest = (WebhookDelivery.objects.get(pk=row.pk) for row in rows)
    assert first.attempts == 1
    assert first.error.startswith("Could not connect")
    endpoint.refresh_from_db()
    assert endpoint.unreachable_until == first.next_attempt_at
    assert first.next_attempt_at - first.last_attempt_at == timedelta(seconds=5)
    for row in rest:  # not attempted, not counted: due with the first one's retry
        assert (row.attempts, row.state, row.queued, row.lease_until) == (0, "pending", False, None)
        assert row.next_attempt_at == first.next_attempt_at


def test_deliveries_queued_meanwhile_wait_without_a_request(db, closed_port_url):
    _owner, endpoint, rows = deliveries_to(closed_port_url, 2)
    attempt_batch([rows[0].pk])
    endpoint.refresh_from_db()
    WebhookDelivery.objects.filter(pk=rows[1].pk).update(next_attempt_at=timezone.now())

    assert attempt_batch([rows[1].pk]) == {rows[1].pk: "skipped"}

    later = WebhookDelivery.objects.get(pk=rows[1].pk)
    assert (later.attempts, later.last_attempt_at) == (0, None)
    assert later.next_attempt_at == endpoint.unreachable_until


def test_a_success_or_an_admins_retry_ends_the_wait(db, closed_port_url, receiver):
    owner, endpoint, rows = deliveries_to(closed_port_url, 2)
    attempt_batch([rows[0].pk])
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).unreachable_until is not None

    delivery_retry(WebhookDelivery.objects.get(pk=rows[1].pk), actor=owner)
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).unreachable_until is None

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
    with time_machine.travel(timezone.now() + timedelta(seconds=6)):
        assert attempt_batch([row.pk for row in rows]) == {
            rows[0].pk: "succeeded",
            rows[1].pk: "succeeded",
        }
    endpoint.refresh_from_db()
    assert (endpoint.unreachable_until, endpoint.failing_since) == (None, None)
