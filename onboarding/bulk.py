"""Bulk onboarding from CSV: each row in its own transaction, a report line per row."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO

from causeloop.core.errors import DomainError, ValidationFailed
from onboarding.services import (
    clean_onboard_request,
    existing_onboarding,
    onboard_client,
)
from organizations.services.organizations import slug_is_available

REQUIRED_COLUMNS = ("name", "slug", "email", "plan")
OPTIONAL_COLUMNS = ("owner_name", "workspace_name", "timezone", "seats")


@dataclass(frozen=True)
class RowOutcome:
    line: int
    slug: str
    outcome: str  # created | already onboarded | valid | failed
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"


def read_rows(stream: IO[str]) -> tuple[list[str], Iterator[dict[str, str]]]:
    """The CSV's header and its rows; refuses a header without the required columns."""
    reader = csv.DictReader(stream)
    header = [column.strip().lower() for column in (reader.fieldnames or [])]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        required, absent = ",".join(REQUIRED_COLUMNS), ", ".join(missing)
        raise ValidationFailed(f"the CSV header must include {required} (missing: {absent})")
    reader.fieldnames = header
    return header, reader


def _params(row: Mapping[str, str | None]) -> dict[str, object]:
    def value(column: str) -> str | None:
        raw = row.get(column)
        return raw.strip() if isinstance(raw, str) and raw.strip() else None

    return {
        "org_name": value("name") or "",
        "org_slug": value("slug") or "",
        "owner_email": value("email") or "",
        "plan": value("plan") or "free",
        "owner_name": value("owner_name"),
        "workspace_name": value("workspace_name"),
        "timezone": value("timezone") or "UTC",
        "seats": value("seats"),
    }


def onboard_rows(
    rows: Iterable[Mapping[str, str | None]],
    *,
    dry_run: bool = False,
    on_row: Callable[[RowOutcome], None] | None = None,
) -> list[RowOutcome]:
    """Onboard (or, with `dry_run`, validate) every row; one failure never stops the others."""
    outcomes: list[RowOutcome] = []
    seen_slugs: set[str] = set()
    for index, row in enumerate(rows, start=2):
        params = _params(row)
        slug = str(params["org_slug"])
        try:
            if None in row:
                raise ValidationFailed("the row has more values than the header has columns")
            if dry_run:
                verdict, detail = _validate_row(params, seen_slugs)
                outcome = RowOutcome(index, slug, verdict, detail)
            else:
                result = onboard_client(**params)
                outcome = RowOutcome(
                    index,
                    slug,
                    "created" if result.created else "already onboarded",
                    result.org_id,
                )
        except DomainError as error:
            outcome = RowOutcome(index, slug, "failed", error.message)
        outcomes.append(outcome)
        if on_row is not None:
            on_row(outcome)
    return outcomes


def _validate_row(params: dict[str, object], seen_slugs: set[str]) -> tuple[str, str]:
    """What onboarding this row would do, without writing anything."""
    request = clean_onboard_request(**params)
    if request.org_slug in seen_slugs:
        raise ValidationFailed(f'slug "{request.org_slug}" appears twice in this file')
    seen_slugs.add(request.org_slug)
    if slug_is_available(request.org_slug):
        return "valid", "would be created"
    # Re-running a file is safe: a slug this owner already has is not a failure.
    existing = existing_onboarding(request)
    return "already onboarded", existing.org_id if existing else ""
