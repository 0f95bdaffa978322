"""The event types an endpoint can subscribe to: every audit action (its label from the audit
trail), the usage events of §9, and the test event. A filter entry is a type or a group of
them (`member.*`)."""

from __future__ import annotations

from collections.abc import Collection

from causeloop.core.errors import ValidationFailed
from organizations.audit_text import ACTIONS

USAGE_EVENTS = {
    "run.started": "Run started",
    "run.finished": "Run finished",
    "run.refused": "Run refused by a quota",
}
TEST_EVENT = "webhook.test"
MAX_FILTER_ENTRIES = 100


def event_types() -> dict[str, str]:
    """Every type, with its label, sorted by type."""
    types = {code: action.label for code, action in ACTIONS.items()}
    types.update(USAGE_EVENTS)
    types[TEST_EVENT] = "Test event"
    return dict(sorted(types.items()))


def event_groups() -> list[str]:
    """The groups a filter may name with a wildcard: `member.*`, `run.*`, …"""
    return sorted({group_of(code) for code in event_types()})


def group_of(event_type: str) -> str:
    """The group a type belongs to, as a filter names it: `member.joined` → `member.*`."""
    return event_type.split(".", 1)[0] + ".*"


def matches(entries: Collection[str], event_type: str) -> bool:
    """Whether a filter's entries name `event_type`, itself or by its group."""
    return event_type in entries or group_of(event_type) in entries


def clean_event_types(value: object) -> list[str]:
    """An endpoint's filter: a list of known types or groups, without repeats; empty = all."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _invalid('"event_types" must be a list of event types, such as ["member.joined"].')
    if len(value) > MAX_FILTER_ENTRIES:
        raise _invalid(f'"event_types" may list at most {MAX_FILTER_ENTRIES} entries.')
    known = set(event_types()) | set(event_groups())
    unknown = [item for item in value if item not in known]
    if unknown:
        shown = ", ".join(repr(item[:64]) for item in unknown[:3])
        raise _invalid(f"Unknown event type {shown}; GET /api/v1/event-types lists them.")
    return list(dict.fromkeys(value))


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={"event_types": [message]})
