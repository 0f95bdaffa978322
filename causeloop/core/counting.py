"""Counts that stop early: a list of a million rows needs its first pages, not its exact size."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class CappedCountPaginator(Paginator):
    """A paginator that counts at most `cap` + 1 rows (`SELECT COUNT(*) FROM (… LIMIT cap + 1)`),
    so a page of the Django admin costs the same at ten rows as at ten million. Past the cap,
    `count` is `cap` + 1 and `is_capped` is true (the admin's pagination template then says
    "more than 10,000"); the pages past it are reached by narrowing the list (filters, search)."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        object_list = self.object_list
        if isinstance(object_list, QuerySet):  # count a bounded slice of it
            return object_list[: self.cap + 1].count()
        return len(object_list)

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap
