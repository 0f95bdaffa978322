"""The audit trail as a person reads it: "Alice Example invited bob@acme.test as admin".

Each action the codebase writes has a label (for the log's filter) and a sentence; an action
this module does not know yet still reads as a generic sentence. A row's details are whatever
was stored when it was written (and erasure may have rewritten them), so every sentence reads
them defensively: a missing or odd value gives a vaguer sentence, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.timesince import timesince

from causeloop.core.dbsecurity import ERASED
from organizations.audit_actions import ACTIONS, Details, generic, last_four
from organizations.models import AuditLog


@dataclass(frozen=True)
class AuditEntry:
    """One audit row, told: `actor` did `text`."""

    row: AuditLog
    actor: str  # "Alice Example", "API key “CI” (…a1b2)", "The platform"
    actor_email: str  # the email behind `actor` when it is a person named otherwise; else ""
    text: str  # the rest of the sentence: "invited bob@acme.test as admin"

    @property
    def sentence(self) -> str:
        return f"{self.actor} {self.text}"

    @property
    def ago(self) -> str:
        return ago(self.row.created_at)


def ago(moment: datetime | None) -> str:
    """How long ago, in one unit: "just now", "5 minutes ago", "3 days ago" ("" for a moment
    that never was: a token never used, a domain never checked)."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, depth=1)} ago"


def describe(row: AuditLog) -> AuditEntry:
    """The row as a sentence. Reads `row.actor_user` and `row.actor_api_key`: select them
    with the row (`audit_log_page` does)."""
    actor, actor_email = _actor(row)
    details = row.details if isinstance(row.details, dict) else {}
    action = ACTIONS.get(row.action)
    text = action.text(Details(details), row) if action else generic(row)
    return AuditEntry(row=row, actor=actor, actor_email=actor_email, text=text)


def describe_all(rows: list[AuditLog]) -> list[AuditEntry]:
    return [describe(row) for row in rows]


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The known actions, grouped, for a <select>: [(group, [(action, label), …]), …]."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, action in ACTIONS.items():
        groups.setdefault(action.group, []).append((code, action.label))
    return list(groups.items())


# --- who ------------------------------------------------------------------------------------


def _related(row: AuditLog, field: str) -> Any:
    """The actor row, or None when the reference points at nothing (the columns carry no
    database constraint: a person or key may be gone while their rows stay)."""
    try:
        return getattr(row, field)
    except ObjectDoesNotExist:
        return None


def _actor(row: AuditLog) -> tuple[str, str]:
    user = _related(row, "actor_user") if row.actor_user_id else None
    if user is not None:
        email = user.email
        return user.display_name, email if user.display_name != email else ""
    if row.actor_api_key_id:
        key = _related(row, "actor_api_key")
        if key is not None:
            return f"API key “{key.name}” ({last_four(key.last_four)})", ""
        return row.actor_name or "An API key", ""
    name = row.actor_name
    if not name or name == "platform":
        return "The platform", ""
    if name == ERASED:
        return "An erased person", ""
    return name, ""  # a person since gone: the email they had, frozen into the row
