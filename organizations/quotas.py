"""The usage rules of §9 that need no database: an organization's effective limits (the plan's,
unless the platform overrode them), its calendar in its own timezone, and how long a refused
client should wait."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from organizations.models import Organization, Plan, Subscription

# A refused start over the concurrent limit is worth retrying soon: a slot frees when a run
# finishes, which the server cannot foresee.
CONCURRENT_RETRY_SECONDS = 10


@dataclass(frozen=True)
class Limits:
    """What an organization may use; `overridden` names the limits the platform set."""

    daily: int
    monthly: int
    concurrent: int
    providers: int
    seats: int
    overridden: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, int]:
        values = asdict(self)
        values.pop("overridden")
        return values


OVERRIDES = {
    "daily": ("daily_runs_limit", "daily_runs"),
    "monthly": ("monthly_runs_limit", "monthly_runs"),
    "concurrent": ("concurrent_runs_limit", "concurrent_runs"),
    "providers": ("providers_limit", "providers"),
}


@dataclass(frozen=True)
class Usage:
    """What the organization has used at the moment of a start (the start included)."""

    today: date
    month: date
    runs_today: int
    runs_this_month: int
    running: int
    limits: Limits

    @property
    def remaining(self) -> dict[str, int]:
        return {
            "daily": max(0, self.limits.daily - self.runs_today),
            "monthly": max(0, self.limits.monthly - self.runs_this_month),
            "concurrent": max(0, self.limits.concurrent - self.running),
        }

    def as_dict(self) -> dict[str, Any]:
        """The figures as the API shows them (the day in ISO form, the month as `YYYY-MM`)."""
        return {
            "today": self.today.isoformat(),
            "month": self.month.isoformat()[:7],
            "runs_today": self.runs_today,
            "runs_this_month": self.runs_this_month,
            "running": self.running,
            "limits": self.limits.as_dict(),
            "remaining": self.remaining,
        }


def limits_of(organization: Organization, plan: Plan, subscription: Subscription | None) -> Limits:
    """The limits in force: each platform override wins over the plan's number."""
    values: dict[str, int] = {}
    overridden: list[str] = []
    for name, (override_field, plan_field) in OVERRIDES.items():
        override = getattr(subscription, override_field, None) if subscription else None
        if override is not None:
            overridden.append(name)
        values[name] = override if override is not None else getattr(plan, plan_field)
    return Limits(**values, seats=organization.seats, overridden=tuple(overridden))


def zone_of(organization: Organization) -> ZoneInfo:
    """The organization's timezone (UTC if the stored name no longer resolves)."""
    try:
        return ZoneInfo(organization.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class Calendar:
    """An organization's day and month at a moment, and when each ends, in its timezone."""

    today: date
    month_start: date
    day_ends_at: datetime
    month_ends_at: datetime

    @classmethod
    def at(cls, moment: datetime, zone: ZoneInfo) -> Calendar:
        local = moment.astimezone(zone)
        today = local.date()
        month_start = today.replace(day=1)
        next_month = (month_start + timedelta(days=32)).replace(day=1)
        return cls(
            today=today,
            month_start=month_start,
            day_ends_at=_midnight(today + timedelta(days=1), zone),
            month_ends_at=_midnight(next_month, zone),
        )


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first moment of `day` in `zone` (a wall-clock midnight; DST-aware)."""
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def seconds_until(moment: datetime, end: datetime) -> int:
    """Whole seconds from `moment` to `end`, rounded up, at least 1 (a `Retry-After`)."""
    remaining = (end - moment).total_seconds()
    return max(1, int(remaining) + (0 if remaining == int(remaining) else 1))
