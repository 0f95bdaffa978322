"""Bulk onboarding from CSV: the whole file is read and checked first, then its valid rows are
written in batches (`onboarding.services.batch`: one transaction and set-based statements per
batch), and each batch's report lines are given once it is committed. A row that fails never
spoils its neighbours; a re-run of the same file reports every row "already onboarded".

`one_by_one` onboards each row in its own transaction with `onboard_client` instead (the
reference the batches are tested against); `dry_run` checks every row without writing.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO

from django.db import DatabaseError, connection

from causeloop.core.errors import DomainError, ValidationFailed
from causeloop.core.tenancy import platform_work
from onboarding.fields import ONBOARD_FIELDS, Face
from onboarding.services.batch import BATCH_SIZE, Outcome, onboard_batch, onboard_one
from onboarding.services.onboard import (
    OnboardRequest,
    OnboardResult,
    existing_onboarding,
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


@dataclass(frozen=True)
class CheckedRow:
    """A CSV row after checking: its request, or why it has none."""

    line: int
    slug: str
    request: OnboardRequest | None
    error: str = ""


class OnboardingStopped(Exception):
    """The database failed while writing a batch: the rows reported so far are onboarded, the
    batch's and the later ones are not (running the file again finishes it)."""


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


def checked_rows(
    rows: Iterable[Mapping[str, str | None]], *, send_welcome_email: bool = True
) -> Iterator[CheckedRow]:
    """Each row checked as every face checks a request, and against the file's other rows (a
    slug may appear once). Without `send_welcome_email` no row asks for a welcome email,
    whatever its own column says."""
    seen_slugs: set[str] = set()
    for line, row in enumerate(rows, start=2):
        cells = _cells(row)
        if not send_welcome_email:
            cells["send_welcome_email"] = "false"
        try:
            if None in row:
                raise ValidationFailed("the row has more values than the header has columns")
            request = onboard_request_from(cells, face=Face.CSV)
            if request.org_slug in seen_slugs:
                raise ValidationFailed(f'slug "{request.org_slug}" appears twice in this file')
        except DomainError as error:
            yield CheckedRow(line, cells["slug"], None, error.message)
            continue
        seen_slugs.add(request.org_slug)
        yield CheckedRow(line, cells["slug"], request)


def onboard_rows(
    rows: Iterable[Mapping[str, str | None]],
    *,
    dry_run: bool = False,
    one_by_one: bool = False,
    batch_size: int = BATCH_SIZE,
    on_rows: Callable[[Sequence[RowOutcome]], None] | None = None,
    send_welcome_email: bool = True,
) -> list[RowOutcome]:
    """Onboard (or, with `dry_run`, check) every row, in batches of `batch_size` rows (or
    `one_by_one`); one failure never stops the others. `on_rows` hears of each batch's rows, in
    file order, once the batch is committed. Raises `OnboardingStopped` if the database fails."""
    checked = list(checked_rows(rows, send_welcome_email=send_welcome_email))
    outcomes: list[RowOutcome] = []

    def report(batch: Sequence[RowOutcome]) -> None:
        outcomes.extend(batch)
        if on_rows is not None:
            on_rows(batch)

    if dry_run or one_by_one or connection.vendor != "postgresql":
        # SQLite (a local try-out) has no set-based path: every row is its own transaction.
        for row in checked:
            report([_dry_run_row(row) if dry_run else _one_row(row)])
        return outcomes
    for start in range(0, len(checked), batch_size):
        chunk = checked[start : start + batch_size]
        try:
            report(_batch_rows(chunk))
        except DatabaseError as error:
            raise OnboardingStopped(
                f"the database failed on the rows {chunk[0].line}–{chunk[-1].line} ({error}); "
                "the rows reported above are onboarded, these and the later ones are not: "
                "run the file again to finish"
            ) from error
    return outcomes


def _row_outcome(row: CheckedRow, outcome: Outcome) -> RowOutcome:
    if isinstance(outcome, OnboardResult):
        verdict = "created" if outcome.created else "already onboarded"
        return RowOutcome(row.line, row.slug, verdict, outcome.org_id)
    return RowOutcome(row.line, row.slug, "failed", outcome.message)


def _failed(row: CheckedRow) -> RowOutcome:
    return RowOutcome(row.line, row.slug, "failed", row.error)


def _batch_rows(chunk: Sequence[CheckedRow]) -> list[RowOutcome]:
    """The chunk's valid rows written as one batch; every row's outcome, in file order."""
    written = iter(onboard_batch([row.request for row in chunk if row.request is not None]))
    return [
        _failed(row) if row.request is None else _row_outcome(row, next(written)) for row in chunk
    ]


def _one_row(row: CheckedRow) -> RowOutcome:
    if row.request is None:
        return _failed(row)
    return _row_outcome(row, onboard_one(row.request))


def _dry_run_row(row: CheckedRow) -> RowOutcome:
    """What onboarding this row would do, without writing anything."""
    if row.request is None:
        return _failed(row)
    try:
        with platform_work():
            if slug_is_available(row.request.org_slug):
                return RowOutcome(row.line, row.slug, "valid", "would be created")
            # Re-running a file is safe: a slug this owner already has is not a failure.
            existing = existing_onboarding(row.request)
    except DomainError as error:
        return RowOutcome(row.line, row.slug, "failed", error.message)
    return RowOutcome(row.line, row.slug, "already onboarded", existing.org_id if existing else "")
