"""Bulk onboarding from CSV: each row in its own transaction, a report line per row."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO

from causeloop.core.errors import DomainError, ValidationFailed
from onboarding.fields import ONBOARD_FIELDS, Face
from onboarding.services.onboard import (
    OnboardRequest,
    existing_onboarding,
    onboard_client,
    onboard_request_from,
)
from organizations.services.organizations import slug_is_available

REQUIRED_COLUMNS = tuple(field.csv_column for field in ONBOARD_FIELDS if field.csv_column_required)


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


def _cells(row: Mapping[str, str | None]) -> dict[str, str]:
    """The row's cells trimmed; a cell the row lacks is empty."""
    return {field.csv_column: (row.get(field.csv_column) or "").strip() for field in ONBOARD_FIELDS}


def onboard_rows(
    rows: Iterable[Mapping[str, str | None]],
    *,
    dry_run: bool = False,
    on_row: Callable[[RowOutcome], None] | None = None,
    send_welcome_email: bool = True,
) -> list[RowOutcome]:
    """Onboard (or, with `dry_run`, validate) every row; one failure never stops the others.
    Without `send_welcome_email` no row's owner is mailed, whatever its own column says."""
    outcomes: list[RowOutcome] = []
    seen_slugs: set[str] = set()
    for index, row in enumerate(rows, start=2):
        cells = _cells(row)
        if not send_welcome_email:
            cells["send_welcome_email"] = "false"
        slug = cells["slug"]
        try:
            if None in row:
                raise ValidationFailed("the row has more values than the header has columns")
            request = onboard_request_from(cells, face=Face.CSV)
            if dry_run:
                verdict, detail = _validate_row(request, seen_slugs)
                outcome = RowOutcome(index, slug, verdict, detail)
            else:
                result = onboard_client(request=request)
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


def _validate_row(request: OnboardRequest, seen_slugs: set[str]) -> tuple[str, str]:
    """What onboarding this row would do, without writing anything."""
    if request.org_slug in seen_slugs:
        raise ValidationFailed(f'slug "{request.org_slug}" appears twice in this file')
    seen_slugs.add(request.org_slug)
    if slug_is_available(request.org_slug):
        return "valid", "would be created"
    # Re-running a file is safe: a slug this owner already has is not a failure.
    existing = existing_onboarding(request)
    return "already onboarded", existing.org_id if existing else ""
