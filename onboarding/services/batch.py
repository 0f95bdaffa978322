"""Onboarding many clients at once: a batch of checked requests written with set-based
statements (one multi-row insert per table) in one transaction, leaving the same rows that
`onboard_client` leaves for each request one by one — only without paying a commit and a
handful of round trips per client.

The rules are `onboard_client`'s: a slug that is free is provisioned (organization, workspace,
settings, subscription, owner membership, `workspace.created` audit row and its event); a slug
its owner already has is "already onboarded" (nothing changes); a slug somebody else has is
refused (`slug_taken`). An owner found by email is reused (their membership made active if they
have no active one), a new owner is created with an unusable password and a verified address.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower
from django.utils import timezone

from causeloop.core.context import request_ip
from causeloop.core.db import insert_rows
from causeloop.core.errors import DomainError
from causeloop.core.ids import new_id
from causeloop.core.tenancy import platform_work
from memberships.models import Membership, User, unusable_password
from memberships.verification import add_verified_emails
from onboarding.lifecycle import provisioned_details, subscription_terms, workspace_slug
from onboarding.services.onboard import OnboardRequest, OnboardResult, onboard_client
from onboarding.services.welcome import send_owner_welcomes
from organizations.audit import actor_label
from organizations.events import audit_event_data
from organizations.models import (
    AuditLog,
    Event,
    Organization,
    Plan,
    Subscription,
    Workspace,
    WorkspaceSettings,
)
from organizations.roles import Role
from organizations.services.organizations import slug_taken_error
from organizations.services.plans import plan_get

# Rows per transaction: large enough that commits stop mattering, small enough that a batch
# that has to be replayed one by one (an unforeseen conflict) stays short.
BATCH_SIZE = 1000

# What onboarding one request came to: its IDs, or the refusal `onboard_client` would raise.
Outcome = OnboardResult | DomainError


def onboard_batch(requests: Sequence[OnboardRequest]) -> list[Outcome]:
    """Onboard checked requests with distinct slugs in one transaction, in the platform
    context; each gets what `onboard_client` would answer. A conflict nobody could foresee (a
    concurrent onboarding of the same owner) rolls the batch back and its requests are onboarded
    one by one instead. The welcome emails asked for are queued once the batch is committed."""
    if not requests:
        return []
    try:
        with platform_work():
            outcomes = _write(requests)
    except IntegrityError:
        return [onboard_one(request) for request in requests]
    welcomes = [
        [outcome.user_id, outcome.org_id]
        for request, outcome in zip(requests, outcomes, strict=True)
        if isinstance(outcome, OnboardResult) and outcome.created and request.send_welcome_email
    ]
    if welcomes:
        send_owner_welcomes.enqueue(welcomes)  # one task renders and queues them all
    return outcomes


def onboard_one(request: OnboardRequest) -> Outcome:
    """`onboard_client` in its own transaction in the platform context; a refusal is the
    answer, not an exception."""
    try:
        with platform_work():
            return onboard_client(request=request)
    except DomainError as error:
        return error


@dataclass
class _Owner:
    user_id: str
    email: str
    has_active_membership: bool


def _write(requests: Sequence[OnboardRequest]) -> list[Outcome]:
    """The batch's rows; runs inside its transaction."""
    now = timezone.now()
    plans = [plan_get(request.plan) for request in requests]
    org_ids = [new_id("org") for _ in requests]
    # A slug that exists already (a re-run, or somebody else's) is skipped, not an error, and
    # looked at afterwards: the common case — every slug new — costs no lookup.
    written = set(
        insert_rows(
            Organization,
            {
                "id": org_ids,
                "name": [request.org_name for request in requests],
                "slug": [request.org_slug for request in requests],
                "plan_id": [plan.code for plan in plans],
                "seats": [
                    request.seats or plan.seats
                    for request, plan in zip(requests, plans, strict=True)
                ],
                "timezone": [request.timezone for request in requests],
            },
            same={"status": Organization.Status.ACTIVE, "kind": Organization.Kind.COMPANY},
            skip_conflicts=True,
        )
    )
    outcomes: list[Outcome | None] = [None] * len(requests)
    skipped = [index for index, org_id in enumerate(org_ids) if org_id not in written]
    earlier = _earlier_onboardings([requests[index] for index in skipped])
    for index, outcome in zip(skipped, earlier, strict=True):
        outcomes[index] = outcome
    created = [index for index, org_id in enumerate(org_ids) if org_id in written]
    results = _provision(
        [requests[index] for index in created],
        org_ids=[org_ids[index] for index in created],
        plans=[plans[index] for index in created],
        now=now,
    )
    for index, result in zip(created, results, strict=True):
        outcomes[index] = result
    answered = [outcome for outcome in outcomes if outcome is not None]
    assert len(answered) == len(requests)  # each request was written or looked at
    return answered


def _earlier_onboardings(requests: Sequence[OnboardRequest]) -> list[Outcome]:
    """For requests whose slug exists: the earlier onboarding by the same owner, or
    `slug_taken` (as `existing_onboarding` answers each)."""
    if not requests:
        return []
    organizations = {
        organization.slug.lower(): organization
        for organization in Organization.objects.alias(slug_ci=Lower("slug"))
        .filter(slug_ci__in=[request.org_slug for request in requests])
        .select_related("workspace")
    }
    owners: dict[str, list[Membership]] = {}
    for membership in (
        Membership.objects.filter(organization__in=list(organizations.values()), role=Role.OWNER)
        .select_related("user")
        .order_by("joined_at", "id")
    ):
        owners.setdefault(membership.organization_id, []).append(membership)
    outcomes: list[Outcome] = []
    for request in requests:
        organization = organizations.get(request.org_slug)
        if organization is None:
            # The insert was skipped for another reason (the organization is gone again):
            # nothing to classify here, so the batch goes one by one.
            raise IntegrityError(f'organization "{request.org_slug}" conflicted but is not there')
        email = request.owner_email.lower()
        owner = next(
            (m for m in owners.get(organization.pk, []) if m.user.email.lower() == email), None
        )
        if owner is None:
            outcomes.append(slug_taken_error(request.org_slug, field="org_slug"))
            continue
        outcomes.append(
            OnboardResult(
                org_id=organization.pk,
                workspace_id=organization.workspace.pk,
                user_id=owner.user_id,
                membership_id=owner.pk,
                created=False,
            )
        )
    return outcomes


def _owners(requests: Sequence[OnboardRequest], *, now: datetime) -> list[tuple[_Owner, bool]]:
    """Each request's owner, found by email or created (in this batch's first row that names
    them), and whether its membership is the active one: the first of an owner who has none."""
    emails = {request.owner_email.lower() for request in requests}
    found = {
        email_ci: _Owner(user_id, email, has_active)
        for email_ci, user_id, email, has_active in User.objects.annotate(email_ci=Lower("email"))
        .filter(email_ci__in=emails)
        .annotate(
            has_active=Exists(Membership.objects.filter(user_id=OuterRef("pk"), is_active=True))
        )
        .values_list("email_ci", "pk", "email", "has_active")
    }
    new_users: list[tuple[_Owner, str]] = []
    owners: list[tuple[_Owner, bool]] = []
    for request in requests:
        key = request.owner_email.lower()
        owner = found.get(key)
        if owner is None:
            owner = found[key] = _Owner(new_id("usr"), request.owner_email, False)
            new_users.append((owner, request.owner_name))
        owners.append((owner, not owner.has_active_membership))
        owner.has_active_membership = True
    if new_users:
        # Both after the organizations: a row whose slug was refused creates nobody.
        insert_rows(
            User,
            {
                "id": [owner.user_id for owner, _name in new_users],
                "email": [owner.email for owner, _name in new_users],
                "name": [name for _owner, name in new_users],
                "password": [unusable_password() for _ in new_users],
            },
            same={"date_joined": now},
        )
        # The operator vouches for the addresses they were given.
        add_verified_emails([(owner.user_id, owner.email) for owner, _name in new_users])
    return owners


