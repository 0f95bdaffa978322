"""The organization-setup wizard, three screens after signing up: `organization/` (create one,
or join one with an invite code) → `plan/` → `success/` (the first API key, once). `/onboarding/`
only sends the person to the step they are at.

The wizard is a small state machine around the organization it set up (`wizard_state`): while
it exists, the organization step corrects it (Back from the plan or success step), the plan
step changes its plan, and nothing ever creates it twice — not a refresh, not the back button,
not a double click. Starting another organization (`/onboarding/`, the switcher's "New
organization") lets the finished one go.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.views import View

from causeloop.core.errors import DomainError
from causeloop.core.shown_once import no_store, show_once, take_shown_once
from causeloop.web.pages.base import apply_error
from causeloop.web.pages.wizard_state import (
    create_once,
    forget,
    is_finished,
    new_attempt,
    person,
    remember,
    wizard_organization,
)
from causeloop.web.throttling import limit
from directory.selectors.domains import domain_suggestions_for
from directory.services.domain_joins import domain_join
from memberships.services.invite_codes import invite_code_join
from onboarding.forms import CreateOrganizationForm, JoinForm, PlanForm
from onboarding.lifecycle import organization_create
from onboarding.services.wizard import (
    organization_details_change,
    organization_setup,
    wizard_slug_for,
)
from organizations.models import Organization, Plan
from organizations.services.organizations import slug_is_available, slug_taken_error
from organizations.validation import clean_slug

# Joining refusals in the words of the person joining (the service speaks to the admins who
# manage seats); the service's other messages already are.
JOIN_MESSAGES = {
    "seat_limit_reached": (
        "This organization has no free seat for you. Ask one of its admins to free a seat or "
        "add seats, then try again."
    ),
}


def wizard_page(
    request: HttpRequest, template: str, step: int, status: int = 200, **context: Any
) -> HttpResponse:
    """A step of the wizard. A step asked for is never cached: the back button asks again and
    gets the step as it is now (the organization being edited, not the blank form it once
    was). A form sent back with its errors may be: the back button shows it again rather than
    a browser's "Confirm form resubmission" (sending it again corrects, never duplicates)."""
    response = render(
        request,
        template,
        {"step": step, "approval": settings.CAUSELOOP_REQUIRE_ORG_APPROVAL, **context},
        status=status,
    )
    if request.method == "GET":
        add_never_cache_headers(response)
    return response


@method_decorator(login_required, name="dispatch")
class StartStep(View):
    """Where the wizard is: a finished one lets its organization go and starts anew."""

    def get(self, request: HttpRequest) -> HttpResponse:
        organization = wizard_organization(request)
        if organization is not None and not is_finished(request):
            return redirect("onboarding:plan")  # resume where the person left
        forget(request)
        return redirect("onboarding:organization")


