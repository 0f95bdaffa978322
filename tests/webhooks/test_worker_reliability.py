"""Delivery holds up when workers die, race and meet a failing receiver: real worker processes
(`manage.py db_worker`) on real PostgreSQL with committed rows, a real HTTP receiver on
loopback, every request checked with the `standardwebhooks` package's verifier. Hours and days
of retry delays pass by moving the workers' clock forward (`ahead=`), never by sleeping."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from itertools import accumulate
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.tasks import TaskResultStatus
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from organizations.events import event_entry
from organizations.models import AuditLog, Event, Organization
from organizations.roles import Role
from tests.factories import OrganizationFactory, member_of
from tests.mail.conftest import DATABASE_TASKS, Recorder, SmtpServer, free_port
from webhooks import scheduler
from webhooks.models import WebhookDelivery, WorkerHeartbeat
from webhooks.schedule import LEASE, MAX_ATTEMPTS, RETRY_DELAYS
from webhooks.services.endpoints import endpoint_create
from webhooks.tasks import deliver

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("committed_db")]
DAY = 24 * 3600


@pytest.fixture
def subscribed(settings, receiver):
    """An organization, its owner, and an endpoint of it pointing at the receiver."""
    settings.CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE = True
    organization = OrganizationFactory(name="Acme Corp")
    owner = member_of(organization, Role.OWNER, email="owner@acme.test")
    endpoint, secret = endpoint_create(organization=organization, actor=owner, url=receiver.url)
    Event.objects.update(relayed=True)  # the endpoint's own creation event is not under test
    return organization, endpoint, secret


@pytest.fixture
def mailbox() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback (aiosmtpd) keeping what it receives."""
    recorder, port = Recorder(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield SmtpServer(port=port, recorder=recorder)
    controller.stop()


def add_events(organization: Organization, count: int) -> list[Event]:
    """`count` committed events of the organization, as the services write them."""
    return Event.objects.bulk_create(
        event_entry(organization, type="member.invited", data={"n": n}) for n in range(count)
    )


def wait_until(condition: Callable[[], Any], *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}")


def request_held(receiver) -> str | None:
    """The webhook-id of a request the receiver has been holding for a while, if any."""
    with receiver.lock:
        before = {key for key, count in receiver.in_flight.items() if count}
    if not before:
        return None
    time.sleep(0.2)  # longer than an ordinary request takes: one still there is held
    with receiver.lock:
        still = {key for key, count in receiver.in_flight.items() if count} & before
    return next(iter(still), None)


def test_a_worker_killed_mid_delivery_loses_no_event_and_its_task_is_marked_failed(
    subscribed, receiver, start_worker, run_worker
):
    organization, _endpoint, secret = subscribed
    receiver.delay = 0.02
    events = add_events(organization, 150)
    worker = start_worker()
    wait_until(lambda: len(receiver.requests) >= 40, timeout=30, what="the first deliveries")
    receiver.delay = 2.0  # the next request keeps the worker in the middle of its attempt
    held = wait_until(lambda: request_held(receiver), timeout=10, what="a held request")
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)

    seen = set(receiver.ids())
    assert 0 < len(seen) < len(events)
    # The killed worker's batch: leased to its task, sent up to the held request, unrecorded.
    lost = list(WebhookDelivery.objects.filter(lease_until__isnull=False))
    assert held in {delivery.event_id for delivery in lost}
    assert {(delivery.state, delivery.attempts) for delivery in lost} == {("pending", 0)}
    (lost_task_id,) = {delivery.task_id for delivery in lost}
    lost_task = DBTaskResult.objects.get(id=lost_task_id)
    assert lost_task.status == TaskResultStatus.RUNNING  # the dead worker never finished it

    receiver.delay = 0.0
    run_worker(ahead=LEASE.total_seconds() + 1)  # past the lease: the lost attempts are made again
    wait_until(lambda: not any(receiver.in_flight.values()), timeout=10, what="the held request")

    event_ids = {event.pk for event in events}
    received = Counter(receiver.ids())
    assert set(received) == event_ids  # every event arrived; de-duplicated, each exactly once
    # Twice (at least once): only what the killed batch had sent before the kill.
    sent_unrecorded = {delivery.event_id for delivery in lost} & (seen | {held})
    assert {key: count for key, count in received.items() if count > 1} == dict.fromkeys(
        sent_unrecorded, 2
    )
    for request in receiver.requests:
        assert request.verified(secret)["type"] == "member.invited"
    states = Counter(WebhookDelivery.objects.values_list("state", "attempts"))
    # A lost attempt counts: the killed batch's deliveries succeeded at their second.
    assert states == {("succeeded", 1): len(events) - len(lost), ("succeeded", 2): len(lost)}
    lost_task.refresh_from_db()
    assert lost_task.status == TaskResultStatus.FAILED
    assert lost_task.exception_class_path == "webhooks.scheduler.WorkerLost"
    assert not DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).exists()


