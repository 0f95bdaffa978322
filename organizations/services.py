"""Business rules for organizations: creation, settings, status, plan, branding, API keys,
templates and data export."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.text import capfirst, slugify

from causeloop.core.crypto import keyed_hash, random_secret
from causeloop.core.db import insert_together
from causeloop.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from causeloop.core.tenancy import acting_for, enter_tenant, platform_lookup
from memberships.models import Membership, User
from memberships.services.active import membership_activate
from organizations.access import require_role
from organizations.audit import audit, audit_entry
from organizations.audit_rewrites import purge_audit_rows
from organizations.branding import clean_logo, discard_logo_on_commit
from organizations.models import (
    ApiKey,
    AuditLog,
    Organization,
    Plan,
    Subscription,
    Template,
    Workspace,
    WorkspaceSettings,
)
from organizations.roles import Role
from organizations.validation import (
    clean_color,
    clean_name,
    clean_optional_text,
    clean_seats,
    clean_slug,
    clean_timezone,
    has_control_characters,
    slug_base_from_name,
)

logger = logging.getLogger(__name__)


# --- lookups and status ---------------------------------------------------------------------


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


def slug_taken_error(slug: str, *, field: str = "slug") -> Conflict:
    message = f'organization slug "{slug}" is already taken'
    return Conflict(message, code="slug_taken", fields={field: [message]})


def slug_is_available(slug: str) -> bool:
    with platform_lookup():  # slugs are unique across every tenant
        return not Organization.objects.with_slug(slug).exists()


def unique_slug_from_name(name: str) -> str:
    """`acme-corp`, then `acme-corp-2`, `acme-corp-3`, … whichever is free first."""
    base = slug_base_from_name(name)
    with platform_lookup():  # slugs are unique across every tenant
        taken = set(
            Organization.objects.filter(slug__startswith=base).values_list("slug", flat=True)
        )
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def ensure_usable(organization: Organization) -> None:
    """Refuse with `organization_suspended` when the tenant may not act (suspension, or
    billing that blocks access)."""
    if organization.status == Organization.Status.SUSPENDED:
        raise Forbidden("This organization is suspended.", code="organization_suspended")
    if organization.status == Organization.Status.PENDING:
        raise Forbidden(
            "This organization is awaiting the platform's approval.", code="organization_pending"
        )
    subscription = getattr(organization, "subscription", None)
    if subscription is not None and subscription.blocks_access:
        raise Forbidden(
            f"This organization's billing is {subscription.get_billing_status_display().lower()}; "
            "access is suspended until it is settled.",
            code="organization_suspended",
        )


# --- creation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Provisioned:
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
) -> Provisioned:
    """Create an organization with its workspace, settings, subscription, owner membership and
    `workspace.created` audit row. Runs in the caller's transaction; inputs are clean.
    `owner_active` makes the membership active at once: only for an owner who has no other.
    An `owner` not saved yet is created in the same statement as the organization."""
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
        organization=organization, name=ws_name, slug=slugify(ws_name)[:50] or slug
    )
    subscription = Subscription(
        organization=organization,
        billing_status=(
            Subscription.BillingStatus.TRIALING
            if plan.is_paid
            else Subscription.BillingStatus.ACTIVE
        ),
        trial_ends_at=now + timedelta(days=settings.CAUSELOOP_TRIAL_DAYS) if plan.is_paid else None,
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
        details={"slug": slug, "plan": plan.code, "owner": owner.email},
    )
    # A new owner (not saved yet) is written with the rest.
    new_owner = [owner] if owner._state.adding else []
    insert_together(*new_owner, organization, workspace, subscription, membership, created)
    # Its own statement: the row-level security policy of the settings looks the workspace up,
    # and a statement does not see its own inserts.
    insert_together(WorkspaceSettings(workspace=workspace, timezone=timezone_name))
    return Provisioned(organization, workspace, membership)


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
    if kind not in Organization.Kind.values:
        message = f'"{kind}" is not an organization type.'
        raise ValidationFailed(message, fields={"kind": [message]})
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


# --- settings, status and plan --------------------------------------------------------------


@transaction.atomic
def organization_update(
    *,
    organization: Organization,
    actor: User | ApiKey,
    name: str | None = None,
    slug: str | None = None,
    timezone_name: str | None = None,
    settings_data: dict[str, Any] | None = None,
) -> Organization:
    """Update name, slug, timezone or free-form settings (admin+)."""
    require_role(actor, organization, at_least=Role.ADMIN)
    changes: dict[str, Any] = {}
    if name is not None and (name := clean_name(name)) != organization.name:
        changes["name"] = name
    if slug is not None and (slug := clean_slug(slug)) != organization.slug:
        if not slug_is_available(slug):
            raise slug_taken_error(slug)
        changes["slug"] = slug
    if timezone_name is not None and (tz := clean_timezone(timezone_name)) != organization.timezone:
        changes["timezone"] = tz
    if settings_data is not None:
        if not isinstance(settings_data, dict) or len(str(settings_data)) > 10_000:
            message = "Settings must be an object of at most 10 kB."
            raise ValidationFailed(message, fields={"settings": [message]})
        if settings_data != organization.settings:
            changes["settings"] = settings_data
    if not changes:
        return organization
    before = {field: getattr(organization, field) for field in changes}
    for field, value in changes.items():
        setattr(organization, field, value)
    try:
        with transaction.atomic():
            organization.save(update_fields=[*changes, "updated_at"])
    except IntegrityError:
        raise slug_taken_error(changes.get("slug", organization.slug)) from None
    if "timezone" in changes:
        WorkspaceSettings.objects.filter(workspace__organization=organization).update(
            timezone=changes["timezone"]
        )
    audit(
        organization,
        actor=actor,
        action="organization.updated",
        target=organization,
        details={
            field: {"from": str(before[field]), "to": str(changes[field])}
            for field in changes
            if field != "settings"
        },
    )
    return organization


def organization_purge(*, organization: Organization) -> dict[str, int]:
    """Delete the organization and everything beneath it; user rows stay (they may belong
    elsewhere). Members whose active organization this was get their next one activated."""
    with transaction.atomic():
        enter_tenant(organization)  # the audit purge acts within the caller's context
        member_ids = list(organization.memberships.values_list("user_id", flat=True))
        org_id, slug = organization.pk, organization.slug
        discard_logo_on_commit(organization.logo.name or "")  # no files outlive the tenant
        _count, per_model = organization.delete()
        # The one way audit rows leave: with their organization, once it is gone.
        per_model[AuditLog._meta.label] = purge_audit_rows(organization_id=org_id)
        for user_id in member_ids:
            with acting_for(user_id):  # their memberships in the other organizations
                following = Membership.objects.filter(user_id=user_id).order_by("joined_at").first()
                if (
                    following
                    and not Membership.objects.filter(user_id=user_id, is_active=True).exists()
                ):
                    Membership.objects.filter(pk=following.pk).update(is_active=True)
    logger.info("organization purged", extra={"org_id": org_id, "slug": slug})
    return {label.split(".")[-1]: count for label, count in per_model.items()}


def organization_delete(
    *, organization: Organization, actor: User | ApiKey, confirm_slug: str
) -> None:
    """Delete the organization (owner only), after the slug is typed to confirm."""
    require_role(actor, organization, at_least=Role.OWNER)
    if confirm_slug != organization.slug:
        message = f'Type "{organization.slug}" to confirm.'
        raise ValidationFailed(message, code="confirmation_mismatch", fields={"confirm": [message]})
    organization_purge(organization=organization)


def _set_status(
    organization: Organization, status: str, action: str, actor: User | None
) -> Organization:
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        if locked.status == status:
            return locked
        locked.status = status
        locked.suspended_at = timezone.now() if status == Organization.Status.SUSPENDED else None
        locked.save(update_fields=["status", "suspended_at", "updated_at"])
        audit(locked, actor=actor, action=action, target=locked)
    organization.status, organization.suspended_at = locked.status, locked.suspended_at
    return locked


def organization_suspend(*, organization: Organization, actor: User | None = None) -> Organization:
    """Suspend: data kept, members see a suspended page, the API answers 403."""
    return _set_status(organization, Organization.Status.SUSPENDED, "organization.suspended", actor)


def organization_reinstate(
    *, organization: Organization, actor: User | None = None
) -> Organization:
    return _set_status(organization, Organization.Status.ACTIVE, "organization.reinstated", actor)


def organization_approve(*, organization: Organization, actor: User | None = None) -> Organization:
    if organization.status != Organization.Status.PENDING:
        raise Conflict("Only a pending organization can be approved.", code="not_pending")
    return _set_status(organization, Organization.Status.ACTIVE, "organization.approved", actor)


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
    if plan_row.is_paid and subscription.trial_ends_at is None:
        subscription.billing_status = Subscription.BillingStatus.TRIALING
        subscription.trial_ends_at = timezone.now() + timedelta(days=settings.CAUSELOOP_TRIAL_DAYS)
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


# --- branding -------------------------------------------------------------------------------


@transaction.atomic
def branding_update(
    *,
    organization: Organization,
    actor: User | ApiKey,
    primary_color: str | None = None,
    secondary_color: str | None = None,
    logo: UploadedFile | None = None,
    remove_logo: bool = False,
) -> Organization:
    """Change the logo and brand colours (admin+)."""
    require_role(actor, organization, at_least=Role.ADMIN)
    changed: dict[str, Any] = {}
    if primary_color is not None:
        changed["primary_color"] = clean_color(primary_color, field="primary_color")
    if secondary_color is not None:
        changed["secondary_color"] = clean_color(secondary_color, field="secondary_color")
    cleaned_logo = clean_logo(logo) if logo is not None else None
    for field, value in changed.items():
        setattr(organization, field, value)
    previous_logo = organization.logo.name or ""
    if remove_logo and organization.logo:
        organization.logo = None
        changed["logo"] = None
    if cleaned_logo is not None:
        organization.logo.save(cleaned_logo.name or "logo", cleaned_logo, save=False)
        changed["logo"] = organization.logo.name
    if "logo" in changed:
        discard_logo_on_commit(previous_logo)  # replaced or removed: gone once this commits
    if changed:
        organization.save(update_fields=[*changed, "updated_at"])
        audit(
            organization,
            actor=actor,
            action="branding.updated",
            target=organization,
            details={k: v for k, v in changed.items()},
        )
    return organization


# --- API keys -------------------------------------------------------------------------------


def _issue_api_key(
    organization: Organization,
    *,
    name: str,
    scopes: list[str],
    created_by: User | None,
    expires_at: datetime | None,
    rotated_from: ApiKey | None = None,
) -> tuple[ApiKey, str]:
    secret = f"{organization.slug}_api_{random_secret(24)}"
    api_key = ApiKey.objects.create(
        organization=organization,
        name=name,
        key_hash=keyed_hash(secret),
        last_four=secret[-4:],
        scopes=scopes,
        created_by=created_by,
        expires_at=expires_at,
        rotated_from=rotated_from,
    )
    return api_key, secret


@transaction.atomic
def api_key_create(
    *,
    organization: Organization,
    actor: User | ApiKey,
    name: str,
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new API key; the full key is returned once and stored only as a keyed hash."""
    require_role(actor, organization, at_least=Role.ADMIN)
    name = clean_name(name)
    if scopes is not None and (
        not isinstance(scopes, list)
        or len(scopes) > 50
        or not all(isinstance(s, str) and 0 < len(s) <= 64 and s.isprintable() for s in scopes)
    ):
        message = "Scopes must be a list of short strings."
        raise ValidationFailed(message, fields={"scopes": [message]})
    if expires_at is not None and expires_at <= timezone.now():
        message = "Expiry must be in the future."
        raise ValidationFailed(message, fields={"expires_at": [message]})
    api_key, secret = _issue_api_key(
        organization,
        name=name,
        scopes=scopes or [],
        created_by=actor if isinstance(actor, User) else None,
        expires_at=expires_at,
    )
    audit(
        organization,
        actor=actor,
        action="api_key.created",
        target=api_key,
        details={"name": name, "fingerprint": api_key.last_four},
    )
    return api_key, secret


