"""Keyset pages of a list kept in order by a moment and the row's public ID: newest first (the
audit trail, runs, deliveries) or, with `descending=False`, earliest first (members by when
they joined).

A page is one query and no count, however long the list: the rows past the cursor `after`, or
before the cursor `before`, in the list's order. A cursor is where a row stands in that order —
its moment in microseconds and its ID (`1733580000000000.run_01jd…`) — so a page link stays
right while rows are added. The pages and the API's cursor lists share it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import models
from django.db.models import QuerySet

from causeloop.core.errors import ValidationFailed

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# A cursor: its row's moment in microseconds (17 digits reach the year 5138) and public ID. The
# OpenAPI document gives the cursor parameters this pattern.
CURSOR_PATTERN = r"(\d{1,17})\.([a-z]{1,16}_[0-9a-z]{26})"
_CURSOR = re.compile(CURSOR_PATTERN)
BROKEN_CURSOR = "This page link is broken or out of date; here are the newest entries."


@dataclass(frozen=True)
class KeysetPage[M: models.Model]:
    """One page, in the list's order, and the cursors to its neighbours (None at either end):
    `older` — the next page, further down the list — goes in `after=`, `newer` — the previous
    page — in `before=`. (In an earliest-first list the next page holds later rows: the names
    say where the page lies in a newest-first list, the common case.)"""

    rows: list[M]
    older: str | None
    newer: str | None


def keyset_page[M: models.Model](
    rows: QuerySet[M],
    *,
    moment: str,
    after: str = "",
    before: str = "",
    size: int = 25,
    descending: bool = True,
) -> KeysetPage[M]:
    """A page of `rows`, by keyset: `rows` come ordered by `-moment, -id` (newest first), or
    by `moment, id` with `descending=False`. A cursor that is not one raises ValidationFailed
    (`invalid_cursor`)."""
    if before:
        at, pk = _position(before)
        # Back up the list: the rows before the cursor, nearest first, then put in order.
        preceding = _beyond(rows, moment, at, pk, downward=not descending)
        backwards = (moment, "pk") if descending else (f"-{moment}", "-pk")
        found = list(preceding.order_by(*backwards)[: size + 1])
        page = found[:size][::-1]
        return KeysetPage(
            rows=page,
            older=keyset_cursor(page[-1], moment=moment) if page else None,
            newer=keyset_cursor(page[0], moment=moment) if len(found) > size else None,
        )
    if after:
        at, pk = _position(after)
        rows = _beyond(rows, moment, at, pk, downward=descending)
    found = list(rows[: size + 1])
    page = found[:size]
    return KeysetPage(
        rows=page,
        older=keyset_cursor(page[-1], moment=moment) if len(found) > size else None,
        newer=keyset_cursor(page[0], moment=moment) if after and page else None,
    )


def _beyond[M: models.Model](
    rows: QuerySet[M], moment: str, at: datetime, pk: str, *, downward: bool
) -> QuerySet[M]:
    """The rows strictly below the position (`at`, `pk`) in (moment, id) order when
    `downward`, else strictly above it."""
    # The bound on the moment on its own lets an index on (organization, moment) find the start.
    if downward:
        return rows.filter(**{f"{moment}__lte": at}).exclude(**{moment: at, "pk__gte": pk})
    return rows.filter(**{f"{moment}__gte": at}).exclude(**{moment: at, "pk__lte": pk})


def keyset_cursor(row: models.Model, *, moment: str) -> str:
    """Where `row` stands in its list's order: its `moment` (in microseconds) and its ID."""
    return f"{(getattr(row, moment) - _EPOCH) // timedelta(microseconds=1)}.{row.pk}"


def _position(cursor: str) -> tuple[datetime, str]:
    match = _CURSOR.fullmatch(cursor)
    if match is not None:
        return _EPOCH + timedelta(microseconds=int(match[1])), match[2]
    raise ValidationFailed(BROKEN_CURSOR, code="invalid_cursor", fields={"cursor": [BROKEN_CURSOR]})
