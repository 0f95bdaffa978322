"""An organization's usage as the pages show it: meters (a figure against its limit, drawn by
`templates/components/meter.html`) and the chart of its last 30 days (an inline SVG drawn by
`templates/components/usage_chart.html`). The figures are `organizations.usage.usage_of`'s;
this module only lays them out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.template.defaultfilters import pluralize

from memberships.selectors import SeatUsage
from organizations.models import Organization, Plan
from organizations.usage import UsageReport

# The chart's own units: one column per day, bars a little narrower than their column. The
# SVG stretches to its box (`preserveAspectRatio="none"`), so these only fix proportions.
DAY_WIDTH = 10
BAR_WIDTH = 7
CHART_HEIGHT = 100


@dataclass(frozen=True)
class Meter:
    """`used` of `limit`, said in words (`text`) as well as drawn."""

    key: str  # unique on a page: the element ids derive from it
    label: str
    used: int
    limit: int
    unit: str  # what follows "3 of 20": "today", "seats in use"…
    full: bool = False  # nothing more fits (from the selector's `remaining`)
    note: str = ""

    @property
    def text(self) -> str:
        return f"{self.used} of {self.limit} {self.unit}"

    @property
    def warn_from(self) -> float:
        """Where the bar turns amber: the last fifth of the limit."""
        return self.limit * 0.8

    @property
    def full_from(self) -> float:
        """Where it turns red: at the limit (a `<meter>` counts a value equal to its `high`
        as below it)."""
        return self.limit - 0.5


def _override_note(report: UsageReport, name: str, organization: Organization) -> str:
    if name in report.usage.limits.overridden:
        return f"A limit set for {organization.name}, in place of the plan's."
    return ""


RUN_METERS = (  # limit, label, unit
    ("daily", "Runs today", "today"),
    ("monthly", "Runs this month", "this month"),
    ("concurrent", "Running now", "running"),
)


def run_meters(report: UsageReport, organization: Organization) -> list[Meter]:
    """Runs today, this month and running now, against the limits in force."""
    usage = report.usage
    used = {
        "daily": usage.runs_today,
        "monthly": usage.runs_this_month,
        "concurrent": usage.running,
    }
    limits, remaining = usage.limits.as_dict(), usage.remaining
    return [
        Meter(
            key=key,
            label=label,
            used=used[key],
            limit=limits[key],
            unit=unit,
            full=remaining[key] == 0,
            note=_override_note(report, key, organization),
        )
        for key, label, unit in RUN_METERS
    ]


def providers_meter(
    report: UsageReport, organization: Organization, plan: Plan | None = None
) -> Meter:
    """The integrations in place against the providers limit (`plan` names it in the text)."""
    overridden = "providers" in report.usage.limits.overridden
    unit = "integrations"
    if plan is not None and not overridden:
        unit = f"integrations on the {plan.name} plan"
    return Meter(
        key="providers",
        label="Integrations",
        used=report.providers_used,
        limit=report.usage.limits.providers,
        unit=unit,
        full=report.providers_remaining == 0,
        note=_override_note(report, "providers", organization),
    )


def seats_meter(seats: SeatUsage, organization: Organization) -> Meter:
    """The seats in use: members and pending invitations."""
    note = f"{seats.members} member{pluralize(seats.members)}"
    if seats.pending_invitations:
        invitations = seats.pending_invitations
        note += f", {invitations} pending invitation{pluralize(invitations)}"
    return Meter(
        key="seats",
        label="Seats",
        used=seats.total,
        limit=organization.seats,
        unit="seats in use",
        note=note,
    )


@dataclass(frozen=True)
class Bar:
    day: date
    runs: int
    x: float
    y: float
    height: float
    is_today: bool


@dataclass(frozen=True)
class Chart:
    """The last 30 days as bars, scaled to the larger of the busiest day and the daily limit
    (so the dashed limit line is always inside the chart)."""

    bars: list[Bar]
    top: int  # the runs a full-height bar stands for
    limit: int
    limit_y: float
    total: int
    busiest: Bar | None  # the first day with the most runs; None when there were none
    width: int = 0
    height: int = CHART_HEIGHT
    bar_width: int = BAR_WIDTH

    @property
    def first(self) -> date:
        return self.bars[0].day

    @property
    def last(self) -> date:
        return self.bars[-1].day


def usage_chart(report: UsageReport) -> Chart:
    """The report's history (oldest day first) laid out as an SVG bar chart."""
    history = report.history
    limit = report.usage.limits.daily
    top = max([limit, 1, *(runs for _day, runs in history)])
    bars = []
    for index, (day, runs) in enumerate(history):
        # A day with runs is never drawn flat, however small against the top.
        height = max(CHART_HEIGHT * runs / top, 1.5) if runs else 0
        bars.append(
            Bar(
                day=day,
                runs=runs,
                x=index * DAY_WIDTH + (DAY_WIDTH - BAR_WIDTH) / 2,
                y=CHART_HEIGHT - height,
                height=height,
                is_today=day == report.usage.today,
            )
        )
    peak = max(bars, key=lambda bar: bar.runs, default=None)
    return Chart(
        bars=bars,
        top=top,
        limit=limit,
        limit_y=CHART_HEIGHT - CHART_HEIGHT * limit / top,
        total=sum(bar.runs for bar in bars),
        busiest=peak if peak is not None and peak.runs else None,
        width=len(bars) * DAY_WIDTH,
    )
