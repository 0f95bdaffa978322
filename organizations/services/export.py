"""An organization's data export (the right of access): everything it holds, secrets never.

The document is written to a stream section by section, `CHUNK` rows per query (keyset: each
chunk starts after the last row of the one before, no OFFSET and no cursor held open), each
query its own short transaction in the tenant's context. Memory stays bounded whatever the
organization holds, and no transaction lasts as long as the export. `onboarding.services.exports`
runs it in the background and keeps the file; `causeloop.web.api.exports` types the document.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from causeloop.core.tenancy import enter_tenant
from organizations.models import Organization

CHUNK = 2000


@dataclass(frozen=True)
class Section:
    """One list of the document: its rows, the order they come in (`by`, then the primary key)
    and what each row says."""

    name: str
    rows: QuerySet[Any]
    by: str
    descending: bool
    row: Callable[[Any], dict[str, Any]]


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def export_sections(organization: Organization) -> list[Section]:
    """The document's lists, in the document's order."""
    return [
        Section(
            "members",
            organization.memberships.select_related("user"),
            "joined_at",
            False,
            lambda m: {
                "id": m.pk,
                "user_id": m.user_id,
                "email": m.user.email,
                "name": m.user.name,
                "role": m.role,
                "joined_at": _iso(m.joined_at),
            },
        ),
        Section(
            "invitations",
            organization.invitations.all(),
            "created_at",
            True,
            lambda i: {
                "id": i.pk,
                "email": i.email,
                "role": i.role,
                "state": i.state,
                "created_at": _iso(i.created_at),
                "expires_at": _iso(i.expires_at),
            },
        ),
        Section(
            "api_keys",
            organization.api_keys.all(),
            "created_at",
            True,
            lambda k: {
                "id": k.pk,
                "name": k.name,
                "fingerprint": k.last_four,
                "scopes": k.scopes,
                "created_at": _iso(k.created_at),
                "revoked_at": _iso(k.revoked_at),
            },
        ),
        Section(
            "templates",
            organization.templates.all(),
            "name",
            False,
            lambda t: {
                "id": t.pk,
                "name": t.name,
                "kind": t.kind,
                "description": t.description,
                "body": t.body,
                "updated_at": _iso(t.updated_at),
            },
        ),
        Section(
            "integrations",
            organization.integrations.defer("credential"),  # never read, never written
            "name",
            False,
            lambda i: {
                "id": i.pk,
                "name": i.name,
                "kind": i.kind,
                "fingerprint": i.last_four,
                "created_at": _iso(i.created_at),
            },
        ),
        Section(
            "usage",
            organization.usage_days.all(),
            "day",
            False,
            lambda u: {"date": u.day.isoformat(), "runs": u.runs},
        ),
        Section(
            "audit_log",
            organization.audit_logs.all(),
            "created_at",
            True,
            lambda a: {
                "id": a.pk,
                "action": a.action,
                "actor": a.actor_name,
                "target_id": a.target_id,
                "details": a.details,
                "ip_address": a.ip_address,
                "created_at": _iso(a.created_at),
            },
        ),
    ]


def export_header(organization: Organization) -> dict[str, Any]:
    """What the document says before its lists: when, and the organization itself."""
    return {
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
    }


def export_rows_expected(organization: Organization) -> int:
    """How many rows the document's lists will hold (one count per list, for progress)."""
    with transaction.atomic():
        enter_tenant(organization)
        return sum(section.rows.order_by().count() for section in export_sections(organization))


def export_write(
    organization: Organization,
    out: IO[str],
    *,
    on_rows: Callable[[int], None] | None = None,
) -> int:
    """Write the organization's export document, as JSON, to `out`; `on_rows(n)` after each
    chunk of `n` rows. Returns how many rows its lists hold."""
    header = export_header(organization).items()
    out.write("{\n")
    out.write(",\n".join(f"{json.dumps(key)}: {json.dumps(value)}" for key, value in header))
    written = 0
    for section in export_sections(organization):
        out.write(f",\n{json.dumps(section.name)}: [")
        first = True
        for chunk in _chunks(organization, section):
            for row in chunk:
                out.write("\n" if first else ",\n")
                out.write(json.dumps(section.row(row)))
                first = False
            written += len(chunk)
            if on_rows is not None:
                on_rows(len(chunk))
        out.write("\n]" if not first else "]")
    out.write("\n}\n")
    return written


def _chunks(organization: Organization, section: Section) -> Iterator[list[models.Model]]:
    """The section's rows in (`by`, pk) order, `CHUNK` at a time, by keyset."""
    by, descending = section.by, section.descending
    ordered = section.rows.order_by(*((f"-{by}", "-pk") if descending else (by, "pk")))
    rows = ordered
    while True:
        with transaction.atomic():
            enter_tenant(organization)
            chunk = list(rows[:CHUNK].iterator(chunk_size=CHUNK))  # no result cache kept
        if chunk:
            yield chunk
        if len(chunk) < CHUNK:
            return
        value, pk = getattr(chunk[-1], by), chunk[-1].pk
        # The bound on `by` alone lets the index on (organization, by) find where to start.
        if descending:
            rows = ordered.filter(**{f"{by}__lte": value}).exclude(Q(**{by: value, "pk__gte": pk}))
        else:
            rows = ordered.filter(**{f"{by}__gte": value}).exclude(Q(**{by: value, "pk__lte": pk}))