def test_a_receiver_failing_three_times_gets_the_event_at_the_fourth_attempt(
    subscribed, receiver, run_worker
):
    organization, _endpoint, secret = subscribed
    receiver.statuses = [500, 500, 500]
    (event,) = add_events(organization, 1)

    def step(ahead: float) -> WebhookDelivery:
        began = timezone.now() + timedelta(seconds=ahead)
        run_worker(ahead=ahead)
        delivery = WebhookDelivery.objects.get()
        assert began <= delivery.last_attempt_at <= timezone.now() + timedelta(seconds=ahead)
        return delivery

    delivery = step(0)
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("pending", 1, 500)
    assert delivery.next_attempt_at - delivery.last_attempt_at == timedelta(seconds=5)
    assert delivery.error == "The endpoint answered 500."

    delivery = step(6)
    assert (delivery.state, delivery.attempts) == ("pending", 2)
    assert delivery.next_attempt_at - delivery.last_attempt_at == timedelta(minutes=5)

    run_worker(ahead=6 + 200)  # not yet due: nothing happens
    assert WebhookDelivery.objects.get().attempts == 2

    delivery = step(6 + 301)
    assert (delivery.state, delivery.attempts) == ("pending", 3)
    assert delivery.next_attempt_at - delivery.last_attempt_at == timedelta(minutes=30)

    delivery = step(6 + 301 + 1801)
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("succeeded", 4, 200)
    assert (delivery.next_attempt_at, delivery.error) == (None, "")

    assert receiver.ids() == [event.pk] * 4
    stamps = [int(request.headers["webhook-timestamp"]) for request in receiver.requests]
    assert stamps == sorted(stamps)
    assert stamps[-1] - stamps[0] >= 6 + 301 + 1801
    for request in receiver.requests:
        assert request.verified(secret)["type"] == "member.invited"


