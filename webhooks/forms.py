"""The webhook pages' form: shapes only; the services validate the URL, the description and the
event types and decide.

An endpoint receives every event (its filter empty, types added later included) or only the
types and groups ticked. The checkboxes come grouped by the part of the type before the dot,
each group with its wildcard (`member.*`) where it holds more than one type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from webhooks.addresses import MAX_URL_LENGTH
from webhooks.catalog import event_types, group_of

ALL, CHOSEN = "all", "chosen"
# How a group reads on the page; a group not named here reads as its prefix, capitalised.
GROUP_NAMES = {
    "api_key": "API keys",
    "branding": "Branding",
    "data": "Data",
    "integration": "Integrations",
    "invite_code": "Invite codes",
    "limits": "Usage limits",
    "member": "Members and invitations",
    "organization": "Organization",
    "ownership": "Ownership",
    "plan": "Plan",
    "run": "Runs",
    "subscription": "Subscription",
    "template": "Templates",
    "webhook": "Tests",
    "webhook_endpoint": "Webhook endpoints",
    "workspace": "Workspace",
}
SUMMARY_SHOWN = 3
WILDCARD_LABEL = "All of them, including types added later"


@dataclass(frozen=True)
class EventChoice:
    value: str  # `member.joined`, or a group's `member.*`
    label: str
    checked: bool


@dataclass(frozen=True)
class EventGroup:
    """One fieldset of checkboxes: a group's wildcard (when it has several types) and types."""

    prefix: str
    name: str
    wildcard: EventChoice | None
    types: list[EventChoice]


def _groups() -> dict[str, dict[str, str]]:
    groups: dict[str, dict[str, str]] = {}
    for code, label in event_types().items():
        groups.setdefault(code.split(".", 1)[0], {})[code] = label
    return groups


def group_name(prefix: str) -> str:
    return GROUP_NAMES.get(prefix, prefix.replace("_", " ").capitalize())


def events_summary(types: list[str]) -> str:
    """An endpoint's filter in a few words: "All events", or the first few entries."""
    if not types:
        return "All events"
    shown = ", ".join(types[:SUMMARY_SHOWN])
    more = len(types) - SUMMARY_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="URL",
        max_length=MAX_URL_LENGTH,
        help_text="An HTTPS address on the public internet, such as "
        "https://example.com/webhooks/causeloop.",
        error_messages={
            "required": "Enter the URL of your endpoint, such as https://example.com/webhooks.",
            "max_length": f"The URL must be at most {MAX_URL_LENGTH:,} characters.",
        },
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    description = forms.CharField(
        max_length=200,
        required=False,
        help_text="What receives the events, e.g. “Billing service”.",
    )
    events = forms.ChoiceField(
        label="Events to send",
        choices=[
            (ALL, "All events, including types added later"),
            (CHOSEN, "Only the types ticked"),
        ],
        initial=ALL,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose all events or the types to send.",
            "invalid_choice": "Choose all events or the types to send.",
        },
    )
    event_types = forms.MultipleChoiceField(
        label="Event types",
        required=False,
        error_messages={"invalid_choice": "%(value)s is not an event type; tick listed ones."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (value, label)
            for prefix, types in _groups().items()
            for value, label in [(f"{prefix}.*", WILDCARD_LABEL), *types.items()]
        ]
        self.fields["event_types"].choices = choices  # type: ignore[attr-defined]

    @classmethod
    def for_endpoint(cls, *, url: str, description: str, event_types: list[str]) -> EndpointForm:
        """The form filled in with an endpoint's saved settings."""
        return cls(
            initial={
                "url": url,
                "description": description,
                "events": CHOSEN if event_types else ALL,
                "event_types": event_types,
            }
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        mode, types = cleaned.get("events"), cleaned.get("event_types") or []
        if mode == CHOSEN and not types and "event_types" not in self.errors:
            self.add_error("event_types", "Tick at least one event type, or choose all events.")
        elif mode == ALL and types:
            self.add_error(
                "event_types",
                "You chose all events and ticked some types too: choose “Only the types "
                "ticked” to send just those, or untick them.",
            )
        elif mode == CHOSEN:
            # A group ticked covers its own types: keep the group only.
            groups = {value for value in types if value.endswith(".*")}
            cleaned["event_types"] = [
                value for value in types if value in groups or group_of(value) not in groups
            ]
        else:
            cleaned["event_types"] = []
        return cleaned

    def event_groups(self) -> list[EventGroup]:
        """The checkboxes, grouped, each ticked as the form stands (sent or saved)."""
        ticked = set(self["event_types"].value() or [])
        groups = []
        for prefix, types in _groups().items():
            wildcard = f"{prefix}.*"
            groups.append(
                EventGroup(
                    prefix=prefix,
                    name=group_name(prefix),
                    # A group of one type needs no wildcard, unless one was saved (by the API).
                    wildcard=EventChoice(wildcard, WILDCARD_LABEL, wildcard in ticked)
                    if len(types) > 1 or wildcard in ticked
                    else None,
                    types=[
                        EventChoice(code, label, code in ticked) for code, label in types.items()
                    ],
                )
            )
        return groups
