"""Keyset pages of a list kept newest first, by a moment and the row's public ID.

A page is one query and no count, however long the list: rows older than the cursor `after`,
or newer than `before`. A cursor is where a row stands in that order — its moment in
microseconds and its ID (`1733580000000000.run_01jd…`) — so a page link stays right while
rows are added at the top. The audit trail's pages and the API's cursor lists share it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import models
from django.db.models import QuerySet

from causeloop.core.errors import ValidationFailed

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"(\d{1,18})\.([a-z]{1,16}_[0-9a-z]{26})")
BROKEN_CURSOR = "This page link is broken or out of date; here are the newest entries."


@dataclass(frozen=True)
class KeysetPage[M: models.Model]:
    """One page, newest first, and the cursors to its neighbours (None at either end):
    `older` goes in `after=`, `newer` in `before=`."""

    rows: list[M]
    older: str | None
    newer: str | None


def keyset_page[M: models.Model](
    rows: QuerySet[M], *, moment: str, after: str = "", before: str = "", size: int = 25
) -> KeysetPage[M]:
    """A page of `rows` (ordered by `-moment, -id`), by keyset. A cursor that is not one
    raises ValidationFailed (`invalid_cursor`)."""
    if before:
        at, pk = _position(before)
        # The bound on its own lets an index on (organization, moment) find the start.
        newer = rows.filter(**{f"{moment}__gte": at}).exclude(**{moment: at, "pk__lte": pk})
        found = list(newer.order_by(moment, "pk")[: size + 1])
        page = found[:size][::-1]
        return KeysetPage(
            rows=page,
            older=keyset_cursor(page[-1], moment=moment) if page else None,
            newer=keyset_cursor(page[0], moment=moment) if len(found) > size else None,
        )
    if after:
        at, pk = _position(after)
        rows = rows.filter(**{f"{moment}__lte": at}).exclude(**{moment: at, "pk__gte": pk})
    found = list(rows[: size + 1])
    page = found[:size]
    return KeysetPage(
        rows=page,
        older=keyset_cursor(page[-1], moment=moment) if len(found) > size else None,
        newer=keyset_cursor(page[0], moment=moment) if after and page else None,
    )


def keyset_cursor(row: models.Model, *, moment: str) -> str:
    """Where `row` stands in its list's order: its `moment` (in microseconds) and its ID."""
    return f"{(getattr(row, moment) - _EPOCH) // timedelta(microseconds=1)}.{row.pk}"


def _position(cursor: str) -> tuple[datetime, str]:
    match = _CURSOR.fullmatch(cursor)
    try:
        if match is not None:
            return _EPOCH + timedelta(microseconds=int(match[1])), match[2]
    except OverflowError:  # past the year 9999
        pass
    raise ValidationFailed(BROKEN_CURSOR, code="invalid_cursor", fields={"cursor": [BROKEN_CURSOR]})
