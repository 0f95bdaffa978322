"""Reads of an organization's usage that the API, the pages, the platform admin and
`show_client` share: what it has used today, this month and over the last 30 of its days, what
is running, and its integrations and runs.

Every figure comes from the daily counters (`UsageDay`, one row per organization and day) and
the partial index of unfinished runs, so the cost does not grow with the number of runs kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, timedelta
from typing import Any

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from causeloop.core.keyset import KeysetPage, keyset_page
from organizations.models import (
    Integration,
    Organization,
    Run,
    Subscription,
    UsageDay,
    running_since,
)
from organizations.quotas import Calendar, Limits, Usage, limits_of, zone_of

HISTORY_DAYS = 30


@dataclass(frozen=True)
class UsageReport:
    """An organization's usage (§9): the figures of a start, plus its plan and history."""

    plan: str
    timezone: str
    usage: Usage
    history: list[tuple[date, int]]
    providers_used: int = 0

    @property
    def providers_remaining(self) -> int:
        """How many more integrations the limit allows (0 at or over it)."""
        return max(0, self.usage.limits.providers - self.providers_used)

    def as_dict(self) -> dict[str, Any]:
        usage = self.usage
        return {
            "plan": self.plan,
            "timezone": self.timezone,
            **usage.as_dict(),
            "remaining": {**usage.remaining, "providers": self.providers_remaining},
            "history": [{"date": day.isoformat(), "runs": runs} for day, runs in self.history],
        }


def usage_now(organization: Organization, limits: Limits, calendar: Calendar) -> Usage:
    """What is running (unfinished, started within `CAUSELOOP_RUN_TIMEOUT`) and what the day and
    month have used: one statement over the partial index of unfinished runs and at most 31
    daily counters. A start runs it after taking the organization's lock, so it sees every start
    committed before its own (READ COMMITTED: a new snapshot per statement)."""
    quote = connection.ops.quote_name
    runs, days = quote(Run._meta.db_table), quote(UsageDay._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT count(*) FROM {runs} WHERE organization_id = %s "  # noqa: S608
            "AND status = 'running' AND started_at > %s), "
            "coalesce(sum(runs), 0), coalesce(sum(runs) FILTER (WHERE day = %s), 0) "
            f"FROM {days} WHERE organization_id = %s AND day >= %s AND day <= %s",
            [
                organization.pk,
                running_since(),
                calendar.today,
                organization.pk,
                calendar.month_start,
                calendar.today,
            ],
        )
        running, month, today = cursor.fetchone()
    return Usage(
        today=calendar.today,
        month=calendar.month_start,
        runs_today=int(today),
        runs_this_month=int(month),
        running=int(running),
        limits=limits,
    )


def usage_of(organization: Organization) -> UsageReport:
    """The organization's usage now, in its own days: four queries whatever its history."""
    subscription = (
        Subscription.objects.select_related("organization__plan")
        .filter(organization_id=organization.pk)
        .first()
    )
    current = subscription.organization if subscription is not None else organization
    calendar = Calendar.at(timezone.now(), zone_of(current))
    days = [calendar.today - timedelta(days=n) for n in range(HISTORY_DAYS - 1, -1, -1)]
    counts = dict(
        UsageDay.objects.filter(
            organization_id=organization.pk, day__gte=days[0], day__lte=calendar.today
        ).values_list("day", "runs")
    )
    usage = usage_now(current, limits_of(current, current.plan, subscription), calendar)
    return UsageReport(
        plan=str(current.plan_id),
        timezone=current.timezone,
        usage=usage,
        history=[(day, counts.get(day, 0)) for day in days],
        providers_used=Integration.objects.filter(organization_id=organization.pk).count(),
    )


def integrations_for(organization: Organization) -> QuerySet[Integration]:
    """The organization's integrations, by name (the credential column stays unread)."""
    return organization.integrations.defer("credential").order_by("name", "id")


def runs_for(organization: Organization) -> QuerySet[Run]:
    """The organization's runs, newest first (page them by keyset: `started_at`, `id`)."""
    return (
        organization.runs.select_related("integration")
        .defer("integration__credential")
        .order_by("-started_at", "-id")
    )


def runs_page(
    organization: Organization, *, after: str = "", before: str = "", size: int = 50
) -> KeysetPage[Run]:
    """A page of the organization's runs, newest first, by keyset: runs older than the cursor
    `after`, or newer than `before`; one query and no count, however many runs it keeps."""
    return keyset_page(
        runs_for(organization), moment="started_at", after=after, before=before, size=size
    )


RECENT_USAGE_DAYS = "recent_usage_days"


def with_recent_usage_days(organizations: QuerySet[Organization]) -> QuerySet[Organization]:
    """The organizations with the counters of the days that are "today" somewhere on Earth
    (UTC's day and the ones either side), fetched for a whole page of them in one query, so a
    list showing `runs_started_today` for each costs one query, not one per row."""
    utc_today = timezone.now().astimezone(UTC).date()
    recent = UsageDay.objects.filter(
        day__gte=utc_today - timedelta(days=1), day__lte=utc_today + timedelta(days=1)
    ).order_by()  # unordered: the default ordering would join the organizations to sort
    return organizations.prefetch_related(
        Prefetch("usage_days", queryset=recent, to_attr=RECENT_USAGE_DAYS)
    )


def runs_started_today(organization: Organization) -> int:
    """The runs the organization started on its own today (from what `with_recent_usage_days`
    fetched; one query when it was not)."""
    today = Calendar.at(timezone.now(), zone_of(organization)).today
    fetched: list[UsageDay] | None = vars(organization).get(RECENT_USAGE_DAYS)
    if fetched is None:
        days = UsageDay.objects.filter(organization_id=organization.pk, day=today)
        return sum(days.values_list("runs", flat=True))
    return sum(usage_day.runs for usage_day in fetched if usage_day.day == today)
