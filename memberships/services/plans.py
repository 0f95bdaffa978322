"""Changing plan where seats are known: a plan must hold everyone who already has a seat."""

from __future__ import annotations

from django.db import transaction

from causeloop.core.errors import Conflict
from memberships.models import User
from memberships.selectors import SeatUsage, seat_usage
from memberships.services.members import lock_organization
from organizations.access import require_role
from organizations.models import Organization, Plan
from organizations.roles import Role
from organizations.services.plans import organization_change_plan, plan_get


def seats_refusal(plan: Plan, usage: SeatUsage) -> Conflict | None:
    """Why `plan` cannot hold the seats in use (members and pending invitations), or None."""
    if usage.total <= plan.seats:
        return None
    members = f"{usage.members} member{'s' if usage.members != 1 else ''}"
    pending = usage.pending_invitations
    invitations = (
        f" and {pending} pending invitation{'s' if pending != 1 else ''}" if pending else ""
    )
    message = (
        f"{plan.name} has {plan.seats} seats, but {usage.total} are in use ({members}"
        f"{invitations}). Remove members or revoke invitations until no more than "
        f"{plan.seats} remain, then switch."
    )
    return Conflict(message, code="seats_in_use", fields={"plan": [message]})


@transaction.atomic
def plan_change(*, organization: Organization, actor: User, plan: str) -> Organization:
    """The owner switches the organization to `plan` (audited), unless its seats are fewer
    than those in use: then `seats_in_use`, and nothing changes."""
    require_role(actor, organization, at_least=Role.OWNER)
    plan_row = plan_get(plan)
    if plan_row.code == organization.plan_id:
        return organization
    lock_organization(organization)  # no one joins or is invited while the seats are counted
    refusal = seats_refusal(plan_row, seat_usage(organization))
    if refusal is not None:
        raise refusal
    return organization_change_plan(organization=organization, actor=actor, plan=plan_row.code)
