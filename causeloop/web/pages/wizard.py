"""The organization-setup wizard: `/onboarding/` → `organization/` → `plan/` → `success/`.

The wizard's state is the organization it created, kept in the session: refreshing, going back
or submitting twice finds it there and never creates another; leaving and coming back resumes
at the plan step. The first API key is issued with the plan and shown once on the success page.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View

from causeloop.core.errors import DomainError
from causeloop.core.shown_once import no_store, show_once, take_shown_once
from causeloop.web.pages.base import apply_error, enter_membership
from causeloop.web.throttling import limit
from memberships.models import Membership, User
from memberships.selectors import membership_in
from memberships.services.invite_codes import invite_code_join
from onboarding.forms import CreateOrganizationForm, JoinForm, PlanForm
from onboarding.lifecycle import organization_create
from onboarding.services.wizard import organization_setup
from organizations.models import Organization, Plan
from organizations.services.organizations import slug_is_available, unique_slug_from_name
from organizations.validation import clean_slug

WIZARD = "causeloop.wizard"


def person(request: HttpRequest) -> User:
    """The signed-in person (every step requires one)."""
    return cast(User, request.user)


def _wizard_organization(request: HttpRequest, *, finished: bool = False) -> Organization | None:
    """The organization this wizard created, if the person still has a membership in it. A
    finished wizard (its success page seen) counts only for the success page: anything else
    starts a new one."""
    state = request.session.get(WIZARD) or {}
    if not state.get("organization"):
        return None
    if state.get("finished") and not finished:
        request.session.pop(WIZARD, None)
        return None
    membership = membership_in(person(request), organization=state["organization"])
    if membership is None:
        request.session.pop(WIZARD, None)
        return None
    return enter_membership(membership)


@method_decorator(login_required, name="dispatch")
class StartStep(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        if _wizard_organization(request) is not None:
            return redirect("onboarding:plan")  # resume where the person left
        has_organizations = Membership.objects.filter(user=person(request)).exists()
        return render(
            request, "onboarding/start.html", {"step": 1, "has_organizations": has_organizations}
        )


@method_decorator(login_required, name="dispatch")
class OrganizationStep(View):
    def _render(self, request: HttpRequest, status: int = 200, **forms: Any) -> HttpResponse:
        return render(
            request,
            "onboarding/organization.html",
            {
                "step": 2,
                "create_form": forms.get("create_form") or CreateOrganizationForm(),
                # An invite code's join link (`?code=`) fills the join form in.
                "join_form": forms.get("join_form")
                or JoinForm(initial={"code": request.GET.get("code", "")[:32]}),
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        if _wizard_organization(request) is not None:
            return redirect("onboarding:plan")
        return self._render(request)

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.POST.get("action") == "join":
            return self._join(request)
        if _wizard_organization(request) is not None:
            return redirect("onboarding:plan")  # a second submit: it exists already
        form = CreateOrganizationForm(request.POST)
        if form.is_valid():
            try:
                organization = organization_create(
                    user=person(request),
                    name=form.cleaned_data["name"],
                    slug=form.cleaned_data["slug"] or None,
                    kind=form.cleaned_data["kind"],
                )
            except DomainError as error:
                apply_error(form, error)
            else:
                request.session[WIZARD] = {"organization": organization.pk}
                return redirect("onboarding:plan")
        return self._render(request, status=400, create_form=form)

    def _join(self, request: HttpRequest) -> HttpResponse:
        form = JoinForm(request.POST)
        if form.is_valid():
            try:
                limit(request, "join", user=person(request))  # the API's invite-code limit too
                membership = invite_code_join(code=form.cleaned_data["code"], user=person(request))
            except DomainError as error:
                apply_error(form, error)
            else:
                messages.success(request, f"Welcome to {membership.organization.name}.")
                return redirect("home")
        return self._render(request, status=400, join_form=form)


@method_decorator(login_required, name="dispatch")
class PlanStep(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        organization = _wizard_organization(request)
        if organization is None:
            return redirect("onboarding:organization")
        return self._render(request, organization)

    def _render(
        self, request: HttpRequest, organization: Organization, error: str = "", status: int = 200
    ) -> HttpResponse:
        plans = Plan.objects.order_by("sort_order", "seats")
        return render(
            request,
            "onboarding/plan.html",
            {"step": 3, "organization": organization, "plans": plans, "error": error},
            status=status,
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        organization = _wizard_organization(request)
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
        organization = _wizard_organization(request, finished=True)
        if organization is None:
            return redirect("home")
        request.session[WIZARD] = {**request.session[WIZARD], "finished": True}
        return render(
            request,
            "onboarding/success.html",
            {
                "step": 4,
                "organization": organization,
                "shown_once": take_shown_once(request),
                "pending": organization.status == Organization.Status.PENDING,
                "approval": settings.CAUSELOOP_REQUIRE_ORG_APPROVAL,
            },
        )


@login_required
def slug_check(request: HttpRequest) -> JsonResponse:
    """As-you-type help for the slug field: a suggestion from the name, or a verdict."""
    slug = request.GET.get("slug", "").strip()
    name = request.GET.get("name", "").strip()[:200]
    if not slug:
        suggestion = unique_slug_from_name(name) if name else ""
        return JsonResponse({"slug": suggestion, "available": bool(suggestion), "message": ""})
    try:
        cleaned = clean_slug(slug[:60])
    except DomainError as error:
        return JsonResponse({"slug": slug[:60], "available": False, "message": error.message})
    available = slug_is_available(cleaned)
    message = "Available." if available else f'organization slug "{cleaned}" is already taken'
    return JsonResponse({"slug": cleaned, "available": available, "message": message})