def test_two_workers_racing_for_every_delivery_never_make_one_attempt_twice(
    settings, subscribed, receiver, start_worker
):
    organization, _endpoint, secret = subscribed
    receiver.delay = 0.005
    events = add_events(organization, 200)
    settings.TASKS = DATABASE_TASKS
    assert scheduler.relay() == len(events)  # tasks as the workers' scheduler queues them
    raced = set(WebhookDelivery.objects.values_list("pk", flat=True))
    assert len(raced) == len(events)
    # Each task twice more, side by side at the head of the queue: the two workers take the
    # same deliveries at the same moment.
    for task in DBTaskResult.objects.order_by("enqueued_at"):
        for _ in range(2):
            deliver.using(priority=10).enqueue(task.args_kwargs["args"][0])

    workers = [start_worker(), start_worker()]
    # More events while both run: their two schedulers relay side by side.
    for _ in range(10):
        events += add_events(organization, 5)
        time.sleep(0.05)

    def finished() -> bool:
        return (
            WebhookDelivery.objects.filter(state="succeeded").count() >= len(events)
            and not DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exists()
        )

    wait_until(finished, timeout=60, what="every delivery and task to finish")
    assert all(worker.poll() is None for worker in workers)

    assert receiver.overlaps == []
    received = Counter(receiver.ids())
    assert set(received) == {event.pk for event in events}
    assert set(received.values()) == {1}
    assert set(WebhookDelivery.objects.values_list("state", "attempts")) == {("succeeded", 1)}
    assert WebhookDelivery.objects.count() == len(events)  # one per event, relayed once
    outcomes: dict[str, Counter[str]] = {}
    ran_by: set[str] = set()
    for task in DBTaskResult.objects.all():
        for delivery_id, outcome in task.return_value.items():
            outcomes.setdefault(delivery_id, Counter())[outcome] += 1
        ran_by.update(task.worker_ids)
    assert len(outcomes) == len(events)
    assert all(outcomes[delivery_id] == {"succeeded": 1, "skipped": 2} for delivery_id in raced)
    assert all(counts == {"succeeded": 1} for key, counts in outcomes.items() if key not in raced)
    assert len(ran_by) == 2  # both workers took tasks
    # Both said they were alive, so the instance is ready (§12).
    assert set(WorkerHeartbeat.objects.values_list("worker", flat=True)) == ran_by
    assert Client().get("/readyz").json()["checks"]["workers"]["status"] == "ok"
    for request in receiver.requests[:20]:
        request.verified(secret)


def test_an_endpoint_failing_for_five_days_is_disabled_and_its_admins_are_told_once(
    monkeypatch, subscribed, receiver, run_worker, mailbox
):
    organization, endpoint, _secret = subscribed
    admin = member_of(organization, Role.ADMIN, email="admin@acme.test")
    member_of(organization, Role.MEMBER, email="member@acme.test")
    monkeypatch.setenv("EMAIL_URL", mailbox.url)  # the workers send through it
    receiver.default_status = 500
    (first,) = add_events(organization, 1)

    # The whole retry schedule of the first event, each step a second past the last delay.
    for ahead in [0, *accumulate(delay.total_seconds() + 1 for delay in RETRY_DELAYS)]:
        run_worker(ahead=ahead)
    exhausted = WebhookDelivery.objects.get(event=first)
    assert (exhausted.state, exhausted.attempts, exhausted.next_attempt_at) == (
        "failed",
        MAX_ATTEMPTS,
        None,
    )
    assert receiver.ids() == [first.pk] * MAX_ATTEMPTS
    endpoint.refresh_from_db()
    assert endpoint.enabled  # a day and some: not yet
    assert endpoint.failing_since is not None

    add_events(organization, 1)
    run_worker(ahead=3 * DAY)
    endpoint.refresh_from_db()
    assert endpoint.enabled

    add_events(organization, 1)
    run_worker(ahead=5 * DAY + 60)  # the streak has lasted five days

    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.disabled_reason) == (False, "failing")
    disabled = AuditLog.objects.filter(action="webhook_endpoint.disabled")
    assert [(entry.target_id, entry.details["reason"]) for entry in disabled] == [
        (endpoint.pk, "failing")
    ]
    recipients = Counter(message["To"] for message in mailbox.messages)
    assert recipients == {"owner@acme.test": 1, admin.email: 1}
    assert {message["Subject"] for message in mailbox.messages} == {
        "A webhook endpoint of Acme Corp was disabled"
    }
    # Of the two deliveries due at the end, the first to fail disabled the endpoint; the
    # other then failed without a request.
    assert len(receiver.requests) == MAX_ATTEMPTS + 2
    states = Counter(WebhookDelivery.objects.values_list("state", "error"))
    assert states[("failed", "The endpoint is disabled.")] == 1
    assert states[("pending", "The endpoint answered 500.")] == 1
