"""The purge under concurrent writers, with real connections (threads, committed transactions)
through the application role: the tenant writing during it never makes it fail, a write that
commits during the final pass fails on its own side, and other tenants are never blocked."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from causeloop.core.tenancy import enter_tenant, platform_work
from memberships.models import Membership
from onboarding import purge
from onboarding.purge import organization_purge
from organizations.audit import audit
from organizations.models import AuditLog, Event, Organization
from organizations.roles import Role
from tests.api.webhook_data import make_endpoint
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from webhooks.models import WebhookDelivery

pytestmark = [
    pytest.mark.usefixtures("as_app", "_no_zeal"),
    pytest.mark.xdist_group("many_connections"),
]


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Start `work` on its own connection; the list gets ("ok", result) or ("error", exc)."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(("ok", work()))
        except Exception as error:
            outcome.append(("error", error))
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def tenant(members: int = 30, audit_rows: int = 40) -> Organization:
    with platform_work():
        organization = OrganizationFactory()
        for n in range(members):
            MembershipFactory(organization=organization, role=Role.OWNER if n == 0 else Role.MEMBER)
        for _ in range(audit_rows):
            audit(organization, actor=None, action="organization.updated")
    return organization


def tenant_writes(organization: Organization, *, lock_timeout: str | None = None) -> None:
    """What a request of the tenant writes: an audit row with its event, a member, a change of
    the organization row, each in one transaction."""
    with transaction.atomic():
        if lock_timeout:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [lock_timeout])
        enter_tenant(organization)
        audit(organization, actor=None, action="organization.updated")
        MembershipFactory(organization=organization, user=UserFactory())
        Organization.objects.filter(pk=organization.pk).update(name="Still writing")


def rows_of(organization: Organization) -> tuple[int, int]:
    with platform_work():
        return (
            Membership.objects.filter(organization=organization).count(),
            AuditLog.objects.filter(organization=organization).count(),
        )


def test_rows_the_tenant_writes_during_the_purge_go_with_it():
    doomed = tenant()
    written = []

    def late_writes(label: str, _count: int) -> None:
        # A request that passed the suspension check just before it commits now, while the
        # audit rows leave (the memberships are done by then: the final pass must catch its).
        if label == "organizations.AuditLog" and not written:
            thread, outcome = in_thread(lambda: tenant_writes(doomed))
            thread.join()
            written.append(outcome[0][0])

    deleted = organization_purge(organization=doomed, batch_size=10, on_progress=late_writes)

    assert written == ["ok"]
    assert deleted["Organization"] == 1
    assert rows_of(doomed) == (0, 0)


def test_a_row_added_beneath_a_table_being_deleted_is_swept_and_the_batch_tried_again():
    doomed = tenant(members=2, audit_rows=30)  # 30 events too
    with platform_work():
        make_endpoint(doomed)
    reported: dict[str, int] = {}

    def late_delivery(label: str, count: int) -> None:
        reported[label] = reported.get(label, 0) + count
        if label == "webhooks.WebhookEndpoint":
            # The endpoints are gone; a late writer adds one, and a delivery of an event about
            # to be deleted: the next event batch fails at commit on that delivery.
            with transaction.atomic():
                enter_tenant(doomed)
                event = Event.objects.filter(organization=doomed).order_by("id").last()
                WebhookDelivery.objects.create(
                    organization=doomed, endpoint=make_endpoint(doomed), event=event
                )

    deleted = organization_purge(organization=doomed, batch_size=7, on_progress=late_delivery)

    assert rows_of(doomed) == (0, 0)
    # Every event went in a batch, none was left to the final pass.
    assert reported["organizations.Event"] == deleted["Event"] == 30


def test_a_write_that_commits_during_the_final_pass_fails_on_its_own_side(monkeypatch):
    doomed = tenant(members=3, audit_rows=3)
    started, final_pass = threading.Event(), threading.Event()
    real = purge.purge_audit_rows

    def audit_rows(*, organization_id: str, limit: int | None = None) -> int:
        if limit is None:  # the final pass: the organization row is locked
            final_pass.set()
            time.sleep(0.5)  # the writer's commit is waiting on the lock meanwhile
        return real(organization_id=organization_id, limit=limit)

    def in_flight() -> None:
        with transaction.atomic():
            enter_tenant(doomed)
            audit(doomed, actor=None, action="organization.updated")
            started.set()
            final_pass.wait(30)
        # The commit checks the foreign key to the organization: it waits, then fails.

    monkeypatch.setattr(purge, "purge_audit_rows", audit_rows)
    writer, outcome = in_thread(in_flight)
    assert started.wait(30)
    deleted = organization_purge(organization=doomed)
    writer.join(30)

    assert deleted["Organization"] == 1
    [(kind, error)] = outcome
    assert kind == "error"
    assert isinstance(error, IntegrityError)
    assert rows_of(doomed) == (0, 0)


@pytest.mark.parametrize("pause_in", ["a batch", "the final pass"])
def test_other_tenants_write_while_a_purge_holds_its_locks(monkeypatch, pause_in):
    doomed, other = tenant(), tenant(members=2, audit_rows=2)
    with platform_work():  # one of the purged members belongs to the other tenant too
        shared = Membership.objects.filter(organization=doomed).select_related("user").first()
        assert shared is not None
        MembershipFactory(organization=other, user=shared.user)
    holding, release = threading.Event(), threading.Event()
    real_rows, real_audit = purge._delete_rows, purge.purge_audit_rows

    def hold() -> None:
        if not holding.is_set():
            holding.set()
            release.wait(30)

    def rows(model: Any, org_id: str, limit: int | None = None) -> int:
        count = real_rows(model, org_id, limit)
        if pause_in == "a batch" and model is Membership and limit is not None:
            hold()  # inside the batch's transaction: its row locks are held
        return count

    def audit_rows(*, organization_id: str, limit: int | None = None) -> int:
        if pause_in == "the final pass" and limit is None:
            hold()  # the organization row is locked FOR UPDATE
        return real_audit(organization_id=organization_id, limit=limit)

    monkeypatch.setattr(purge, "_delete_rows", rows)
    monkeypatch.setattr(purge, "purge_audit_rows", audit_rows)
    purging, purged = in_thread(lambda: organization_purge(organization=doomed, batch_size=10))
    try:
        assert holding.wait(30)
        writer, wrote = in_thread(lambda: tenant_writes(other, lock_timeout="1s"))
        writer.join(30)
    finally:
        release.set()
        purging.join(30)

    assert wrote == [("ok", None)]  # no lock of the purge stood in its way
    assert purged[0][0] == "ok"
    assert rows_of(doomed) == (0, 0)
    assert rows_of(other)[0] == 4
