"""An organization's name, slug, type, settings and status (suspend, reinstate, approve), and
the check that it may act at all."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from causeloop.core.errors import Conflict, Forbidden, ValidationFailed
from causeloop.core.tenancy import platform_lookup
from organizations.access import require_role
from organizations.audit import audit
from organizations.models import ApiKey, Organization, WorkspaceSettings
from organizations.roles import Role
from organizations.validation import clean_name, clean_slug, clean_timezone, slug_base_from_name

if TYPE_CHECKING:
    from memberships.models import User


def slug_taken_error(slug: str, *, field: str = "slug") -> Conflict:
    """`slug_taken`, in words a person can act on: the free address to try instead."""
    message = f'The address "{slug}" is taken — try "{unique_slug_from_name(slug)}".'
    return Conflict(message, code="slug_taken", fields={field: [message]})


def clean_kind(value: object, *, field: str = "kind") -> str:
    """One of the organization types (`Organization.Kind`)."""
    if value not in Organization.Kind.values:
        choices = ", ".join(label.lower() for label in Organization.Kind.labels)
        message = f"Choose the type of organization: {choices}."
        raise ValidationFailed(message, fields={field: [message]})
    return str(value)


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
    refusal = usability_refusal(organization)
    if refusal is not None:
        raise refusal


def usability_refusal(organization: Organization) -> Forbidden | None:
    """Why the tenant may not act now (`ensure_usable`'s refusal), or None."""
    if organization.status == Organization.Status.SUSPENDED:
        return Forbidden("This organization is suspended.", code="organization_suspended")
    if organization.status == Organization.Status.PENDING:
        return Forbidden(
            "This organization is awaiting the platform's approval.", code="organization_pending"
        )
    subscription = getattr(organization, "subscription", None)
    if subscription is not None and subscription.blocks_access:
        return Forbidden(
            f"This organization's billing is {subscription.get_billing_status_display().lower()}; "
            "access is suspended until it is settled.",
            code="organization_suspended",
        )
    return None


def _changed_fields(
    organization: Organization,
    *,
    name: str | None,
    slug: str | None,
    kind: str | None,
    timezone_name: str | None,
    settings_data: dict[str, Any] | None,
) -> dict[str, Any]:
    """The cleaned values that differ from the organization's; invalid ones are refused."""
    changes: dict[str, Any] = {}
    if name is not None and (name := clean_name(name)) != organization.name:
        changes["name"] = name
    if kind is not None and (kind := clean_kind(kind)) != organization.kind:
        changes["kind"] = kind
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
    return changes


@transaction.atomic
def organization_update(
    *,
    organization: Organization,
    actor: User | ApiKey,
    name: str | None = None,
    slug: str | None = None,
    kind: str | None = None,
    timezone_name: str | None = None,
    settings_data: dict[str, Any] | None = None,
) -> Organization:
    """Update name, slug, type, timezone or free-form settings (admin+)."""
    require_role(actor, organization, at_least=Role.ADMIN)
    changes = _changed_fields(
        organization,
        name=name,
        slug=slug,
        kind=kind,
        timezone_name=timezone_name,
        settings_data=settings_data,
    )
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
        WorkspaceSettings.objects.filter(organization=organization).update(
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


def _set_status(
    organization: Organization, status: str, action: str, actor: User | None
) -> Organization:
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        if locked.status == status:
            return locked
        if locked.is_being_purged:
            raise Conflict(
                "This organization is being purged: it stays suspended until it is gone.",
                code="organization_purging",
            )
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
    """Lift a suspension: the organization is active again."""
    return _set_status(organization, Organization.Status.ACTIVE, "organization.reinstated", actor)


def organization_approve(*, organization: Organization, actor: User | None = None) -> Organization:
    """The platform lets a pending organization start."""
    if organization.status != Organization.Status.PENDING:
        raise Conflict("Only a pending organization can be approved.", code="not_pending")
    return _set_status(organization, Organization.Status.ACTIVE, "organization.approved", actor)
