"""The platform admin's "Onboard client" form and "purge" action, added to the organizations'
admin pages.

Organizations' own admin knows nothing of onboarding; this module registers a subclass of it
that adds the form's URL (`admin:organizations_organization_onboard`), turns "Add organization"
into the form, and puts an "Onboard client" button on the change list.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from causeloop.core.errors import DomainError
from onboarding.fields import Face
from onboarding.forms import OnboardClientForm
from onboarding.purge import organization_purge_queue
from onboarding.services.onboard import onboard_client, onboard_request_from
from organizations.admin import OrganizationAdmin, named
from organizations.models import Organization


class OnboardingOrganizationAdmin(OrganizationAdmin):
    change_list_template = "admin/onboarding/organization_change_list.html"
    actions = (*OrganizationAdmin.actions, "purge")

    @admin.action(description="Purge selected organizations (asks for confirmation)")
    def purge(self, request: HttpRequest, queryset: QuerySet[Organization]) -> HttpResponse | None:
        if request.POST.get("confirm") == "yes":
            # Each is suspended now and purged by a background task, batch by batch.
            purging = []
            for organization in queryset:
                organization_purge_queue(organization=organization)
                purging.append(organization)
            if purging:
                self.message_user(
                    request,
                    f"Purging {named(purging)}: suspended now, gone once the background purge "
                    "has deleted their data; user accounts are kept.",
                    messages.SUCCESS,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Purge organizations?",
            "organizations": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/organizations/organization/purge_confirmation.html", context
        )

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        # An organization is never created bare: "add" is the onboarding form.
        return HttpResponseRedirect(reverse("admin:organizations_organization_onboard"))

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "onboard/",
                self.admin_site.admin_view(self.onboard_view),
                name="organizations_organization_onboard",
            ),
            *super().get_urls(),
        ]

    def onboard_view(self, request: HttpRequest) -> HttpResponse:
        """The "Onboard client" form: the same service as the command and the API."""
        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        form = OnboardClientForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                onboard_request = onboard_request_from(form.cleaned_data, face=Face.FORM)
                result = onboard_client(request=onboard_request)
            except DomainError as error:
                for field, problems in error.fields.items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
                if not error.fields:
                    form.add_error(None, error.message)
            else:
                verb = "Onboarded" if result.created else "Already onboarded:"
                organization = Organization.objects.get(pk=result.org_id)
                self.message_user(request, f"{verb} {organization}.", messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:organizations_organization_change", args=[result.org_id])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Onboard client",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/onboarding/onboard.html", context)


# Organizations' admin is registered first (its app comes first in INSTALLED_APPS).
admin.site.unregister(Organization)
admin.site.register(Organization, OnboardingOrganizationAdmin)