def _provision(
    requests: Sequence[OnboardRequest],
    *,
    org_ids: Sequence[str],
    plans: Sequence[Plan],
    now: datetime,
) -> list[OnboardResult]:
    """The rest of each new organization: owner, workspace, settings, subscription,
    membership, audit row and event (`organization_provision`'s rows)."""
    if not requests:
        return []
    owners = _owners(requests, now=now)
    count = len(requests)
    ws_ids = [new_id("ws") for _ in range(count)]
    membership_ids = [new_id("mem") for _ in range(count)]
    ws_names = [request.workspace_name or request.org_name for request in requests]
    terms = {plan.code: subscription_terms(plan, now=now) for plan in plans}
    insert_rows(
        Workspace,
        {
            "id": ws_ids,
            "organization_id": org_ids,
            "name": ws_names,
            "slug": [
                workspace_slug(name, org_slug=request.org_slug)
                for name, request in zip(ws_names, requests, strict=True)
            ],
        },
    )
    insert_rows(
        Subscription,
        {
            "id": [new_id("sub") for _ in range(count)],
            "organization_id": org_ids,
            "billing_status": [terms[plan.code][0] for plan in plans],
            "trial_ends_at": [terms[plan.code][1] for plan in plans],
        },
    )
    insert_rows(
        Membership,
        {
            "id": membership_ids,
            "user_id": [owner.user_id for owner, _active in owners],
            "organization_id": org_ids,
            "is_active": [active for _owner, active in owners],
        },
        same={"role": Role.OWNER, "joined_at": now},
    )
    details = [
        provisioned_details(slug=request.org_slug, plan=plan, owner_email=owner.email)
        for request, plan, (owner, _active) in zip(requests, plans, owners, strict=True)
    ]
    _audit_created(org_ids=org_ids, ws_ids=ws_ids, ws_names=ws_names, details=details)
    insert_rows(
        WorkspaceSettings,
        {
            "organization_id": org_ids,
            "workspace_id": ws_ids,
            "timezone": [request.timezone for request in requests],
        },
    )
    return [
        OnboardResult(
            org_id=org_id,
            workspace_id=ws_id,
            user_id=owner.user_id,
            membership_id=membership_id,
            created=True,
        )
        for org_id, ws_id, (owner, _active), membership_id in zip(
            org_ids, ws_ids, owners, membership_ids, strict=True
        )
    ]


def _audit_created(
    *,
    org_ids: Sequence[str],
    ws_ids: Sequence[str],
    ws_names: Sequence[str],
    details: Sequence[dict[str, str]],
) -> None:
    """Each new organization's `workspace.created` audit row by the platform, and its event
    (what `audit_entry` and `event_of_audit` make for one)."""
    action, actor_name = "workspace.created", actor_label(None)
    target_type = Workspace._meta.model_name or ""
    audit_ids = [new_id("aud") for _ in org_ids]
    target_reprs = [name[:254] for name in ws_names]  # str(workspace), as the row keeps it
    insert_rows(
        AuditLog,
        {
            "id": audit_ids,
            "organization_id": org_ids,
            "workspace_id": ws_ids,
            "target_id": ws_ids,
            "target_repr": target_reprs,
            "details": details,
        },
        same={
            "actor_name": actor_name,
            "action": action,
            "target_type": target_type,
            "ip_address": request_ip.get(),
        },
    )
    insert_rows(
        Event,
        {
            "id": [new_id("evt") for _ in org_ids],
            "organization_id": org_ids,
            "data": [
                {
                    "organization_id": org_id,
                    **audit_event_data(
                        audit_id=audit_id,
                        actor_name=actor_name,
                        actor_user_id=None,
                        actor_api_key_id=None,
                        target_type=target_type,
                        target_id=ws_id,
                        target_repr=target_repr,
                        details=detail,
                    ),
                }
                for org_id, audit_id, ws_id, target_repr, detail in zip(
                    org_ids, audit_ids, ws_ids, target_reprs, details, strict=True
                )
            ],
        },
        same={"type": action},
    )
