"""`/admin/integrations/` and `/admin/integrations/<id>/`: every member sees the
organization's integrations (name, provider, fingerprint, who added it and when), by name, a
page at a time; admins and owners add one, rename it, replace its credential and remove it
(removing is confirmed first, `web.pages.confirm`).

A credential goes in and never comes out: not in a page, not in a message, not in a form sent
back with an error (the field comes back empty, and says so).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from causeloop.core.errors import DomainError
from causeloop.core.shown_once import no_store
from causeloop.web.pages import confirm
from causeloop.web.pages.base import OrganizationPage, apply_error
from causeloop.web.pages.paging import numbered_list
from causeloop.web.pages.usage import providers_meter
from organizations.forms import CredentialForm, IntegrationForm, IntegrationNameForm
from organizations.models import Integration
from organizations.roles import Role
from organizations.selectors import owned_row
from organizations.services.integrations import (
    IntegrationChanges,
    integration_create,
    integration_delete,
    integration_update,
)
from organizations.usage import integrations_for, usage_of

LIST_URL = "/admin/integrations/"


class IntegrationsPage(OrganizationPage):
    """Everyone sees the integrations; admins and owners add them, within the plan's limit."""

    def _list(self, form: IntegrationForm | None = None, status: int = 200) -> HttpResponse:
        report = usage_of(self.organization)
        integrations, pager = numbered_list(
            self.request, integrations_for(self.organization).select_related("created_by")
        )
        return self.page(
            "organizations/integrations.html",
            status=400 if pager.notice else status,
            integrations=integrations,
            pager=pager,
            meter=providers_meter(report, self.organization, self.organization.plan),
            at_limit=report.providers_remaining == 0,
            form=form or IntegrationForm(),
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._list()

    @no_store  # a refused form may have carried a credential: keep nothing of the answer
    def post(self, request: HttpRequest) -> HttpResponse:
        _only_admins(self.role)
        form = IntegrationForm(request.POST)
        status = 400
        if form.is_valid():
            fields = form.cleaned_data
            try:
                integration = integration_create(
                    organization=self.organization,
                    actor=self.person,
                    name=fields["name"],
                    kind=fields["kind"],
                    credential=fields["credential"],
                )
                return self.done(
                    f"Integration “{integration.name}” added. Its credential is stored "
                    f"encrypted and will not be shown again (it ends in …{integration.last_four})."
                )
            except DomainError as error:
                apply_error(form, error)
                status = error.status_code
        form.forget_credential()
        return self._list(form, status=status)


class IntegrationPage(OrganizationPage):
    """One integration: everyone sees it; admins and owners rename it, replace its credential
    or remove it."""

    def _integration(self, integration_id: str) -> Integration:
        return owned_row(Integration, organization=self.organization, pk=integration_id)

    def _page(
        self,
        integration: Integration,
        *,
        name_form: IntegrationNameForm | None = None,
        credential_form: CredentialForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        return self.page(
            "organizations/integration.html",
            status=status,
            integration=integration,
            name_form=name_form or IntegrationNameForm(initial={"name": integration.name}),
            credential_form=credential_form or CredentialForm(),
            remove=confirm.remove_integration(integration, self.organization),
        )

    def get(self, request: HttpRequest, integration_id: str) -> HttpResponse:
        return self._page(self._integration(integration_id))

    @no_store
    def post(self, request: HttpRequest, integration_id: str) -> HttpResponse:
        integration = self._integration(integration_id)
        _only_admins(self.role)
        action = request.POST.get("action")
        if action == "delete":
            if not confirm.confirmed(request):
                return confirm.confirmation_page(
                    self, confirm.remove_integration(integration, self.organization)
                )
            integration_delete(integration=integration, actor=self.person)
            return self.done(f"Integration “{integration.name}” removed.", to=LIST_URL)
        if action == "replace":
            return self._replace(integration)
        return self._rename(integration)

    def _rename(self, integration: Integration) -> HttpResponse:
        form = IntegrationNameForm(self.request.POST)
        status = 400
        if form.is_valid():
            try:
                integration_update(
                    integration=integration,
                    actor=self.person,
                    changes=IntegrationChanges(name=form.cleaned_data["name"]),
                )
                return self.done(f"Integration renamed “{integration.name}”.")
            except DomainError as error:
                apply_error(form, error)
                status = error.status_code
        integration.refresh_from_db()  # the name the page shows is the saved one
        return self._page(integration, name_form=form, status=status)

    def _replace(self, integration: Integration) -> HttpResponse:
        form = CredentialForm(self.request.POST)
        status = 400
        if form.is_valid():
            try:
                integration_update(
                    integration=integration,
                    actor=self.person,
                    changes=IntegrationChanges(credential=form.cleaned_data["credential"]),
                )
                return self.done(
                    f"Credential of “{integration.name}” replaced: it now ends in "
                    f"…{integration.last_four}. The old one is erased."
                )
            except DomainError as error:
                apply_error(form, error)
                status = error.status_code
        form.forget_credential()
        return self._page(integration, credential_form=form, status=status)


def _only_admins(role: Role) -> None:
    # The services refuse too; this way nobody fills a form in vain.
    if role < Role.ADMIN:
        raise PermissionDenied("Only admins and owners can change integrations.")