@transaction.atomic
def api_key_provision(
    *, organization: Organization, name: str, replace_existing: bool = False
) -> tuple[ApiKey, str]:
    """The platform's key for a client: the first one at onboarding, or, with
    `replace_existing`, a fresh one that revokes every key the organization had."""
    revoked = 0
    if replace_existing:
        revoked = ApiKey.objects.filter(organization=organization, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    api_key, secret = _issue_api_key(
        organization, name=name, scopes=[], created_by=None, expires_at=None
    )
    audit(
        organization,
        actor=None,
        action="api_key.created",
        target=api_key,
        details={"name": name, "fingerprint": api_key.last_four, "replaced": revoked},
    )
    return api_key, secret


@transaction.atomic
def api_key_rotate(*, api_key: ApiKey, actor: User | ApiKey) -> tuple[ApiKey, str]:
    """Issue a replacement and revoke the old key, in one step."""
    organization = api_key.organization
    require_role(actor, organization, at_least=Role.ADMIN)
    locked = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if locked.revoked_at is not None:
        raise Conflict("This key is revoked; create a new one instead.", code="api_key_revoked")
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    new_key, secret = _issue_api_key(
        organization,
        name=locked.name,
        scopes=locked.scopes,
        created_by=actor if isinstance(actor, User) else None,
        expires_at=locked.expires_at,
        rotated_from=locked,
    )
    audit(
        organization,
        actor=actor,
        action="api_key.rotated",
        target=new_key,
        details={
            "name": locked.name,
            "old_fingerprint": locked.last_four,
            "fingerprint": new_key.last_four,
        },
    )
    return new_key, secret


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor: User | ApiKey) -> ApiKey:
    require_role(actor, api_key.organization, at_least=Role.ADMIN)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit(
            api_key.organization,
            actor=actor,
            action="api_key.revoked",
            target=api_key,
            details={"name": api_key.name, "fingerprint": api_key.last_four},
        )
    return api_key


