"""`/admin/data/`: the organization's data exports (prepared in the background, downloaded while
their link lasts), a link to the audit log, and the purge (owner).

The page costs the same whatever the organization holds: its latest few exports and nothing
counted. An export's download link (also the one its email carries) is about the export's own
organization, which need not be the person's active one: it is resolved through the person's
membership in it, as the switcher resolves an organization.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.views import View

from causeloop.core.errors import Conflict, Forbidden, Gone, NotFound
from causeloop.core.shown_once import no_store
from causeloop.web.context_processors import organization_header
from causeloop.web.pages.base import OrganizationPage, enter_membership
from causeloop.web.pages.organizations import delete_organization
from memberships.models import User
from memberships.selectors import membership_in
from onboarding.services.exports import (
    data_export_open,
    data_export_organization_id,
    data_export_request,
    export_filename,
    recent_exports,
)
from organizations.forms import DeleteForm
from organizations.models import DataExport, Organization
from organizations.roles import Role


def data_page(page: OrganizationPage, status: int = 200, **extra: Any) -> HttpResponse:
    """The data page of `page`'s organization: its latest exports (refreshing itself while one
    is being prepared), and the purge form for an owner."""
    exports = recent_exports(page.organization)
    return page.page(
        "organizations/data.html",
        status=status,
        exports=exports,
        preparing=any(export.state in DataExport.IN_PROGRESS for export in exports),
        delete_form=extra.pop("delete_form", None) or DeleteForm(),
        **extra,
    )


class DataPage(OrganizationPage):
    required_role = Role.ADMIN

    def get(self, request: HttpRequest) -> HttpResponse:
        return data_page(self)

    def post(self, request: HttpRequest) -> HttpResponse:
        """Prepare an export."""
        export = data_export_request(organization=self.organization, actor=self.person)
        if export.state == DataExport.State.READY:
            return self.done("Your export is ready: download it below. We emailed you a link.")
        return self.done(
            "Your export is being prepared: this page shows how far it got, and we will email "
            "you a link when it is ready."
        )


class PurgePage(OrganizationPage):
    """Delete the organization and everything in it (owner; typed confirmation)."""

    required_role = Role.OWNER

    def post(self, request: HttpRequest) -> HttpResponse:
        form = DeleteForm(request.POST)
        if delete_organization(self, form):
            name = self.organization.name
            return self.done(f"{name} and all its data are being deleted.", to="/")
        return data_page(self, status=400, delete_form=form)


class ExportDownloadPage(LoginRequiredMixin, View):
    """An export's file, for a signed-in admin of its organization; a clear page when the link
    expired or the export is not ready yet."""

    @no_store  # the organization's data: kept by no cache on the way
    def get(self, request: HttpRequest, export_id: str) -> HttpResponseBase:
        person = cast(User, request.user)
        organization = self._organization_of(person, export_id)
        try:
            export, file = data_export_open(
                organization=organization, actor=person, export_id=export_id
            )
        except NotFound as error:
            raise Http404(error.message) from None
        except Forbidden as error:
            raise PermissionDenied(error.message) from None
        except (Gone, Conflict) as error:
            return render(
                request,
                "organizations/export_unavailable.html",
                {"message": error.message, "code": error.code, **organization_header(person)},
                status=error.status_code,
            )
        return FileResponse(
            file,
            as_attachment=True,
            filename=export_filename(organization, export),
            content_type="application/json",
        )

    def _organization_of(self, person: User, export_id: str) -> Organization:
        """The export's organization, entered, if the person belongs to it (else 404)."""
        organization_id = data_export_organization_id(export_id)
        membership = organization_id and membership_in(person, organization=organization_id)
        if not membership:
            raise Http404("Export not found.")
        organization = enter_membership(membership)
        if organization.status != Organization.Status.ACTIVE:
            raise PermissionDenied(f"{organization.name} is suspended: its exports wait.")
        return organization
