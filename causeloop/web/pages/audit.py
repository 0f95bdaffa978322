"""`/admin/audit/`: the organization's audit log, told in sentences, filtered by what happened
and by person, a page at a time (admins and owners)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse

from causeloop.core.errors import ValidationFailed
from causeloop.web.pages.base import OrganizationPage, cursor_of, keyset_links
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
        after, before = cursor_of(request, "after"), cursor_of(request, "before")
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


def _links(page: AuditPage, kept: dict[str, str]) -> dict[str, str]:
    """The query strings of the neighbouring pages, and of the newest, filters kept."""
    return {"newest": urlencode(kept), **keyset_links(page, kept=kept)}
