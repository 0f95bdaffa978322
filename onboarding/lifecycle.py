"""An organization's beginning and end: provisioned with its workspace, subscription and owner
membership, and deleted by its owner (purged by `onboarding.purge`). Both need the memberships, so
they live here, above `organizations` and `memberships`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from causeloop.core.db import insert_together
from causeloop.core.errors import Conflict, ValidationFailed
from causeloop.core.tenancy import enter_tenant
from memberships.models import Membership, User
from memberships.services.active import membership_activate
from onboarding.purge import organization_purge_queue
from organizations.access import require_role
from organizations.audit import audit_entry
from organizations.events import event_of_audit
from organizations.models import (
    ApiKey,
    Organization,
    Plan,
    Subscription,
    Workspace,
    WorkspaceSettings,
)
from organizations.roles import Role
from organizations.services.organizations import (
    clean_kind,
    slug_is_available,
    slug_taken_error,
    unique_slug_from_name,
)
from organizations.services.plans import plan_get
from organizations.validation import clean_name, clean_slug, clean_timezone


@dataclass(frozen=True)
class Provisioned:
    """What provisioning made: the organization, its workspace and the owner's membership."""

    organization: Organization
    workspace: Workspace
    membership: Membership


def organization_provision(
    *,
    name: str,
    slug: str,
    owner: User,
    plan: Plan,
    timezone_name: str = "UTC",
    seats: int | None = None,
    status: str = Organization.Status.ACTIVE,
    kind: str = Organization.Kind.COMPANY,
    workspace_name: str | None = None,
    actor: User | None = None,
    owner_active: bool = False,
    with_rows: Sequence[models.Model] = (),
) -> Provisioned:
    """Create an organization with its workspace, settings, subscription, owner membership and
    `workspace.created` audit row. Runs in the caller's transaction; inputs are clean.
    `owner_active` makes the membership active at once: only for an owner who has no other.
    An `owner` not saved yet is created in the same statement as the organization; `with_rows`,
    new rows that need it (the owner's address), are written in the same round trip."""
    now = timezone.now()
    organization = Organization(
        name=name,
        slug=slug,
        plan=plan,
        seats=seats or plan.seats,
        timezone=timezone_name,
        status=status,
        kind=kind,
    )
    enter_tenant(organization)  # the new tenant's rows are written in its own context
    ws_name = workspace_name or name
    workspace = Workspace(
        organization=organization, name=ws_name, slug=workspace_slug(ws_name, org_slug=slug)
    )
    billing_status, trial_ends_at = subscription_terms(plan, now=now)
    subscription = Subscription(
        organization=organization, billing_status=billing_status, trial_ends_at=trial_ends_at
    )
    membership = Membership(
        organization=organization,
        user=owner,
        role=Role.OWNER,
        joined_at=now,
        is_active=owner_active,
    )
    organization.workspace = workspace
    created = audit_entry(
        organization,
        actor=actor,
        action="workspace.created",
        target=workspace,
        details=provisioned_details(slug=slug, plan=plan, owner_email=owner.email),
    )
    # A new owner (not saved yet) is written with the rest.
    new_owner = [owner] if owner._state.adding else []
    insert_together(
        *new_owner,
        organization,
        workspace,
        WorkspaceSettings(organization=organization, workspace=workspace, timezone=timezone_name),
        subscription,
        membership,
        created,
        event_of_audit(created),
        *with_rows,
    )
    return Provisioned(organization, workspace, membership)


def workspace_slug(name: str, *, org_slug: str) -> str:
    """The slug of a new workspace: from its name, else its organization's."""
    return slugify(name)[:50] or org_slug


def subscription_terms(plan: Plan, *, now: datetime) -> tuple[str, datetime | None]:
    """A new subscription's billing status and trial end: a paid plan starts with a trial."""
    if plan.is_paid:
        return (
            Subscription.BillingStatus.TRIALING,
            now + timedelta(days=settings.CAUSELOOP_TRIAL_DAYS),
        )
    return Subscription.BillingStatus.ACTIVE, None


def provisioned_details(*, slug: str, plan: Plan, owner_email: str) -> dict[str, str]:
    """The details of a provisioning's `workspace.created` audit row."""
    return {"slug": slug, "plan": plan.code, "owner": owner_email}


def organization_create(
    *,
    user: User,
    name: str,
    slug: str | None = None,
    plan: str = Plan.Code.FREE,
    timezone_name: str = "UTC",
    kind: str = Organization.Kind.COMPANY,
) -> Organization:
    """Self-service: create an organization with the caller as owner, made active."""
    name = clean_name(name)
    plan_row = plan_get(plan)
    timezone_name = clean_timezone(timezone_name)
    kind = clean_kind(kind)
    status = (
        Organization.Status.PENDING
        if settings.CAUSELOOP_REQUIRE_ORG_APPROVAL
        else Organization.Status.ACTIVE
    )
    for _attempt in range(3):
        chosen = clean_slug(slug) if slug else unique_slug_from_name(name)
        if slug and not slug_is_available(chosen):
            raise slug_taken_error(chosen)
        try:
            with transaction.atomic():
                provisioned = organization_provision(
                    name=name,
                    slug=chosen,
                    owner=user,
                    plan=plan_row,
                    timezone_name=timezone_name,
                    status=status,
                    kind=kind,
                    actor=user,
                )
                membership_activate(membership=provisioned.membership)
                return provisioned.organization
        except IntegrityError:
            if slug:
                raise slug_taken_error(chosen) from None
            # Someone took the derived slug in the meantime: derive again.
    raise Conflict("Could not find a free slug; please choose one.", code="slug_taken")


def organization_delete(
    *, organization: Organization, actor: User | ApiKey, confirm_slug: str
) -> None:
    """Delete the organization (owner only), after the slug is typed to confirm: suspended at
    once, purged in the background (`onboarding.purge`)."""
    require_role(actor, organization, at_least=Role.OWNER)
    if confirm_slug != organization.slug:
        message = f'Type "{organization.slug}" to confirm.'
        raise ValidationFailed(message, code="confirmation_mismatch", fields={"confirm": [message]})
    organization_purge_queue(organization=organization)
