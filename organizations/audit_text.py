"""The audit trail as a person reads it: "Alice Example invited bob@acme.test as admin".

Each action the codebase writes has a label (for the log's filter) and a sentence; an action
this module does not know yet still reads as a generic sentence. A row's details are whatever
was stored when it was written (and erasure may have rewritten them), so every sentence reads
them defensively: a missing or odd value gives a vaguer sentence, never an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.timesince import timesince

from causeloop.core.dbsecurity import ERASED
from organizations.models import AuditLog, Plan, Subscription
from organizations.roles import Role


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


def ago(moment: datetime) -> str:
    """How long ago, in one unit: "just now", "5 minutes ago", "3 days ago"."""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, depth=1)} ago"


def describe(row: AuditLog) -> AuditEntry:
    """The row as a sentence. Reads `row.actor_user` and `row.actor_api_key`: select them
    with the row (`audit_log_page` does)."""
    actor, actor_email = _actor(row)
    details = row.details if isinstance(row.details, dict) else {}
    action = ACTIONS.get(row.action)
    text = action.text(_Details(details), row) if action else _generic(row)
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
            return f"API key “{key.name}” ({_last(key.last_four)})", ""
        return row.actor_name or "An API key", ""
    name = row.actor_name
    if not name or name == "platform":
        return "The platform", ""
    if name == ERASED:
        return "An erased person", ""
    return name, ""  # a person since gone: the email they had, frozen into the row


def _person(value: str, fallback: str = "someone") -> str:
    if not value:
        return fallback
    return "an erased person" if value == ERASED else value


# --- what -----------------------------------------------------------------------------------


class _Details:
    """A row's details, read defensively: strings come back as strings, anything else as ""."""

    def __init__(self, details: dict[str, Any]) -> None:
        self._details = details

    def text(self, key: str) -> str:
        value = self._details.get(key)
        return value.strip() if isinstance(value, str) else ""

    def raw(self, key: str) -> Any:
        return self._details.get(key)

    def role(self, key: str) -> str:
        value = self.text(key)
        return Role(value).label.lower() if value in Role.values else value

    def plan(self, key: str) -> str:
        value = self.text(key)
        return str(Plan.Code(value).label) if value in Plan.Code.values else value

    def fields(self) -> list[str]:
        return list(self._details)


@dataclass(frozen=True)
class _Action:
    group: str
    label: str
    text: Callable[[_Details, AuditLog], str]


def _quoted(value: str) -> str:
    return f"“{value}”" if value else ""


def _named(thing: str, name: str) -> str:
    """ "the template “Weekly”", or "a template" when the name was not kept."""
    return f"the {thing} {_quoted(name)}" if name else f"a {thing}"


def _last(four: str) -> str:
    """A key's last characters as the API keys page shows them: "…a1b2", never split by a
    line break (a word joiner holds the ellipsis to them)."""
    return f"…\u2060{four}"


def _key(details: _Details) -> str:
    name = details.text("name")
    last_four = details.text("fingerprint")
    return _named("API key", name) + (f" ({_last(last_four)})" if last_four else "")


def _joined(details: _Details, row: AuditLog) -> str:
    role = details.role("role")
    as_role = f" as {role}" if role else ""
    via = details.text("via")
    if via == "invitation":
        return f"joined{as_role}, accepting an invitation"
    if via == "invite_code":
        return f"joined{as_role} with an invite code"
    return f"added {_person(details.text('email'))}{as_role}"


def _role_changed(details: _Details, row: AuditLog) -> str:
    who = _person(details.text("email"))
    before, after = details.role("from"), details.role("to")
    if before and after:
        return f"changed the role of {who} from {before} to {after}"
    return f"changed the role of {who}" + (f" to {after}" if after else "")


def _removed(details: _Details, row: AuditLog) -> str:
    role = details.role("role")
    return f"removed {_person(details.text('email'))}" + (f" ({role})" if role else "")