# --- templates ------------------------------------------------------------------------------


def _clean_template_fields(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "name" in data or not partial:
        cleaned["name"] = clean_name(data.get("name"), label="Name")
    if "kind" in data or not partial:
        kind = data.get("kind", Template.Kind.PROMPT)
        if kind not in Template.Kind.values:
            message = '"kind" must be "agent" or "prompt".'
            raise ValidationFailed(message, fields={"kind": [message]})
        cleaned["kind"] = kind
    if "description" in data:
        cleaned["description"] = clean_optional_text(
            data["description"],
            field="description",
            max_length=2000,
            label="Description",
            multiline=True,
        )
    if "body" in data:
        body = data["body"] if data["body"] is not None else ""
        if not isinstance(body, str):
            raise ValidationFailed("Body must be text.", fields={"body": ["Must be text."]})
        if len(body.encode()) > Template.MAX_BODY_BYTES:
            message = "Body must be at most 100 kB."
            raise ValidationFailed(message, fields={"body": [message]})
        if "\x00" in body or has_control_characters(body, multiline=True):
            message = "Body must not contain control characters other than line breaks and tabs."
            raise ValidationFailed(message, fields={"body": [message]})
        cleaned["body"] = body
    return cleaned


@transaction.atomic
def template_create(
    *, organization: Organization, actor: User | ApiKey, data: dict[str, Any]
) -> Template:
    """A new shared template (analyst+)."""
    require_role(actor, organization, at_least=Role.ANALYST)
    template = Template.objects.create(
        organization=organization,
        created_by=actor if isinstance(actor, User) else None,
        **_clean_template_fields(data, partial=False),
    )
    audit(
        organization,
        actor=actor,
        action="template.created",
        target=template,
        details={"name": template.name},
    )
    return template


@transaction.atomic
def template_update(*, template: Template, actor: User | ApiKey, data: dict[str, Any]) -> Template:
    require_role(actor, template.organization, at_least=Role.ANALYST)
    changes = _clean_template_fields(data, partial=True)
    for field, value in changes.items():
        setattr(template, field, value)
    if changes:
        template.save(update_fields=[*changes, "updated_at"])
        audit(
            template.organization,
            actor=actor,
            action="template.updated",
            target=template,
            details={"fields": sorted(changes)},
        )
    return template


@transaction.atomic
def template_delete(*, template: Template, actor: User | ApiKey) -> None:
    require_role(actor, template.organization, at_least=Role.ANALYST)
    audit(
        template.organization,
        actor=actor,
        action="template.deleted",
        target=template,
        details={"name": template.name},
    )
    template.delete()


# --- data export ----------------------------------------------------------------------------


def organization_export(*, organization: Organization, actor: User | ApiKey) -> dict[str, Any]:
    """Everything the organization holds, as JSON-ready data (admin+). Secrets never leave."""
    require_role(actor, organization, at_least=Role.ADMIN)
    with transaction.atomic():
        data = {
            "exported_at": timezone.now().isoformat(),
            "organization": {
                "id": organization.pk,
                "name": organization.name,
                "slug": organization.slug,
                "status": organization.status,
                "plan": organization.plan_id,
                "seats": organization.seats,
                "timezone": organization.timezone,
                "primary_color": organization.primary_color,
                "secondary_color": organization.secondary_color,
                "settings": organization.settings,
                "created_at": organization.created_at.isoformat(),
            },
            "members": [
                {
                    "id": m.pk,
                    "user_id": m.user_id,
                    "email": m.user.email,
                    "name": m.user.name,
                    "role": m.role,
                    "joined_at": m.joined_at.isoformat(),
                }
                for m in organization.memberships.select_related("user")
            ],
            "invitations": [
                {
                    "id": i.pk,
                    "email": i.email,
                    "role": i.role,
                    "state": i.state,
                    "created_at": i.created_at.isoformat(),
                    "expires_at": i.expires_at.isoformat(),
                }
                for i in organization.invitations.all()
            ],
            "api_keys": [
                {
                    "id": k.pk,
                    "name": k.name,
                    "fingerprint": k.last_four,
                    "scopes": k.scopes,
                    "created_at": k.created_at.isoformat(),
                    "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
                }
                for k in organization.api_keys.all()
            ],
            "templates": [
                {
                    "id": t.pk,
                    "name": t.name,
                    "kind": t.kind,
                    "description": t.description,
                    "body": t.body,
                    "updated_at": t.updated_at.isoformat(),
                }
                for t in organization.templates.all()
            ],
            "audit_log": [
                {
                    "id": a.pk,
                    "action": a.action,
                    "actor": a.actor_name,
                    "target_id": a.target_id,
                    "details": a.details,
                    "ip_address": a.ip_address,
                    "created_at": a.created_at.isoformat(),
                }
                for a in organization.audit_logs.all()
            ],
        }
        audit(organization, actor=actor, action="data.exported", target=organization)
    return data


def get_owned(model: type[models.Model], organization: Organization, pk: object) -> Any:
    """A row of `model` that belongs to `organization`, or NotFound whatever `pk` looks like."""
    not_found = NotFound(f"{capfirst(model._meta.verbose_name)} not found.")
    if not isinstance(pk, str) or len(pk) > 64 or not pk.isprintable():
        raise not_found
    row = model._default_manager.filter(organization=organization, pk=pk).first()
    if row is None:
        raise not_found
    return row
