"""List pagination: `?page=` (and `?page_size=`), with `next` and `previous` links, a deep page
as cheap as the first; and, for lists without bound (runs), `?cursor=` pages by keyset
(`causeloop.core.keyset`): the same links, no count, one query whatever the length of the
list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from rest_framework import pagination
from rest_framework.request import Request
from rest_framework.utils.urls import remove_query_param, replace_query_param

from causeloop.core.errors import ValidationFailed
from causeloop.core.keyset import KeysetPage


class IdsFirstPaginator(Paginator):
    """Django's paginator, but a page past the first of a queryset reads its rows in two
    steps: the page's IDs first — an offset over the index of the list's order, touching
    nothing but that index — then those rows, with what they bring along (`select_related`).
    Page 400 of 20,000 members then costs what page 1 does, instead of joining and sorting
    every member before it."""

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        rows = self.object_list
        if number == 1 or not isinstance(rows, QuerySet):
            return super().page(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(rows.values_list("pk", flat=True)[bottom:top])
        found = {row.pk: row for row in rows.filter(pk__in=ids).order_by()}
        # A row deleted between the two reads is simply not on the page.
        return Page([found[pk] for pk in ids if pk in found], number, self)


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` from 1 (past the last page a 404, as DRF has it) and `?page_size=`; either one
    that is not a whole number in bounds is a 400 naming it, never quietly the default."""

    django_paginator_class = IdsFirstPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        return page_size(request.query_params.get(self.page_size_query_param))

    def get_page_number(self, request: Request, paginator: Paginator) -> int:
        return _whole(request.query_params.get(self.page_query_param), "page", 1, LAST_PAGE)


# The highest page number asked for that is not refused (past the last page is a 404).
LAST_PAGE = 2**31 - 1


def _whole(raw: str | None, name: str, default: int, most: int) -> int:
    """Query parameter `name` as a whole number from 1 to `most`: `default` when it is absent,
    a 400 `invalid_<name>` when it is anything else (empty too)."""
    if raw is None:
        return default
    value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None
    if value is None or not 1 <= value <= most:
        message = f"`{name}` must be a whole number from 1 to {most}."
        raise ValidationFailed(message, code=f"invalid_{name}", fields={name: [message]})
    return value


def page_size(raw: str | None, most: int = PageNumberPagination.max_page_size) -> int:
    """`?page_size=` as asked: the default when absent, else a whole number from 1 to `most`
    (a 400 `invalid_page_size` otherwise)."""
    return _whole(raw, "page_size", PageNumberPagination.page_size, most)


# `?cursor=` goes to older rows (the `next` link), `?before=` back to newer ones (`previous`).
CURSOR, BEFORE = "cursor", "before"
_LONGEST_CURSOR = 80
_BROKEN = "This cursor is broken or out of date; start again from the first page."


@dataclass(frozen=True)
class CursorRequest:
    """What a request asks of a cursor list: where to start and how many rows."""

    after: str
    before: str
    size: int

    @classmethod
    def of(cls, request: Request) -> CursorRequest:
        params = request.query_params
        return cls(
            after=params.get(CURSOR, "")[:_LONGEST_CURSOR],
            before=params.get(BEFORE, "")[:_LONGEST_CURSOR],
            size=page_size(params.get(PageNumberPagination.page_size_query_param)),
        )


def cursor_page(request: Request, pager: Callable[..., KeysetPage[Any]]) -> KeysetPage[Any]:
    """The page `pager(after=, before=, size=)` gives for the request; a cursor that is not
    one is a 400 `invalid_cursor`."""
    asked = CursorRequest.of(request)
    try:
        return pager(after=asked.after, before=asked.before, size=asked.size)
    except ValidationFailed as error:
        if error.code != "invalid_cursor":
            raise
        raise ValidationFailed(
            _BROKEN, code="invalid_cursor", fields={CURSOR: [_BROKEN]}
        ) from error


def cursor_links(request: Request, page: KeysetPage[Any]) -> dict[str, str | None]:
    """The `next` (older) and `previous` (newer) links of a page, None at either end."""
    url = request.build_absolute_uri()
    return {
        "next": replace_query_param(remove_query_param(url, BEFORE), CURSOR, page.older)
        if page.older
        else None,
        "previous": replace_query_param(remove_query_param(url, CURSOR), BEFORE, page.newer)
        if page.newer
        else None,
    }
