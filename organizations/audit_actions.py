"""What each audit action reads as: its label (the log's filter), its group, and the sentence
told from a row's details. `organizations.audit_text` tells a whole row (who, what, when).

A row's details are whatever was stored when it was written (and erasure may have rewritten
them), so every sentence reads them defensively: a missing or odd value gives a vaguer
sentence, never an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from causeloop.core.dbsecurity import ERASED
from organizations.models import AuditLog, Plan, Subscription
from organizations.roles import Role


def _person(value: str, fallback: str = "someone") -> str:
    if not value:
        return fallback
    return "an erased person" if value == ERASED else value


# --- what -----------------------------------------------------------------------------------


class Details:
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
    text: Callable[[Details, AuditLog], str]


def _quoted(value: str) -> str:
    return f"“{value}”" if value else ""


def _named(thing: str, name: str) -> str:
    """ "the template “Weekly”", or "a template" when the name was not kept."""
    return f"the {thing} {_quoted(name)}" if name else f"a {thing}"


def last_four(four: str) -> str:
    """A key's last characters as the API keys page shows them: "…a1b2", never split by a
    line break (a word joiner holds the ellipsis to them)."""
    return f"…\u2060{four}"


def _key(details: Details) -> str:
    name = details.text("name")
    four = details.text("fingerprint")
    return _named("API key", name) + (f" ({last_four(four)})" if four else "")


def _joined(details: Details, row: AuditLog) -> str:
    role = details.role("role")
    as_role = f" as {role}" if role else ""
    via = details.text("via")
    if via == "invitation":
        return f"joined{as_role}, accepting an invitation"
    if via == "invite_code":
        return f"joined{as_role} with an invite code"
    if via == "domain_policy":
        return f"joined{as_role}, by the organization's verified email domain"
    if via == "domain":
        return f"added {_person(details.text('email'))}{as_role}, by the verified email domain"
    if via == "directory":
        return f"added {_person(details.text('email'))}{as_role} from the directory"
    return f"added {_person(details.text('email'))}{as_role}"


def _role_changed(details: Details, row: AuditLog) -> str:
    who = _person(details.text("email"))
    before, after = details.role("from"), details.role("to")
    if before and after:
        return f"changed the role of {who} from {before} to {after}"
    return f"changed the role of {who}" + (f" to {after}" if after else "")


def _removed(details: Details, row: AuditLog) -> str:
    role = details.role("role")
    return f"removed {_person(details.text('email'))}" + (f" ({role})" if role else "")


def _settings(details: Details, row: AuditLog) -> str:
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


def _branding(details: Details, row: AuditLog) -> str:
    colours = [
        f"the {label} colour to {details.text(field)}"
        for field, label in (("primary_color", "primary"), ("secondary_color", "secondary"))
        if details.text(field)
    ]
    parts = [f"set {_and(colours)}"] if colours else []
    if "logo" in details.fields():
        parts.append("uploaded a new logo" if details.text("logo") else "removed the logo")
    return _and(parts) if parts else "changed the branding"


def _plan_changed(details: Details, row: AuditLog) -> str:
    before, after = details.plan("from"), details.plan("to")
    if before and after:
        return f"changed the plan from {before} to {after}"
    return "changed the plan" + (f" to {after}" if after else "")


def _synced(details: Details, row: AuditLog) -> str:
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


def _created_org(details: Details, row: AuditLog) -> str:
    plan, owner = details.plan("plan"), details.text("owner")
    text = "created the organization"
    if plan:
        text += f" on the {plan} plan"
    if owner and owner.lower() != row.actor_name.lower():
        text += f" for {_person(owner)}"
    return text


def _template_updated(details: Details, row: AuditLog) -> str:
    fields = details.raw("fields")
    name = _named("template", row.target_repr)
    if isinstance(fields, list) and fields and all(isinstance(f, str) for f in fields):
        return f"edited {name} ({_and([f.replace('_', ' ') for f in fields])})"
    return f"edited {name}"


def _and(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def generic(row: AuditLog) -> str:
    """An action this module does not know: its code in words, and what it was about."""
    words = row.action.replace(".", " ").replace("_", " ").strip() or "an unnamed action"
    about = f" ({row.target_repr})" if row.target_repr else ""
    return f"recorded “{words}”{about}"


def _fixed(text: str) -> Callable[[Details, AuditLog], str]:
    return lambda details, row: text


def _code(verb: str) -> Callable[[Details, AuditLog], str]:
    def text(details: Details, row: AuditLog) -> str:
        code = row.target_repr
        return f"{verb} the invite code {code}" if code else f"{verb} an invite code"

    return text


def _template(verb: str) -> Callable[[Details, AuditLog], str]:
    return lambda details, row: (
        f"{verb} {_named('template', details.text('name') or row.target_repr)}"
    )


def _invited(details: Details, row: AuditLog) -> str:
    role = details.role("role")
    return f"invited {_person(details.text('email'))}" + (f" as {role}" if role else "")


def _about(text: str, key: str = "email") -> Callable[[Details, AuditLog], str]:
    """A sentence about one person, named by the detail `key`: "revoked the invitation of {}"."""
    return lambda details, row: text.format(_person(details.text(key)))


def _rotated(details: Details, row: AuditLog) -> str:
    old, new = details.text("old_fingerprint"), details.text("fingerprint")
    keys = f" (old {last_four(old)}, new {last_four(new)})" if old and new else ""
    hours = details.raw("grace_period_hours")
    grace = ""
    if isinstance(hours, int) and not isinstance(hours, bool) and hours > 0:
        grace = f"; the old key works for {hours} more hour{'s' if hours != 1 else ''}"
    return f"rotated {_named('API key', details.text('name'))}{keys}{grace}"


def _moment(text: str) -> str:
    """An ISO time from the details as people read it: "8 Dec 2026, 10:00 UTC"."""
    try:
        moment = datetime.fromisoformat(text).astimezone(UTC)
    except ValueError:
        return text or "later"
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def _domain(verb: str) -> Callable[[Details, AuditLog], str]:
    return lambda d, r: f"{verb} the domain {d.text('domain') or r.target_repr}".rstrip()


def _policy(details: Details, row: AuditLog) -> str:
    policy = {"suggest": "suggest joining", "auto_join": "join automatically"}.get(
        details.text("to"), ""
    )
    domain = details.text("domain") or row.target_repr
    return f"set people on {domain} to {policy}" if policy else f"changed the policy of {domain}"


def _scim_token(verb: str) -> Callable[[Details, AuditLog], str]:
    def text(details: Details, row: AuditLog) -> str:
        four = details.text("fingerprint")
        name = _named("SCIM token", details.text("name"))
        return f"{verb} {name}" + (f" ({last_four(four)})" if four else "")

    return text


def _integration(verb: str) -> Callable[[Details, AuditLog], str]:
    return lambda details, row: (
        f"{verb} {_named('integration', details.text('name') or row.target_repr)}"
    )


def _webhook(verb: str) -> Callable[[Details, AuditLog], str]:
    return lambda d, r: f"{verb} the webhook endpoint {d.text('url') or r.target_repr}".rstrip()


def _limits(details: Details, row: AuditLog) -> str:
    limits = details.raw("limits")
    changed = limits if isinstance(limits, dict) else {}
    parts = [
        f"{name} to {value if value is not None else 'the plan’s'}"
        for name, value in sorted(changed.items())
        if isinstance(name, str)
    ]
    return "set usage limits" + (f": {_and(parts)}" if parts else "")


_MEMBERS, _ORGANIZATION, _KEYS, _TEMPLATES, _BILLING, _USAGE, _HOOKS, _DIRECTORY = (
    "People",
    "Organization",
    "API keys",
    "Templates",
    "Plan and billing",
    "Integrations",
    "Webhooks",
    "Domains and directory",
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
        _ORGANIZATION, "Data exported", _fixed("asked for an export of the organization's data")
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
    "api_key.grace_started": _Action(
        _KEYS,
        "Old API key expiring",
        lambda d, r: f"let {_key(d)} keep working until {_moment(d.text('expires_at'))}",
    ),
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
    "domain.added": _Action(_DIRECTORY, "Domain added", _domain("added")),
    "domain.verified": _Action(_DIRECTORY, "Domain verified", _domain("verified")),
    "domain.policy_changed": _Action(_DIRECTORY, "Domain policy changed", _policy),
    "domain.removed": _Action(_DIRECTORY, "Domain removed", _domain("removed")),
    "scim_token.created": _Action(_DIRECTORY, "SCIM token created", _scim_token("created")),
    "scim_token.revoked": _Action(_DIRECTORY, "SCIM token revoked", _scim_token("revoked")),
    "member.deactivated": _Action(
        _DIRECTORY, "Member deactivated", _about("deactivated {} from the directory")
    ),
    "member.reactivated": _Action(
        _DIRECTORY, "Member reactivated", _about("reactivated {} from the directory")
    ),
    "directory_user.updated": _Action(
        _DIRECTORY, "Directory record changed", _about("updated the directory record of {}")
    ),
    "directory_user.deleted": _Action(
        _DIRECTORY, "Directory record deleted", _about("deleted the directory record of {}")
    ),
}
