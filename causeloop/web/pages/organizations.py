"""The `/admin/*` pages of the active organization: settings and branding (templates, API keys
and data have their own modules). Each is an `OrganizationPage`: tenant resolved and entered,
role checked, services decide."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from causeloop.core.errors import DomainError
from causeloop.web.pages.base import OrganizationPage, apply_error
from memberships.models import Membership
from memberships.selectors import members_of
from memberships.services.members import ownership_transfer
from onboarding.lifecycle import organization_delete
from organizations.colors import Palette
from organizations.forms import (
    BrandingForm,
    DeleteForm,
    OrganizationForm,
    TransferForm,
)
from organizations.roles import Role
from organizations.selectors import owned_row
from organizations.services.branding import branding_update
from organizations.services.organizations import organization_update

# --- organization -----------------------------------------------------------------------------


class OrganizationSettingsPage(OrganizationPage):
    required_role = Role.ADMIN

    def _candidates(self) -> list[tuple[str, str]]:
        """Who ownership can go to: every other member."""
        members = members_of(self.organization).exclude(user=self.person)
        return [
            (m.pk, f"{m.user.display_name} ({m.user.email}) — {m.get_role_display()}")
            for m in members
        ]

    def _forms(self, candidates: list[tuple[str, str]], **bound: Any) -> dict[str, Any]:
        organization = self.organization
        return {
            "form": bound.get("form")
            or OrganizationForm(
                initial={
                    "name": organization.name,
                    "slug": organization.slug,
                    "timezone": organization.timezone,
                }
            ),
            "transfer_form": bound.get("transfer_form") or TransferForm(candidates=candidates),
            "delete_form": bound.get("delete_form") or DeleteForm(),
            "candidates": candidates,
        }

    def _settings_page(self, status: int = 200, **bound: Any) -> HttpResponse:
        candidates = bound.pop("candidates", None)
        forms = self._forms(self._candidates() if candidates is None else candidates, **bound)
        return self.page("organizations/settings.html", status=status, **forms)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._settings_page()

    def post(self, request: HttpRequest) -> HttpResponse:
        action = request.POST.get("action")
        if action == "transfer":
            return self._transfer()
        if action == "delete":
            return self._delete()
        form = OrganizationForm(request.POST)
        if form.is_valid():
            try:
                organization_update(
                    organization=self.organization,
                    actor=self.person,
                    name=form.cleaned_data["name"],
                    slug=form.cleaned_data["slug"],
                    timezone_name=form.cleaned_data["timezone"],
                )
                return self.done("Organization settings saved.")
            except DomainError as error:
                apply_error(form, error)
        return self._settings_page(status=400, form=form)

    def _transfer(self) -> HttpResponse:
        candidates = self._candidates()
        form = TransferForm(self.request.POST, candidates=candidates)
        if form.is_valid():
            try:
                membership = owned_row(
                    Membership, organization=self.organization, pk=form.cleaned_data["membership"]
                )
                new_owner = ownership_transfer(
                    organization=self.organization,
                    actor=self.person,
                    membership=membership,
                    confirm_slug=form.cleaned_data["confirm"],
                )
                return self.done(f"{new_owner.user.email} is now the owner; you are an admin.")
            except DomainError as error:
                apply_error(form, error)
        return self._settings_page(status=400, transfer_form=form, candidates=candidates)

    def _delete(self) -> HttpResponse:
        form = DeleteForm(self.request.POST)
        if delete_organization(self, form):
            return self.done(f"{self.organization.name} is being deleted.", to="/")
        return self._settings_page(status=400, delete_form=form)


def delete_organization(page: OrganizationPage, form: DeleteForm) -> bool:
    """Delete the page's organization if the form confirms it; else the form says why."""
    if not form.is_valid():
        return False
    try:
        organization_delete(
            organization=page.organization,
            actor=page.person,
            confirm_slug=form.cleaned_data["confirm"].strip(),
        )
    except DomainError as error:
        apply_error(form, error)
        return False
    return True


# --- branding -------------------------------------------------------------------------------


class BrandingPage(OrganizationPage):
    required_role = Role.ADMIN

    def _render(self, form: BrandingForm, status: int = 200) -> HttpResponse:
        if not self.organization.logo:
            del form.fields["remove_logo"]
        organization = self.organization
        palette = Palette(organization.primary_color, organization.secondary_color)
        return self.page("organizations/branding.html", status=status, form=form, palette=palette)

    def _saved(self) -> dict[str, str]:
        return {
            "primary_color": self.organization.primary_color,
            "secondary_color": self.organization.secondary_color,
        }

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(BrandingForm(initial=self._saved(), saved=self._saved()))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = BrandingForm(request.POST, request.FILES, saved=self._saved())
        if form.is_valid():
            try:
                branding_update(
                    organization=self.organization,
                    actor=self.person,
                    primary_color=form.cleaned_data["primary_color"],
                    secondary_color=form.cleaned_data["secondary_color"],
                    logo=form.cleaned_data["logo"] or None,
                    remove_logo=form.cleaned_data.get("remove_logo", False),
                )
                return self.done("Branding saved.")
            except DomainError as error:
                apply_error(form, error)
        return self._render(form, status=400)
