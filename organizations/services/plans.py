"""Plans and the subscription: the owner's choice of plan and the billing provider's view."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from causeloop.core.errors import ValidationFailed
from organizations.access import require_role
from organizations.audit import audit
from organizations.models import Organization, Plan, Subscription
from organizations.roles import Role
from organizations.validation import clean_seats

if TYPE_CHECKING:
    from memberships.models import User


def plan_get(code: object) -> Plan:
    """The Plan with this code, or a validation error naming the choices. Plans are reference
    data read on every provisioning, so they are kept in memory (refreshed when one is saved)."""
    plan = _plans().get(code) if isinstance(code, str) else None
    if plan is None:
        choices = ", ".join(Plan.Code.values)
        message = f'"{code}" is not a plan; choose one of {choices}.'
        raise ValidationFailed(message, code="invalid_plan", fields={"plan": [message]})
    return plan


@cache
def _plans() -> dict[str, Plan]:
    return {plan.code: plan for plan in Plan.objects.all()}


@receiver([post_save, post_delete], sender=Plan)
def _forget_plans(**_kwargs: Any) -> None:
    _plans.cache_clear()


def subscription_locked(organization: Organization) -> Subscription:
    """The organization's subscription row, locked until the transaction ends, with the
    organization and its plan as they are now. It is the organization's usage lock: run starts,
    provider and webhook endpoint counts and limit overrides take it, so their checks are exact
    under concurrency and a plan change or an override applies to the very next start."""
    rows = Subscription.objects.select_for_update(of=("self",)).select_related("organization__plan")
    subscription = rows.filter(organization_id=organization.pk).first()
    if subscription is None:  # an organization provisioned before subscriptions existed
        Subscription.objects.get_or_create(organization_id=organization.pk)
        subscription = rows.get(organization_id=organization.pk)
    return subscription


def trial_starts_on_switch(subscription: Subscription | None, plan: Plan) -> bool:
    """A paid plan starts the one trial an organization gets, if it has not had it yet."""
    return plan.is_paid and (subscription is None or subscription.trial_ends_at is None)


def trial_end_after_switch(subscription: Subscription | None, plan: Plan) -> datetime | None:
    """When the trial ends if the organization switches to `plan`: a trial that starts, or the
    one under way on a paid plan; None when there is no trial."""
    if trial_starts_on_switch(subscription, plan):
        return timezone.now() + timedelta(days=settings.CAUSELOOP_TRIAL_DAYS)
    if plan.is_paid and subscription is not None and subscription.is_on_trial:
        return subscription.trial_ends_at
    return None


@transaction.atomic
def organization_change_plan(*, organization: Organization, actor: User, plan: str) -> Organization:
    """The owner picks a plan; a paid plan starts a trial, seats follow the plan."""
    require_role(actor, organization, at_least=Role.OWNER)
    plan_row = plan_get(plan)
    if plan_row.code == organization.plan_id:
        return organization
    previous = organization.plan_id
    organization.plan = plan_row
    organization.seats = plan_row.seats
    organization.save(update_fields=["plan", "seats", "updated_at"])
    subscription, _ = Subscription.objects.get_or_create(organization=organization)
    if trial_starts_on_switch(subscription, plan_row):
        subscription.billing_status = Subscription.BillingStatus.TRIALING
        subscription.trial_ends_at = trial_end_after_switch(subscription, plan_row)
    elif not plan_row.is_paid:
        subscription.billing_status = Subscription.BillingStatus.ACTIVE
    subscription.save()
    audit(
        organization,
        actor=actor,
        action="plan.changed",
        target=organization,
        details={"from": previous, "to": plan_row.code},
    )
    return organization


@transaction.atomic
def subscription_sync(
    *,
    organization: Organization,
    plan: str,
    billing_status: str,
    trial_ends_at: datetime | None = None,
    seats: int | None = None,
    actor: User | None = None,
) -> Subscription:
    """Platform: mirror the billing provider's view of the subscription."""
    plan_row = plan_get(plan)
    if billing_status not in Subscription.BillingStatus.values:
        choices = ", ".join(Subscription.BillingStatus.values)
        message = f'"{billing_status}" is not a billing status; choose one of {choices}.'
        raise ValidationFailed(message, fields={"billing_status": [message]})
    new_seats = (
        clean_seats(seats)
        if seats is not None
        else (plan_row.seats if plan_row.code != organization.plan_id else organization.seats)
    )
    organization.plan, organization.seats = plan_row, new_seats
    organization.save(update_fields=["plan", "seats", "updated_at"])
    subscription, _ = Subscription.objects.get_or_create(organization=organization)
    subscription.billing_status = billing_status
    subscription.trial_ends_at = trial_ends_at
    subscription.save()
    organization.subscription = subscription
    audit(
        organization,
        actor=actor,
        action="subscription.synced",
        target=subscription,
        details={"plan": plan_row.code, "billing_status": billing_status, "seats": new_seats},
    )
    return subscription


LIMIT_FIELDS = {
    "daily": "daily_runs_limit",
    "monthly": "monthly_runs_limit",
    "concurrent": "concurrent_runs_limit",
    "providers": "providers_limit",
}
MAX_LIMIT = 10_000_000


def limits_clean(limits: dict[str, object]) -> dict[str, int | None]:
    """The overrides `limits_override` would accept, checked without writing (a form checks
    them before it saves); a validation error naming the offending limit otherwise."""
    unknown = sorted(set(limits) - set(LIMIT_FIELDS))
    if unknown:
        message = f"Unknown limit {', '.join(unknown)}; use {', '.join(LIMIT_FIELDS)}."
        raise ValidationFailed(message, fields={name: [message] for name in unknown})
    invalid = {
        name: [f"{name.capitalize()} must be a whole number from 0 to {MAX_LIMIT:,}, or empty."]
        for name, value in limits.items()
        if not (
            value is None
            or (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_LIMIT)
        )
    }
    if invalid:
        raise ValidationFailed(next(iter(invalid.values()))[0], fields=invalid)
    return cast(dict[str, int | None], dict(limits))


@transaction.atomic
def limits_override(
    *, organization: Organization, limits: dict[str, int | None], actor: User | None = None
) -> Subscription:
    """Platform: set (a number) or clear (None) per-organization overrides of the plan's usage
    limits; they win over the plan's numbers from the next start on."""
    limits = limits_clean(dict(limits))
    subscription = subscription_locked(organization)
    changed = {
        name: value
        for name, value in limits.items()
        if getattr(subscription, LIMIT_FIELDS[name]) != value
    }
    if not changed:
        return subscription
    for name, value in changed.items():
        setattr(subscription, LIMIT_FIELDS[name], value)
    subscription.save(update_fields=[*(LIMIT_FIELDS[name] for name in changed), "updated_at"])
    audit(
        organization,
        actor=actor,
        action="limits.overridden",
        target=subscription,
        details={"limits": changed},
    )
    return subscription