def _settings(details: _Details, row: AuditLog) -> str:
    names = {
        "name": "organization's name",
        "slug": "slug",
        "timezone": "time zone",
        "kind": "organization's type",
    }
    changes = []
    for field in details.fields():
        change = details.raw(field)
        label = names.get(field, field.replace("_", " "))
        if isinstance(change, dict) and isinstance(change.get("to"), str):
            before = change.get("from")
            was = f" from {_quoted(before)}" if isinstance(before, str) and before else ""
            changes.append(f"the {label}{was} to {_quoted(change['to'])}")
        else:
            changes.append(f"the {label}")
    if not changes:
        return "changed the organization's settings"
    return "changed " + _and(changes)


def _branding(details: _Details, row: AuditLog) -> str:
    colours = [
        f"the {label} colour to {details.text(field)}"
        for field, label in (("primary_color", "primary"), ("secondary_color", "secondary"))
        if details.text(field)
    ]
    parts = [f"set {_and(colours)}"] if colours else []
    if "logo" in details.fields():
        parts.append("uploaded a new logo" if details.text("logo") else "removed the logo")
    return _and(parts) if parts else "changed the branding"


def _plan_changed(details: _Details, row: AuditLog) -> str:
    before, after = details.plan("from"), details.plan("to")
    if before and after:
        return f"changed the plan from {before} to {after}"
    return "changed the plan" + (f" to {after}" if after else "")


def _synced(details: _Details, row: AuditLog) -> str:
    plan = details.plan("plan")
    status = details.text("billing_status")
    if status in Subscription.BillingStatus.values:
        status = str(Subscription.BillingStatus(status).label).lower()
    seats = details.raw("seats")
    facts = ", ".join(
        part for part in (status, f"{seats} seats" if isinstance(seats, int) else "") if part
    )
    text = "updated the subscription from the billing provider"
    if plan:
        text += f": {plan}"
    return text + (f" ({facts})" if facts else "")


def _created_org(details: _Details, row: AuditLog) -> str:
    plan, owner = details.plan("plan"), details.text("owner")
    text = "created the organization"
    if plan:
        text += f" on the {plan} plan"
    if owner and owner.lower() != row.actor_name.lower():
        text += f" for {_person(owner)}"
    return text


def _template_updated(details: _Details, row: AuditLog) -> str:
    fields = details.raw("fields")
    name = _named("template", row.target_repr)
    if isinstance(fields, list) and fields and all(isinstance(f, str) for f in fields):
        return f"edited {name} ({_and([f.replace('_', ' ') for f in fields])})"
    return f"edited {name}"


