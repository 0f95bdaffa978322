"""`/admin/audit/`: the organization's audit log, told in sentences, filtered by what happened
and by person, a page at a time (admins and owners)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse

from causeloop.core.errors import ValidationFailed
from causeloop.web.pages.base import OrganizationPage
from organizations.audit_text import describe_all
from organizations.forms import AuditFilterForm
from organizations.roles import Role
from organizations.selectors import AuditPage, audit_log_page


class AuditLogPage(OrganizationPage):
    required_role = Role.ADMIN
    page_size = 25

    def get(self, request: HttpRequest) -> HttpResponse:
        filters = AuditFilterForm(request.GET or None)
        status, notice = 200, ""
        action = person = ""
        if filters.is_bound and not filters.is_valid():
            status = 400  # the errors show next to the filter; the whole log shows meanwhile
        elif filters.is_bound:
            action, person = filters.cleaned_data["action"], filters.cleaned_data["person"]
        after, before = _cursor(request, "after"), _cursor(request, "before")
        try:
            page = audit_log_page(
                self.organization,
                action=action,
                person=person,
                after=after,
                before=before,
                size=self.page_size,
            )
        except ValidationFailed as error:
            status, notice = 400, error.message
            page = audit_log_page(
                self.organization, action=action, person=person, size=self.page_size
            )
        kept = {name: value for name, value in (("action", action), ("person", person)) if value}
        return self.page(
            "organizations/audit.html",
            status=status,
            filters=filters,
            entries=describe_all(page.rows),
            links=_links(page, kept),
            is_first_page=not (after or before) or page.newer is None,
            is_filtered=bool(kept),
            notice=notice,
        )


def _cursor(request: HttpRequest, name: str) -> str:
    # Anything longer than a cursor is not one: let the selector say so (without reading it all).
    return request.GET.get(name, "")[:80]


def _links(page: AuditPage, kept: dict[str, str]) -> dict[str, str]:
    """The query strings of the neighbouring pages, filters kept."""
    links = {"newest": urlencode(kept)}
    if page.newer:
        links["newer"] = urlencode({**kept, "before": page.newer})
    if page.older:
        links["older"] = urlencode({**kept, "after": page.older})
    return links
