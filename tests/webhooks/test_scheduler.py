"""The workers' scheduler, step by step in this process: the relay fans committed events out
to the endpoints that want them (and only those), `queue_due` queues a task for each delivery
that is due and has none, and `reclaim_lost` makes an attempt whose worker died due again and
marks its task failed. Tasks go to the database queue here, where they wait, unrun."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from organizations.events import emit, event_entry
from organizations.models import Event
from organizations.roles import Role
from tests.factories import OrganizationFactory, member_of
from tests.mail.conftest import DATABASE_TASKS
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.schedule import MAX_ATTEMPTS
from webhooks.scheduler import BATCH, PER_TASK, queue_due, reclaim_lost, relay, run_once
from webhooks.services.endpoints import EndpointChanges, endpoint_create, endpoint_update

PUBLIC = "https://93.184.216.34/hooks"  # stored only: the tasks that would connect never run


@pytest.fixture(autouse=True)
def _database_tasks(settings):
    settings.TASKS = DATABASE_TASKS


@pytest.fixture
def admin(organization, make_member):
    return make_member(organization, Role.ADMIN)


def add_endpoint(organization, actor, event_types=None) -> WebhookEndpoint:
    endpoint, _secret = endpoint_create(
        organization=organization, actor=actor, url=PUBLIC, event_types=event_types
    )
    forget_endpoint_events()
    return endpoint


def forget_endpoint_events() -> None:
    """The endpoints' own audit events are not under test."""
    Event.objects.filter(type__startswith="webhook_endpoint.").update(relayed=True)


def queued_batches() -> list[list[str]]:
    """The deliveries of each task waiting in the queue, in the order it was queued."""
    tasks = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path="webhooks.tasks.deliver"
    ).order_by("enqueued_at")
    return [task.args_kwargs["args"][0] for task in tasks]


def queued_tasks() -> list[str]:
    """Every delivery a waiting task carries."""
    return sorted(delivery_id for batch in queued_batches() for delivery_id in batch)


def delivered(event: Event) -> set[str]:
    return set(WebhookDelivery.objects.filter(event=event).values_list("endpoint_id", flat=True))


def test_the_relay_sends_each_event_to_the_endpoints_of_its_organization_that_want_it(
    organization, admin
):
    every = add_endpoint(organization, admin)
    exact = add_endpoint(organization, admin, ["member.invited"])
    group = add_endpoint(organization, admin, ["member.*"])
    runs = add_endpoint(organization, admin, ["run.started", "template.*"])
    disabled = add_endpoint(organization, admin)
    endpoint_update(disabled, actor=admin, changes=EndpointChanges(enabled=False))
    forget_endpoint_events()
    before_late = emit(organization, type="member.invited", data={})
    late = add_endpoint(organization, admin)
    other = OrganizationFactory()
    elsewhere = add_endpoint(other, member_of(other, Role.ADMIN))
    invited = emit(organization, type="member.invited", data={})
    removed = emit(organization, type="member.removed", data={})
    started = emit(organization, type="run.started", data={})
    other_event = emit(other, type="member.invited", data={})
    now = timezone.now()

    assert relay(now) == 5

    assert delivered(invited) == {every.pk, exact.pk, group.pk, late.pk}
    assert delivered(removed) == {every.pk, group.pk, late.pk}
    assert delivered(started) == {every.pk, runs.pk, late.pk}
    assert delivered(before_late) == {every.pk, exact.pk, group.pk}  # before `late` existed
    assert delivered(other_event) == {elsewhere.pk}
    deliveries = list(WebhookDelivery.objects.all())
    assert all(
        delivery.organization_id
        == delivery.endpoint.organization_id
        == delivery.event.organization_id
        for delivery in deliveries
    )
    assert {(d.state, d.attempts, d.queued, d.next_attempt_at) for d in deliveries} == {
        ("pending", 0, True, now)
    }
    assert queued_tasks() == sorted(delivery.pk for delivery in deliveries)
    assert not Event.objects.filter(relayed=False).exists()


def test_the_relay_queues_one_task_per_endpoint_and_batch_of_deliveries_in_event_order(
    organization, admin
):
    busy = add_endpoint(organization, admin)
    quiet = add_endpoint(organization, admin, ["run.started"])
    Event.objects.bulk_create(
        event_entry(organization, type="member.invited", data={}) for _ in range(PER_TASK + 5)
    )
    started = [emit(organization, type="run.started", data={}) for _ in range(2)]

    relay()

    def deliveries_to(endpoint: WebhookEndpoint) -> list[str]:
        return list(
            WebhookDelivery.objects.filter(endpoint=endpoint)
            .order_by("event_id")
            .values_list("pk", flat=True)
        )

    to_busy, to_quiet = deliveries_to(busy), deliveries_to(quiet)
    assert len(to_busy) == PER_TASK + 5 + len(started)
    assert sorted(map(sorted, queued_batches())) == sorted(
        [sorted(to_busy[:PER_TASK]), sorted(to_busy[PER_TASK:]), sorted(to_quiet)]
    )


def test_the_relay_takes_each_event_once(organization, admin):
    add_endpoint(organization, admin)
    emit(organization, type="member.invited", data={})
    assert relay() == 1
    assert relay() == 0
    assert WebhookDelivery.objects.count() == 1
    assert len(queued_tasks()) == 1


def test_an_event_marked_relayed_by_its_writer_is_not_fanned_out(organization, admin):
    add_endpoint(organization, admin)
    emit(organization, type="webhook.test", data={}, relayed=True)
    assert relay() == 0
    assert not WebhookDelivery.objects.exists()


def test_one_round_relays_more_events_than_a_batch(organization, admin):
    add_endpoint(organization, admin, ["run.finished"])
    Event.objects.bulk_create(
        event_entry(organization, type="member.invited", data={}) for _ in range(BATCH * 2 + 1)
    )
    assert run_once() == BATCH * 2 + 1
    assert not Event.objects.filter(relayed=False).exists()
    assert not WebhookDelivery.objects.exists()  # none wanted by the endpoint


@pytest.fixture
def endpoint(organization, admin):
    return add_endpoint(organization, admin)


def delivery_of(endpoint: WebhookEndpoint, **fields) -> WebhookDelivery:
    event = emit(endpoint.organization_id, type="member.invited", data={}, relayed=True)
    return WebhookDelivery.objects.create(
        organization_id=endpoint.organization_id, endpoint=endpoint, event=event, **fields
    )


def test_queue_due_queues_one_task_for_each_due_delivery_without_one(endpoint):
    now = timezone.now()
    due = delivery_of(endpoint, next_attempt_at=now - timedelta(seconds=1))
    due_now = delivery_of(endpoint, next_attempt_at=now)
    delivery_of(endpoint, next_attempt_at=now + timedelta(seconds=1))  # not yet
    delivery_of(endpoint, next_attempt_at=None, attempts=1)  # nothing scheduled
    waiting = delivery_of(endpoint, next_attempt_at=now, queued=True)  # a task is waiting
    delivery_of(endpoint, next_attempt_at=now, lease_until=now + timedelta(seconds=30))
    delivery_of(endpoint, next_attempt_at=now, state="succeeded")
    delivery_of(endpoint, next_attempt_at=now, state="failed")

    assert queue_due(now) == 2

    assert queued_tasks() == sorted([due.pk, due_now.pk])
    assert set(WebhookDelivery.objects.filter(queued=True).values_list("pk", flat=True)) == {
        due.pk,
        due_now.pk,
        waiting.pk,
    }
    assert queue_due(now) == 0
    assert len(queued_tasks()) == 2


def running_task() -> DBTaskResult:
    task = DBTaskResult.objects.create(
        args_kwargs={"args": ["dlv_x"], "kwargs": {}},
        task_path="webhooks.tasks.deliver",
        backend_name="default",
        run_after=timezone.now(),
        status=TaskResultStatus.RUNNING,
    )
    return task


def test_reclaim_lost_makes_an_attempt_whose_lease_ran_out_due_and_fails_its_task(endpoint):
    now = timezone.now()
    task, other_task = running_task(), running_task()
    lost = delivery_of(
        endpoint,
        next_attempt_at=now - timedelta(minutes=2),
        lease_until=now - timedelta(seconds=1),
        task_id=str(task.pk),
        attempts=2,
    )
    running = delivery_of(
        endpoint,
        next_attempt_at=now,
        lease_until=now + timedelta(seconds=1),
        task_id=str(other_task.pk),
    )
    by_hand = delivery_of(
        endpoint, next_attempt_at=now, lease_until=now - timedelta(seconds=1), task_id="by-hand"
    )

    assert reclaim_lost(now) == 2

    lost.refresh_from_db()
    assert (lost.lease_until, lost.queued, lost.next_attempt_at) == (None, False, now)
    assert (lost.state, lost.attempts) == ("pending", 3)  # the lost attempt counts
    assert lost.error.startswith("The worker making this attempt stopped")
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == "webhooks.scheduler.WorkerLost"
    assert task.finished_at is not None
    running.refresh_from_db()
    other_task.refresh_from_db()
    assert running.lease_until is not None
    assert other_task.status == TaskResultStatus.RUNNING
    by_hand.refresh_from_db()
    assert by_hand.lease_until is None

    assert reclaim_lost(now) == 0
    assert queue_due(now) == 2  # reclaimed, they are queued again
    assert queued_tasks() == sorted([lost.pk, by_hand.pk])


def test_a_delivery_that_keeps_losing_its_workers_fails_at_its_last_attempt(endpoint):
    now = timezone.now()
    poison = delivery_of(
        endpoint,
        next_attempt_at=now - timedelta(minutes=2),
        lease_until=now - timedelta(seconds=1),
        task_id=str(running_task().pk),
        attempts=MAX_ATTEMPTS - 1,
    )

    assert reclaim_lost(now) == 1

    poison.refresh_from_db()
    assert (poison.state, poison.attempts, poison.next_attempt_at) == ("failed", MAX_ATTEMPTS, None)
    assert queue_due(now) == 0


def test_reclaim_lost_leaves_a_task_that_already_finished_alone(endpoint):
    now = timezone.now()
    task = running_task()
    DBTaskResult.objects.filter(pk=task.pk).update(status=TaskResultStatus.SUCCESSFUL)
    delivery_of(
        endpoint, next_attempt_at=now, lease_until=now - timedelta(seconds=1), task_id=str(task.pk)
    )
    delivery_of(
        endpoint,
        next_attempt_at=now,
        lease_until=now - timedelta(seconds=1),
        task_id=str(uuid.uuid4()),  # a task no longer kept
    )
    assert reclaim_lost(now) == 2
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL


def test_relaying_an_event_twice_to_one_endpoint_adds_no_second_delivery(endpoint):
    """SKIP LOCKED keeps two relays apart; the (event, endpoint) constraint backs it up."""
    event = emit(endpoint.organization, type="member.joined", data={})
    relay()
    Event.objects.filter(pk=event.pk).update(relayed=False)  # as if a relay's mark were lost
    relay()
    assert WebhookDelivery.objects.filter(event=event, endpoint=endpoint).count() == 1
