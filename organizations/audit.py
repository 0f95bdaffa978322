"""Writing the audit trail: one call, inside the caller's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from causeloop.core.context import request_ip
from organizations.events import event_of_audit
from organizations.models import ApiKey, AuditLog, Organization

if TYPE_CHECKING:
    from memberships.models import User


def actor_label(actor: User | ApiKey | None) -> str:
    """The actor's name as it is now, frozen into the row."""
    if actor is None:
        return "platform"
    if isinstance(actor, ApiKey):
        return actor.display_name
    return actor.email


def audit(
    organization: Organization,
    *,
    actor: User | ApiKey | None,
    action: str,
    target: models.Model | None = None,
    details: dict[str, Any] | None = None,
    actor_name: str | None = None,
) -> AuditLog:
    """Append one audit row for `organization`, and its event. `actor_name` names an actor
    that is neither a person nor an API key (a SCIM token: `actor` is then None)."""
    entry = audit_entry(
        organization,
        actor=actor,
        action=action,
        target=target,
        details=details,
        actor_name=actor_name,
    )
    entry.save(force_insert=True)
    event_of_audit(entry).save(force_insert=True)
    return entry


def audit_entry(
    organization: Organization,
    *,
    actor: User | ApiKey | None,
    action: str,
    target: models.Model | None = None,
    details: dict[str, Any] | None = None,
    actor_name: str | None = None,
) -> AuditLog:
    """The audit row `audit()` would append, not yet saved (for writing it with other rows;
    write `organizations.events.event_of_audit(entry)` with it)."""
    workspace_id = getattr(getattr(organization, "workspace", None), "pk", None)
    return AuditLog(
        organization=organization,
        workspace_id=workspace_id,
        actor_user=None if actor is None or isinstance(actor, ApiKey) else actor,
        actor_api_key=actor if isinstance(actor, ApiKey) else None,
        actor_name=actor_name or actor_label(actor),
        action=action,
        target_type=(target._meta.model_name or "") if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:254] if target is not None else "",
        details=details or {},
        ip_address=request_ip.get(),
    )
