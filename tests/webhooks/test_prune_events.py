"""`manage.py prune_events`: old events and their delivery logs go, in batches; recent ones and
the audit trail stay."""

import io
import uuid
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from typeid import TypeID
from zeal import zeal_ignore

from causeloop.core.ids import id_floor
from organizations.audit import audit
from organizations.models import AuditLog, Event
from tests.factories import organization_with_owner
from webhooks.models import WebhookDelivery, WebhookEndpoint


def prune(*args):
    out = io.StringIO()
    with zeal_ignore():
        call_command("prune_events", *args, stdout=out)
    return out.getvalue()


def minted_at(moment, *, tail=0xABCDEF):
    """An event ID as one minted at `moment` would be (IDs come from the system clock, which
    time-machine does not move)."""
    milliseconds = int(moment.timestamp() * 1000)
    return str(TypeID.from_uuid(prefix="evt", suffix=uuid.UUID(int=(milliseconds << 80) | tail)))


@pytest.fixture
def history(db):
    """Five events 100 days old and two from today, each with a delivery, and audit rows."""
    organization, owner = organization_with_owner()
    endpoint = WebhookEndpoint.objects.create(
        organization=organization, url="https://x", secret=b""
    )
    old = timezone.now() - timedelta(days=100)
    with zeal_ignore():
        audit(organization, actor=owner, action="branding.updated", details={})
    events = [
        Event(
            id=minted_at(old + timedelta(minutes=n)),
            organization=organization,
            type="organization.updated",
            created_at=old + timedelta(minutes=n),
        )
        for n in range(5)
    ]
    events.append(Event(organization=organization, type="branding.updated"))
    Event.objects.bulk_create(events)
    for event in Event.objects.all():
        WebhookDelivery.objects.create(organization=organization, endpoint=endpoint, event=event)
    return organization


def test_old_events_and_their_deliveries_go_in_batches_recent_ones_and_audit_rows_stay(history):
    audit_rows = AuditLog.objects.count()
    out = prune("--older-than", "90", "--batch-size", "2")
    assert "deleted 5 event(s) and 5 delivery record(s)" in out
    assert "in 3 batch(es)" in out
    assert set(Event.objects.values_list("type", flat=True)) >= {"branding.updated"}
    assert not Event.objects.filter(type="organization.updated").exists()
    assert WebhookDelivery.objects.count() == 2  # the recent event's and the audit row's
    assert AuditLog.objects.count() == audit_rows


def test_a_dry_run_counts_and_deletes_nothing(history):
    events = Event.objects.count()
    assert "would delete 5 event(s) and 5 delivery record(s)" in prune("--dry-run")
    assert Event.objects.count() == events


@pytest.mark.parametrize("args", [["--older-than", "6"], ["--batch-size", "0"]])
def test_bad_numbers_are_refused(db, args):
    with pytest.raises(CommandError, match="must be a whole number"):
        prune(*args)


def test_an_id_floor_sorts_between_ids_minted_before_and_after_its_moment():
    moment = timezone.now()
    floor = id_floor("evt", moment)
    assert minted_at(moment - timedelta(milliseconds=1), tail=2**80 - 1) < floor
    assert floor <= minted_at(moment, tail=0) < minted_at(moment + timedelta(milliseconds=1))
    assert floor < Event(organization_id="org_x").pk  # one minted now, by the real clock
