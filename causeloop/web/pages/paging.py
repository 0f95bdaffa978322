"""A page's lists, a page at a time: what the links of a list are (as query strings that keep
the page's other parameters: its filters, the positions of its other lists) and what to say when
a link is broken.

Lists that can grow long without bound, or that a tenant fills by the thousand (members,
invitations, invite codes), page by keyset (`causeloop.core.keyset`): one query and no count,
whatever the page. Shorter lists whose order is a name (templates, keys, integrations, domains,
webhook endpoints, the person's organizations) page by number, with "Page 2 of 7".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.http import urlencode

from causeloop.core.errors import ValidationFailed
from causeloop.core.keyset import KeysetPage
from causeloop.web.pages.base import cursor_of
from causeloop.web.pagination import IdsFirstPaginator

PAGE_SIZE = 25
BROKEN_LINK = "This page link is broken or out of date; here is the first page."
NOT_A_PAGE = "There is no such page; here is the first page."
LONGEST_PARAMETER = 500


@dataclass(frozen=True)
class Pager:
    """A list's links as query strings — `previous` and `next` page, `first` when elsewhere —
    where the page stands and how many rows there are (`position`, `count`: numbered lists
    only) and the `notice` of a broken link."""

    previous: str = ""
    next: str = ""
    first: str | None = None  # "" is a link too: the page without parameters
    position: str = ""
    count: int = 0
    notice: str = ""

    @property
    def shown(self) -> bool:
        """Whether the list has more than one page, or the person is not on its first."""
        return bool(self.previous or self.next or self.first is not None)


def kept_parameters(request: HttpRequest, names: Iterable[str]) -> dict[str, str]:
    """The query parameters among `names` the request carries, for a list's links to keep
    (cut at `LONGEST_PARAMETER`: longer than any a form accepts, which then says so)."""
    kept = {}
    for name in names:
        value = request.GET.get(name, "")[:LONGEST_PARAMETER]
        if value:
            kept[name] = value
    return kept


def keyset_list[M: Model](
    request: HttpRequest,
    pager: Callable[..., KeysetPage[M]],
    *,
    after: str = "after",
    before: str = "before",
    kept: dict[str, str] | None = None,
) -> tuple[list[M], Pager]:
    """The page `pager(after=, before=)` gives for the request's cursors (under the names
    `after` and `before`), and its links; a broken cursor shows the first page, and says so."""
    kept = {name: value for name, value in (kept or {}).items() if name not in (after, before)}
    asked_after, asked_before = cursor_of(request, after), cursor_of(request, before)
    notice = ""
    try:
        page = pager(after=asked_after, before=asked_before)
    except ValidationFailed as error:
        if error.code != "invalid_cursor":
            raise
        page, notice = pager(), BROKEN_LINK
        asked_after = asked_before = ""
    is_first = not (asked_after or asked_before) or page.newer is None
    return page.rows, Pager(
        previous=urlencode({**kept, before: page.newer}) if page.newer else "",
        next=urlencode({**kept, after: page.older}) if page.older else "",
        first=None if is_first else urlencode(kept),
        notice=notice,
    )


def numbered_list[M: Model](
    request: HttpRequest,
    rows: QuerySet[M],
    *,
    size: int = PAGE_SIZE,
    name: str = "page",
    kept: dict[str, str] | None = None,
) -> tuple[list[M], Pager]:
    """The page of `rows` the request's `name` parameter asks for (the first without one; the
    last past the end, as a link kept after deletions leads there), and its links. A page
    number that is not one shows the first page, and says so."""
    kept = {key: value for key, value in (kept or {}).items() if key != name}
    paginator = IdsFirstPaginator(rows, size)
    raw = request.GET.get(name, "")
    notice = ""
    number = 1
    if raw:
        if raw.isascii() and raw.isdigit() and 0 < len(raw) < 10 and int(raw) > 0:
            number = min(int(raw), paginator.num_pages)
        else:
            notice = NOT_A_PAGE
    page = paginator.page(number)
    return list(page.object_list), Pager(
        previous=urlencode({**kept, name: str(number - 1)}) if page.has_previous() else "",
        next=urlencode({**kept, name: str(number + 1)}) if page.has_next() else "",
        first=urlencode(kept) if number > 2 else None,
        position=f"Page {number} of {paginator.num_pages}" if paginator.num_pages > 1 else "",
        count=paginator.count,
        notice=notice,
    )
