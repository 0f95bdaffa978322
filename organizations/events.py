"""The event outbox: what happened to an organization, written in the caller's transaction so
the change and its event commit together or not at all (§10).

Every audit row has its event (`audit()` writes both); usage events that are not audit rows
(a run started, finished or refused) are emitted here directly.
"""

from __future__ import annotations

from typing import Any

from organizations.models import AuditLog, Event, Organization


def event_entry(
    organization: Organization | str, *, type: str, data: dict[str, Any], relayed: bool = False
) -> Event:
    """The event `emit()` would write, not yet saved (for writing it with other rows)."""
    org_id = organization if isinstance(organization, str) else organization.pk
    return Event(
        organization_id=org_id, type=type, data={"organization_id": org_id, **data}, relayed=relayed
    )


def emit(
    organization: Organization | str, *, type: str, data: dict[str, Any], relayed: bool = False
) -> Event:
    """Append one event for `organization`, in the caller's transaction. The webhook relay
    sends it to the organization's endpoints once it commits, unless it is marked `relayed`
    (an event its writer delivers itself, such as a test event for one endpoint)."""
    event = event_entry(organization, type=type, data=data, relayed=relayed)
    event.save(force_insert=True)
    return event


def event_of_audit(entry: AuditLog) -> Event:
    """The event an audit row stands for: same action, actor, target and details, no address."""
    return event_entry(
        entry.organization_id,
        type=entry.action,
        data=audit_event_data(
            audit_id=entry.pk,
            actor_name=entry.actor_name,
            actor_user_id=entry.actor_user_id,
            actor_api_key_id=entry.actor_api_key_id,
            target_type=entry.target_type,
            target_id=entry.target_id,
            target_repr=entry.target_repr,
            details=entry.details,
        ),
    )


def audit_event_data(
    *,
    audit_id: str,
    actor_name: str,
    actor_user_id: str | None,
    actor_api_key_id: str | None,
    target_type: str,
    target_id: str,
    target_repr: str,
    details: dict[str, Any],
) -> dict[str, Any]:
    """The data of the event an audit row with these values stands for (without the
    organization, which `event_entry` adds); for writers of many rows at once."""
    actor: dict[str, Any] = {"name": actor_name}
    if actor_user_id:
        actor.update(type="user", id=actor_user_id)
    elif actor_api_key_id:
        actor.update(type="api_key", id=actor_api_key_id)
    else:
        actor.update(type="platform", id=None)
    target = {"type": target_type, "id": target_id, "name": target_repr} if target_type else None
    return {"audit_id": audit_id, "actor": actor, "target": target, "details": details}