def _and(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _generic(row: AuditLog) -> str:
    """An action this module does not know: its code in words, and what it was about."""
    words = row.action.replace(".", " ").replace("_", " ").strip() or "an unnamed action"
    about = f" ({row.target_repr})" if row.target_repr else ""
    return f"recorded “{words}”{about}"


def _fixed(text: str) -> Callable[[_Details, AuditLog], str]:
    return lambda details, row: text


def _code(verb: str) -> Callable[[_Details, AuditLog], str]:
    def text(details: _Details, row: AuditLog) -> str:
        code = row.target_repr
        return f"{verb} the invite code {code}" if code else f"{verb} an invite code"

    return text


def _template(verb: str) -> Callable[[_Details, AuditLog], str]:
    return lambda details, row: (
        f"{verb} {_named('template', details.text('name') or row.target_repr)}"
    )


def _invited(details: _Details, row: AuditLog) -> str:
    role = details.role("role")
    return f"invited {_person(details.text('email'))}" + (f" as {role}" if role else "")


def _about(text: str, key: str = "email") -> Callable[[_Details, AuditLog], str]:
    """A sentence about one person, named by the detail `key`: "revoked the invitation of {}"."""
    return lambda details, row: text.format(_person(details.text(key)))


def _rotated(details: _Details, row: AuditLog) -> str:
    old, new = details.text("old_fingerprint"), details.text("fingerprint")
    keys = f" (old {_last(old)}, new {_last(new)})" if old and new else ""
    return f"rotated {_named('API key', details.text('name'))}{keys}"


def _integration(verb: str) -> Callable[[_Details, AuditLog], str]:
    return lambda details, row: (
        f"{verb} {_named('integration', details.text('name') or row.target_repr)}"
    )


def _webhook(verb: str) -> Callable[[_Details, AuditLog], str]:
    return lambda d, r: f"{verb} the webhook endpoint {d.text('url') or r.target_repr}".rstrip()


def _limits(details: _Details, row: AuditLog) -> str:
    limits = details.raw("limits")
    changed = limits if isinstance(limits, dict) else {}
    parts = [
        f"{name} to {value if value is not None else 'the plan’s'}"
        for name, value in sorted(changed.items())
        if isinstance(name, str)
    ]
    return "set usage limits" + (f": {_and(parts)}" if parts else "")


_MEMBERS, _ORGANIZATION, _KEYS, _TEMPLATES, _BILLING, _USAGE, _HOOKS = (
    "People",
    "Organization",
    "API keys",
    "Templates",
    "Plan and billing",
    "Integrations",
    "Webhooks",
)

ACTIONS: dict[str, _Action] = {
    "member.invited": _Action(_MEMBERS, "Invitation sent", _invited),
    "member.invitation_resent": _Action(
        _MEMBERS, "Invitation resent", _about("sent the invitation to {} again")
    ),
    "member.invitation_revoked": _Action(
        _MEMBERS, "Invitation revoked", _about("revoked the invitation of {}")
    ),
    "member.joined": _Action(_MEMBERS, "Member joined", _joined),
    "member.role_changed": _Action(_MEMBERS, "Role changed", _role_changed),
    "member.left": _Action(_MEMBERS, "Member left", _fixed("left the organization")),
    "member.removed": _Action(_MEMBERS, "Member removed", _removed),
    "member.erased": _Action(
        _MEMBERS, "Person erased", _fixed("erased a person's data from the organization")
    ),
    "ownership.transferred": _Action(
        _MEMBERS, "Ownership transferred", _about("transferred ownership to {}", key="to")
    ),
    "invite_code.created": _Action(_MEMBERS, "Invite code created", _code("created")),
    "invite_code.deactivated": _Action(_MEMBERS, "Invite code deactivated", _code("deactivated")),
    "workspace.created": _Action(_ORGANIZATION, "Organization created", _created_org),
    "organization.updated": _Action(_ORGANIZATION, "Settings changed", _settings),
    "branding.updated": _Action(_ORGANIZATION, "Branding changed", _branding),
    "data.exported": _Action(
        _ORGANIZATION, "Data exported", _fixed("downloaded an export of the organization's data")
    ),
    "organization.suspended": _Action(
        _ORGANIZATION, "Suspended", _fixed("suspended the organization")
    ),
    "organization.reinstated": _Action(
        _ORGANIZATION, "Reinstated", _fixed("reinstated the organization")
    ),
    "organization.approved": _Action(
        _ORGANIZATION, "Approved", _fixed("approved the organization")
    ),
    "api_key.created": _Action(_KEYS, "API key created", lambda d, r: f"created {_key(d)}"),
    "api_key.rotated": _Action(_KEYS, "API key rotated", _rotated),
    "api_key.revoked": _Action(_KEYS, "API key revoked", lambda d, r: f"revoked {_key(d)}"),
    "template.created": _Action(_TEMPLATES, "Template created", _template("created")),
    "template.updated": _Action(_TEMPLATES, "Template edited", _template_updated),
    "template.deleted": _Action(_TEMPLATES, "Template deleted", _template("deleted")),
    "plan.changed": _Action(_BILLING, "Plan changed", _plan_changed),
    "subscription.synced": _Action(_BILLING, "Subscription updated", _synced),
    "limits.overridden": _Action(_BILLING, "Usage limits set", _limits),
    "integration.created": _Action(_USAGE, "Integration added", _integration("added")),
    "integration.updated": _Action(_USAGE, "Integration changed", _integration("changed")),
    "integration.deleted": _Action(_USAGE, "Integration removed", _integration("removed")),
    "webhook_endpoint.created": _Action(_HOOKS, "Webhook endpoint added", _webhook("added")),
    "webhook_endpoint.updated": _Action(_HOOKS, "Webhook endpoint changed", _webhook("changed")),
    "webhook_endpoint.deleted": _Action(_HOOKS, "Webhook endpoint removed", _webhook("removed")),
    "webhook_endpoint.secret_rotated": _Action(
        _HOOKS, "Webhook secret rotated", _webhook("rotated the signing secret of")
    ),
    "webhook_endpoint.disabled": _Action(
        _HOOKS, "Webhook endpoint disabled", _webhook("disabled, after 5 days of failures,")
    ),
}