@method_decorator(login_required, name="dispatch")
class OrganizationStep(View):
    """Create the organization, or correct the one this wizard created; or join one."""

    def _render(
        self,
        request: HttpRequest,
        organization: Organization | None,
        status: int = 200,
        **forms: Any,
    ) -> HttpResponse:
        code = request.GET.get("code", "")[:32]
        create_form = forms.get("create_form")
        if create_form is None:
            create_form = CreateOrganizationForm(initial=self._initial(organization))
        return wizard_page(
            request,
            "onboarding/organization.html",
            step=2,
            status=status,
            editing=organization,
            organization=organization,  # the header wears it, as on the next steps
            # Correcting, the join form stays out of the way unless it was just sent or a
            # join link (`?code=`) brought the person here.
            show_join=organization is None or "join_form" in forms or bool(code),
            finished=organization is not None and is_finished(request),
            create_form=create_form,
            # An invite code's join link (`?code=`) fills the join form in.
            join_form=forms.get("join_form") or JoinForm(initial={"code": code}),
            # "People at acme.com use Acme": offered first, unless correcting an organization.
            suggestions=domain_suggestions_for(person(request)) if organization is None else [],
        )

    @staticmethod
    def _initial(organization: Organization | None) -> dict[str, Any]:
        if organization is None:
            return {"attempt": new_attempt()}
        derived = wizard_slug_for(name=organization.name, organization=organization)
        return {
            "kind": organization.kind,
            "name": organization.name,
            # An address derived from the name stays empty, so it follows a corrected name.
            "slug": "" if derived == organization.slug else organization.slug,
        }

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, wizard_organization(request))

    def post(self, request: HttpRequest) -> HttpResponse:
        organization = wizard_organization(request)
        if request.POST.get("action") == "join":
            return self._join(request, organization)
        if request.POST.get("action") == "domain_join":
            return self._domain_join(request)
        form = CreateOrganizationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if organization is not None:  # Back, a refresh, a second submit: correct it
                    organization = organization_details_change(
                        organization=organization,
                        actor=person(request),
                        name=data["name"],
                        kind=data["kind"],
                        slug=data["slug"] or None,
                    )
                else:
                    organization = create_once(
                        request,
                        data["attempt"] or new_attempt(),
                        lambda: organization_create(
                            user=person(request),
                            name=data["name"],
                            slug=data["slug"] or None,
                            kind=data["kind"],
                        ),
                    )
            except DomainError as error:
                apply_error(form, error)
            else:
                remember(request, organization, finished=is_finished(request))
                return redirect("onboarding:plan")
        return self._render(request, organization, status=400, create_form=form)

    def _join(self, request: HttpRequest, organization: Organization | None) -> HttpResponse:
        form = JoinForm(request.POST)
        if form.is_valid():
            try:
                limit(request, "join", user=person(request))  # the API's invite-code limit too
                membership = invite_code_join(code=form.cleaned_data["code"], user=person(request))
            except DomainError as error:
                if error.code in JOIN_MESSAGES:
                    form.add_error("code", JOIN_MESSAGES[error.code])
                else:
                    apply_error(form, error)
            else:
                messages.success(request, f"Welcome to {membership.organization.name}.")
                return redirect("home")
        return self._render(request, organization, status=400, join_form=form)

    def _domain_join(self, request: HttpRequest) -> HttpResponse:
        """Accept a suggestion: join the organization whose verified domain is the person's."""
        reference = request.POST.get("organization", "")[:64]
        offered = domain_suggestions_for(person(request))
        suggestion = next((d for d in offered if d.organization_id == reference), None)
        if suggestion is None:
            messages.error(
                request,
                "That organization is not offered to you (any more): create your own, or ask "
                "its admins for an invitation.",
            )
            return redirect("onboarding:organization")
        try:
            membership = domain_join(user=person(request), organization=suggestion.organization)
        except DomainError as error:
            messages.error(request, JOIN_MESSAGES.get(error.code, error.message))
            return redirect("onboarding:organization")
        messages.success(request, f"Welcome to {membership.organization.name}.")
        return redirect("home")


@method_decorator(login_required, name="dispatch")
class PlanStep(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        organization = wizard_organization(request)
        if organization is None:
            return redirect("onboarding:organization")
        return self._render(request, organization)

    def _render(
        self, request: HttpRequest, organization: Organization, error: str = "", status: int = 200
    ) -> HttpResponse:
        return wizard_page(
            request,
            "onboarding/plan.html",
            step=3,
            status=status,
            organization=organization,
            plans=Plan.objects.order_by("sort_order", "seats"),
            error=error,
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        organization = wizard_organization(request)
        if organization is None:
            return redirect("onboarding:organization")
        form = PlanForm(request.POST)
        if not form.is_valid():
            return self._render(request, organization, error="Choose a plan.", status=400)
        try:
            setup = organization_setup(
                organization=organization, actor=person(request), plan=form.cleaned_data["plan"]
            )
        except DomainError as error:
            return self._render(request, organization, error=error.message, status=400)
        if setup.api_key_secret is not None:
            show_once(request, "Your organization's first API key", setup.api_key_secret)
        return redirect("onboarding:success")


@method_decorator(login_required, name="dispatch")
class SuccessStep(View):
    @no_store  # it shows the first API key
    def get(self, request: HttpRequest) -> HttpResponse:
        organization = wizard_organization(request)
        if organization is None:
            return redirect("home")
        remember(request, organization, finished=True)
        return wizard_page(
            request,
            "onboarding/success.html",
            step=4,
            organization=organization,
            shown_once=take_shown_once(request),
            pending=organization.status == Organization.Status.PENDING,
        )


@login_required
def slug_check(request: HttpRequest) -> JsonResponse:
    """As-you-type help for the slug field: a suggestion from the name, or a verdict. The
    organization this wizard is correcting keeps its own address."""
    slug = request.GET.get("slug", "").strip()
    name = request.GET.get("name", "").strip()[:200]
    own = wizard_organization(request)
    if not slug:
        suggestion = wizard_slug_for(name=name, organization=own) if name else ""
        return JsonResponse({"slug": suggestion, "available": bool(suggestion), "message": ""})
    try:
        cleaned = clean_slug(slug[:60])
    except DomainError as error:
        return JsonResponse({"slug": slug[:60], "available": False, "message": error.message})
    if own is not None and cleaned == own.slug:
        return JsonResponse({"slug": cleaned, "available": True, "message": "Your address."})
    available = slug_is_available(cleaned)
    message = "Available." if available else slug_taken_error(cleaned).message
    return JsonResponse({"slug": cleaned, "available": available, "message": message})
