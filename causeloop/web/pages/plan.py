"""`/admin/plan/`: the plans side by side, the organization's own with its seats and trial,
and (owners only) a switch that first says what will change and works without JavaScript:
`?change=<plan>` shows the confirmation, its form posts the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import dateformat, timezone

from causeloop.core.errors import DomainError
from causeloop.web.pages.base import OrganizationPage, apply_error
from causeloop.web.pages.usage import providers_meter, run_meters, seats_meter
from memberships.selectors import SeatUsage, seat_usage
from memberships.services.plans import plan_change, seats_refusal
from organizations.forms import PlanChoiceForm
from organizations.models import Plan, Subscription
from organizations.roles import Role
from organizations.selectors import plans_all, subscription_of
from organizations.services.plans import trial_end_after_switch, trial_starts_on_switch
from organizations.usage import usage_of

LIMITS = [
    ("seats", "Seats"),
    ("daily_runs", "Runs a day"),
    ("monthly_runs", "Runs a month"),
    ("concurrent_runs", "Runs at the same time"),
    ("providers", "Providers"),
]


@dataclass(frozen=True)
class PlanCard:
    plan: Plan
    is_current: bool
    refusal: str  # why it cannot hold the seats in use; "" when it can


@dataclass(frozen=True)
class Switch:
    """What switching to `plan` would change, for the confirmation."""

    current: Plan
    plan: Plan
    changes: list[tuple[str, int, int]]  # (limit, now, after)
    refusal: str
    trial_starts: bool
    trial_ends_at: datetime | None  # of the trial that starts, or goes on


class PlanPage(OrganizationPage):
    required_role = Role.ADMIN  # admins see the plan; only owners change it

    def get(self, request: HttpRequest) -> HttpResponse:
        if "change" not in request.GET:
            return self._page()
        self._only_owners()
        form = PlanChoiceForm({"plan": request.GET.get("change", "")[:64]})
        if not form.is_valid():
            return self._page(form=form, status=400)
        return self._page(switch_to=form.cleaned_data["plan"])

    def post(self, request: HttpRequest) -> HttpResponse:
        self._only_owners()
        form = PlanChoiceForm(request.POST)
        if form.is_valid():
            chosen = form.cleaned_data["plan"]
            try:
                organization = plan_change(
                    organization=self.organization, actor=self.person, plan=chosen
                )
                subscription = subscription_of(organization)
                return self.done(_changed_message(organization.plan, subscription, self.tz))
            except DomainError as error:
                apply_error(form, error)
                return self._page(form=form, switch_to=chosen, status=error.status_code)
        return self._page(form=form, status=400)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.organization.timezone)

    def _only_owners(self) -> None:
        if self.role < Role.OWNER:
            raise PermissionDenied("Only an owner of the organization can change its plan.")

    def _page(
        self, *, form: PlanChoiceForm | None = None, switch_to: str = "", status: int = 200
    ) -> HttpResponse:
        plans = plans_all()
        usage = seat_usage(self.organization)
        subscription = subscription_of(self.organization)
        current = next(plan for plan in plans if plan.code == self.organization.plan_id)
        cards = [
            PlanCard(plan=plan, is_current=plan is current, refusal=_refusal(plan, usage))
            for plan in plans
        ]
        chosen = next((plan for plan in plans if plan.code == switch_to), None)
        report = usage_of(self.organization)
        return self.page(
            "organizations/plan.html",
            status=status,
            form=form,
            cards=cards,
            current=current,
            usage=usage,
            meters=[
                seats_meter(usage, self.organization),
                *run_meters(report, self.organization),
                providers_meter(report, self.organization),
            ],
            subscription=subscription,
            on_trial=subscription is not None and subscription.is_on_trial,
            switch=_switch(current, chosen, usage, subscription) if chosen else None,
            trial_days=settings.CAUSELOOP_TRIAL_DAYS,
        )


def _refusal(plan: Plan, usage: SeatUsage) -> str:
    refusal = seats_refusal(plan, usage)
    return refusal.message if refusal else ""


def _switch(
    current: Plan, plan: Plan, usage: SeatUsage, subscription: Subscription | None
) -> Switch | None:
    if plan == current:
        return None
    return Switch(
        current=current,
        plan=plan,
        changes=[(label, getattr(current, f), getattr(plan, f)) for f, label in LIMITS],
        refusal=_refusal(plan, usage),
        trial_starts=trial_starts_on_switch(subscription, plan),
        trial_ends_at=trial_end_after_switch(subscription, plan),
    )


def _changed_message(plan: Plan, subscription: Subscription | None, tz: ZoneInfo) -> str:
    message = f"You are now on the {plan.name} plan; its limits apply from now on."
    if plan.is_paid and subscription is not None and subscription.is_on_trial:
        assert subscription.trial_ends_at is not None
        ends = dateformat.format(timezone.localtime(subscription.trial_ends_at, tz), "F j, Y")
        message += f" The trial ends on {ends}."
    return message
