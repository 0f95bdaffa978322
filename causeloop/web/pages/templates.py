"""`/admin/templates/` and `/admin/templates/<id>/`: everyone reads the organization's
templates, by name, a page at a time; analysts and up create, edit and delete them (deleting is
confirmed first)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from causeloop.core.errors import DomainError
from causeloop.web.pages import confirm
from causeloop.web.pages.base import OrganizationPage, apply_error
from causeloop.web.pages.paging import numbered_list
from organizations.forms import TemplateForm
from organizations.models import Template
from organizations.roles import Role
from organizations.selectors import owned_row, templates_for
from organizations.services.templates import (
    TemplateChanges,
    TemplateInput,
    template_create,
    template_delete,
    template_update,
)


class TemplatesPage(OrganizationPage):
    """Everyone sees the templates; analysts and up create them."""

    def _list(self, form: TemplateForm | None = None, status: int = 200) -> HttpResponse:
        templates, pager = numbered_list(self.request, templates_for(self.organization))
        return self.page(
            "organizations/templates.html",
            status=400 if pager.notice else status,
            templates=templates,
            pager=pager,
            form=form or TemplateForm(initial={"kind": Template.Kind.PROMPT}),
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._list()

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                fields = form.cleaned_data
                template = template_create(
                    organization=self.organization,
                    actor=self.person,
                    fields=TemplateInput(
                        name=fields["name"],
                        kind=fields["kind"],
                        description=fields["description"],
                        body=fields["body"],
                    ),
                )
                return self.done(f"Template “{template.name}” created.")
            except DomainError as error:
                apply_error(form, error)
        return self._list(form, status=400)


class TemplatePage(OrganizationPage):
    def _template(self, template_id: str) -> Template:
        return owned_row(Template, organization=self.organization, pk=template_id)

    def _page(self, template: Template, form: TemplateForm, status: int = 200) -> HttpResponse:
        return self.page(
            "organizations/template.html",
            status=status,
            template=template,
            form=form,
            delete=confirm.delete_template(template, self.organization),
        )

    def get(self, request: HttpRequest, template_id: str) -> HttpResponse:
        template = self._template(template_id)
        form = TemplateForm(
            initial={
                "name": template.name,
                "kind": template.kind,
                "description": template.description,
                "body": template.body,
            }
        )
        return self._page(template, form)

    def post(self, request: HttpRequest, template_id: str) -> HttpResponse:
        template = self._template(template_id)
        if request.POST.get("action") == "delete":
            return self._delete(template)
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                fields = form.cleaned_data
                template_update(
                    template=template,
                    actor=self.person,
                    changes=TemplateChanges(
                        name=fields["name"],
                        kind=fields["kind"],
                        description=fields["description"],
                        body=fields["body"],
                    ),
                )
                return self.done("Template saved.")
            except DomainError as error:
                apply_error(form, error)
        return self._page(template, form, status=400)

    def _delete(self, template: Template) -> HttpResponse:
        if self.role < Role.ANALYST:  # the service refuses too; nobody is asked in vain
            raise PermissionDenied("Only analysts and above can delete templates.")
        if not confirm.confirmed(self.request):
            return confirm.confirmation_page(
                self, confirm.delete_template(template, self.organization)
            )
        template_delete(template=template, actor=self.person)
        return self.done(f"Template “{template.name}” deleted.", to="/admin/templates/")
