"""Runs and their quotas at the service level (§9), with frozen time: each limit admits its last
run and refuses the next, `Retry-After` is the wait to the organization's own midnight, and a
refused, blocked or rolled-back start leaves nothing behind but its refusal event."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from zeal import zeal_ignore

from causeloop.core.errors import Conflict, Forbidden, NotFound, QuotaExceeded, ValidationFailed
from organizations.models import (
    AuditLog,
    Event,
    Integration,
    Organization,
    Run,
    Subscription,
    UsageDay,
)
from organizations.quotas import CONCURRENT_RETRY_SECONDS
from organizations.services.plans import limits_override, organization_change_plan
from organizations.services.runs import run_finish, run_start
from tests.factories import ApiKeyFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_no_zeal")]

NEW_YORK = ZoneInfo("America/New_York")
PLENTY = 1000


@pytest.fixture
def _no_zeal():
    # Several starts in a row repeat the same queries by design; that is no N+1.
    with zeal_ignore():
        yield


def at(*moment: int, zone: ZoneInfo = NEW_YORK) -> time_machine.travel:
    """Time stands still at this wall-clock moment in `zone`."""
    return time_machine.travel(datetime(*moment, tzinfo=zone), tick=False)


def in_new_york(organization: Organization) -> Organization:
    Organization.objects.filter(pk=organization.pk).update(timezone="America/New_York")
    organization.refresh_from_db()
    return organization


def limits(organization: Organization, **values: int | None) -> None:
    """Platform overrides; any limit not named is set out of the way."""
    wanted = {"daily": PLENTY, "monthly": PLENTY, "concurrent": PLENTY, **values}
    limits_override(organization=organization, limits=wanted)


def refusal(organization: Organization, actor) -> QuotaExceeded:
    with pytest.raises(QuotaExceeded) as refused:
        run_start(organization=organization, actor=actor)
    return refused.value


def counted(organization: Organization) -> dict[date, int]:
    return dict(UsageDay.objects.filter(organization=organization).values_list("day", "runs"))


def trail(organization: Organization) -> tuple[int, dict[date, int], list[str], int]:
    """Everything a start can write: runs, counters, event types, audit rows."""
    return (
        Run.objects.filter(organization=organization).count(),
        counted(organization),
        list(Event.objects.filter(organization=organization).values_list("type", flat=True)),
        AuditLog.objects.filter(organization=organization).count(),
    )


# --- each limit admits its last run and refuses the next --------------------------------------


def test_the_daily_limit_admits_the_last_run_of_the_day_and_refuses_the_next(organization, member):
    limits(organization, daily=3)
    with at(2026, 5, 12, 9, 0, zone=UTC):
        for _ in range(2):
            run_start(organization=organization, actor=member)
        last = run_start(organization=organization, actor=member)  # limit - 1 used: allowed
        assert last.usage.runs_today == 3
        assert last.usage.remaining["daily"] == 0
        refused = refusal(organization, member)
    assert refused.code == "quota_exceeded"
    assert refused.fields == {"limit": "daily"}
    assert refused.retry_after == 15 * 3600  # 09:00 to the organization's (UTC) midnight
    assert counted(organization) == {date(2026, 5, 12): 3}
    assert Run.objects.filter(organization=organization).count() == 3


def test_the_monthly_limit_counts_every_day_of_the_month_and_none_of_the_last(organization, member):
    limits(organization, monthly=5)
    UsageDay.objects.create(organization=organization, day=date(2026, 4, 30), runs=50)
    UsageDay.objects.create(organization=organization, day=date(2026, 5, 1), runs=3)
    with at(2026, 5, 12, 9, 0, zone=UTC):
        run_start(organization=organization, actor=member)  # 4 used of 5: allowed
        started = run_start(organization=organization, actor=member)
        assert started.usage.runs_this_month == 5
        refused = refusal(organization, member)
    assert refused.fields == {"limit": "monthly"}
    assert refused.retry_after == 19 * 86400 + 15 * 3600  # to 1 June, 00:00 UTC
    assert counted(organization)[date(2026, 5, 12)] == 2


def test_the_concurrent_limit_admits_the_last_slot_and_asks_for_a_short_retry(organization, member):
    limits(organization, concurrent=2)
    run_start(organization=organization, actor=member)
    run_start(organization=organization, actor=member)
    refused = refusal(organization, member)
    assert refused.fields == {"limit": "concurrent"}
    assert refused.retry_after == CONCURRENT_RETRY_SECONDS
    assert Run.objects.filter(organization=organization).count() == 2


def test_over_two_limits_the_refusal_names_the_longest_wait(organization, member):
    limits(organization, daily=1, monthly=1, concurrent=1)
    with at(2026, 5, 12, 9, 0):
        run_start(organization=organization, actor=member)
        assert refusal(organization, member).fields == {"limit": "monthly"}


# --- the organization's own calendar -------------------------------------------------------------


def test_a_run_at_half_past_eleven_in_new_york_counts_for_that_new_york_day(organization, member):
    organization = in_new_york(organization)
    limits(organization, daily=1)
    with at(2026, 3, 10, 23, 30):  # 03:30 on March 11 in UTC
        started = run_start(organization=organization, actor=member)
        refused = refusal(organization, member)
    assert started.run.day == date(2026, 3, 10)
    assert counted(organization) == {date(2026, 3, 10): 1}
    assert refused.fields == {"limit": "daily"}
    assert refused.retry_after == 1800
    with at(2026, 3, 11, 0, 0):  # Retry-After later: a new New York day
        again = run_start(organization=organization, actor=member)
    assert again.run.day == date(2026, 3, 11)
    assert counted(organization) == {date(2026, 3, 10): 1, date(2026, 3, 11): 1}


def test_on_the_last_evening_of_the_month_the_monthly_refusal_waits_until_local_midnight(
    organization, member
):
    organization = in_new_york(organization)
    limits(organization, monthly=1)
    with at(2026, 1, 31, 23, 0):
        run_start(organization=organization, actor=member)
        refused = refusal(organization, member)
    assert refused.fields == {"limit": "monthly"}
    assert refused.retry_after == 3600


@pytest.mark.parametrize(
    ("moment", "seconds"),
    [
        # Clocks go forward at 02:00 on 8 March 2026: the day is 23 hours long.
        ((2026, 3, 8, 1, 0), 22 * 3600),
        ((2026, 3, 8, 12, 0), 12 * 3600),
        # Clocks go back at 02:00 on 1 November 2026: the day is 25 hours long.
        ((2026, 11, 1, 0, 30), 24 * 3600 + 1800),
        ((2026, 11, 1, 23, 0), 3600),
    ],
)
def test_on_a_daylight_saving_day_retry_after_is_still_the_seconds_to_local_midnight(
    organization, member, moment, seconds
):
    organization = in_new_york(organization)
    limits(organization, daily=1)
    with at(*moment):
        run_start(organization=organization, actor=member)
        refused = refusal(organization, member)
    assert refused.fields == {"limit": "daily"}
    assert refused.retry_after == seconds


# --- running, finishing, timing out ---------------------------------------------------------------


def test_finishing_a_run_frees_its_slot(organization, member):
    limits(organization, concurrent=1)
    first = run_start(organization=organization, actor=member).run
    assert refusal(organization, member).fields == {"limit": "concurrent"}
    run_finish(run=first, actor=member, status="succeeded")
    second = run_start(organization=organization, actor=member)
    assert second.usage.running == 1
    assert Run.objects.get(pk=first.pk).status == "succeeded"


def test_a_run_finishes_once(organization, member):
    run = run_start(organization=organization, actor=member).run
    run_finish(run=run, actor=member, status="failed")
    with pytest.raises(Conflict) as again:
        run_finish(run=run, actor=member, status="succeeded")
    assert again.value.code == "run_already_finished"
    assert Run.objects.get(pk=run.pk).status == "failed"
    types = Event.objects.filter(organization=organization).values_list("type", flat=True)
    assert list(types) == ["run.started", "run.finished"]


def test_an_unknown_finishing_status_is_refused_and_the_run_keeps_running(organization, member):
    run = run_start(organization=organization, actor=member).run
    with pytest.raises(ValidationFailed):
        run_finish(run=run, actor=member, status="running")
    assert Run.objects.get(pk=run.pk).status == "running"


def test_a_run_unfinished_past_the_timeout_stops_counting_as_running(
    organization, member, settings
):
    settings.CAUSELOOP_RUN_TIMEOUT = 600
    limits(organization, concurrent=1)
    with time_machine.travel(datetime(2026, 5, 12, 9, 0, tzinfo=UTC), tick=False) as clock:
        stuck = run_start(organization=organization, actor=member).run
        clock.shift(timedelta(seconds=599))
        assert refusal(organization, member).fields == {"limit": "concurrent"}
        clock.shift(timedelta(seconds=2))
        assert Run.objects.get(pk=stuck.pk).state == "timed_out"
        started = run_start(organization=organization, actor=member)
    assert started.usage.running == 1


# --- limits that change -------------------------------------------------------------------------


def test_a_plan_change_applies_to_the_very_next_start(organization, owner, member):
    assert organization.plan_id == "free"  # 2 a day, 1 at a time
    with at(2026, 5, 12, 9, 0):
        for _ in range(2):
            run_finish(
                run=run_start(organization=organization, actor=member).run,
                actor=member,
                status="succeeded",
            )
        assert refusal(organization, member).fields == {"limit": "daily"}
        organization_change_plan(
            organization=Organization.objects.get(pk=organization.pk), actor=owner, plan="growth"
        )
        # `organization` is the stale instance from before the change: the start reads afresh.
        started = run_start(organization=organization, actor=member)
        assert started.usage.limits.daily == 20
        organization_change_plan(
            organization=Organization.objects.get(pk=organization.pk), actor=owner, plan="free"
        )
        assert refusal(organization, member).fields == {"limit": "daily"}


def test_an_override_wins_over_the_plan_from_the_next_start_and_clearing_it_restores_the_plan(
    organization, member
):
    limits_override(organization=organization, limits={"concurrent": 3, "daily": 100})
    for _ in range(3):
        run_start(organization=organization, actor=member)
    assert refusal(organization, member).fields == {"limit": "concurrent"}
    limits_override(organization=organization, limits={"concurrent": 4})
    started = run_start(organization=organization, actor=member)
    assert started.usage.limits.overridden == ("daily", "concurrent")
    limits_override(organization=organization, limits={"concurrent": None})
    refused = refusal(organization, member)  # back to the free plan's one at a time
    assert refused.fields == {"limit": "concurrent"}


# --- what a start writes, and what it must not ----------------------------------------------------


def test_a_start_writes_the_run_its_counter_and_its_event_but_no_audit_row(organization, member):
    with at(2026, 5, 12, 9, 0):
        started = run_start(organization=organization, actor=member, name="  Nightly  ")
    run = Run.objects.get(organization=organization)
    assert (run.pk, run.name, run.status, run.started_by_user_id) == (
        started.run.pk,
        "Nightly",
        "running",
        member.pk,
    )
    event = Event.objects.get(organization=organization)
    assert event.type == "run.started"
    assert event.data["run"]["id"] == run.pk
    assert trail(organization)[1:] == ({date(2026, 5, 12): 1}, ["run.started"], 0)


def test_a_refused_start_writes_its_refusal_event_and_nothing_else(organization, member):
    limits(organization, daily=0)
    before = AuditLog.objects.filter(organization=organization).count()
    refusal(organization, member)
    assert Run.objects.filter(organization=organization).count() == 0
    assert counted(organization) == {}
    assert AuditLog.objects.filter(organization=organization).count() == before
    event = Event.objects.filter(organization=organization).latest("id")
    assert (event.type, event.data["limit"]) == ("run.refused", "daily")


def test_a_start_inside_a_transaction_that_rolls_back_leaves_nothing(organization, member):
    def start_then_fail() -> None:
        with transaction.atomic():
            run_start(organization=organization, actor=member)
            raise RuntimeError("the caller's work failed after the start")

    before = trail(organization)
    with pytest.raises(RuntimeError):
        start_then_fail()
    assert trail(organization) == before


@pytest.mark.parametrize(
    ("billing", "status", "code"),
    [
        ("past_due", "active", "organization_suspended"),
        ("paused", "active", "organization_suspended"),
        ("active", "suspended", "organization_suspended"),
        ("active", "pending", "organization_pending"),
    ],
)
def test_a_blocked_organization_starts_nothing_and_writes_nothing(
    organization, member, billing, status, code
):
    Subscription.objects.filter(organization=organization).update(billing_status=billing)
    Organization.objects.filter(pk=organization.pk).update(status=status)
    before = trail(organization)
    with pytest.raises(Forbidden) as refused:
        run_start(organization=organization, actor=member)
    assert refused.value.code == code
    assert trail(organization) == before


def test_an_api_key_starts_runs_of_its_own_organization_only(organization, other_organization):
    key = ApiKeyFactory(organization=organization)
    run = run_start(organization=organization, actor=key).run
    assert (run.started_by_api_key_id, run.started_by_user_id) == (key.pk, None)
    with pytest.raises(NotFound):
        run_start(organization=other_organization, actor=key)
    assert Run.objects.filter(organization=other_organization).count() == 0


def test_an_outsider_gets_not_found_and_starts_nothing(organization, other_organization, member):
    with pytest.raises(NotFound):
        run_start(organization=other_organization, actor=member)
    assert trail(other_organization)[:3] == (0, {}, [])


def test_a_start_names_an_integration_of_its_own_organization_only(
    organization, other_organization, member
):
    mine = Integration.objects.create(
        organization=organization, name="Main", kind="openai", credential=b"x", last_four="abcd"
    )
    theirs = Integration.objects.create(
        organization=other_organization, name="Theirs", kind="aws", credential=b"x", last_four="x"
    )
    assert run_start(organization=organization, actor=member, integration=mine.pk).run.integration
    run_finish(run=Run.objects.get(organization=organization), actor=member, status="succeeded")
    before = trail(organization)
    with pytest.raises(ValidationFailed) as refused:
        run_start(organization=organization, actor=member, integration=theirs.pk)
    assert refused.value.code == "unknown_integration"
    assert trail(organization) == before


def test_the_queries_of_a_start_do_not_grow_with_the_runs_kept(organization, member):
    limits(organization, daily=10**6, monthly=10**6, concurrent=10**6)

    def queries_of_a_start() -> int:
        with CaptureQueriesContext(connection) as captured:
            run_start(organization=organization, actor=member)
        return len(captured)

    few = queries_of_a_start()
    Run.objects.bulk_create(
        Run(organization=organization, day=date(2026, 4, d % 28 + 1), status=status)
        for d in range(500)
        for status in ("succeeded", "running")
    )
    assert queries_of_a_start() == few
