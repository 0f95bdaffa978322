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
    actor: dict[str, Any] = {"name": entry.actor_name}
    if entry.actor_user_id:
        actor.update(type="user", id=entry.actor_user_id)
    elif entry.actor_api_key_id:
        actor.update(type="api_key", id=entry.actor_api_key_id)
    else:
        actor.update(type="platform", id=None)
    target = (
        {"type": entry.target_type, "id": entry.target_id, "name": entry.target_repr}
        if entry.target_type
        else None
    )
    return event_entry(
        entry.organization_id,
        type=entry.action,
        data={"audit_id": entry.pk, "actor": actor, "target": target, "details": entry.details},
    )
