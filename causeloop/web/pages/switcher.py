"""The organization switcher. The header lists a few of the signed-in person's organizations
(`memberships.selectors.switcher_of`: the active one first, at most 20, however many they
belong to); `/organizations/` finds any of them by name or slug, a page at a time; `/switch/`
makes one of them the active one."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.http import require_POST

from causeloop.web.context_processors import organization_header
from causeloop.web.pages.base import OrganizationMixin
from causeloop.web.pages.paging import kept_parameters, numbered_list
from memberships.forms import OrganizationSearchForm
from memberships.models import User
from memberships.selectors import membership_in, my_organizations_matching
from memberships.services.active import organization_switch
from organizations.roles import Role

ORGANIZATIONS_PER_PAGE = 25


class OrganizationsPage(LoginRequiredMixin, View):
    """Every organization the signed-in person belongs to, by name, found by part of its name
    or slug, each with its Switch button. It is about the person, not an organization: it
    works whatever the active one's state (a suspended one's members switch away from here)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        person = cast(User, request.user)
        search = OrganizationSearchForm(kept_parameters(request, ("q",)) or None)
        query = search.cleaned_data["q"] if search.is_bound and search.is_valid() else ""
        memberships, pager = numbered_list(
            request,
            my_organizations_matching(person, query),
            size=ORGANIZATIONS_PER_PAGE,
            kept={"q": query} if query else {},
        )
        context: dict[str, Any] = {
            **organization_header(person),
            "search": search,
            "query": query,
            "memberships": memberships,
            "pager": pager,
        }
        status = 400 if search.errors or pager.notice else 200
        return render(request, "pages/organizations.html", context, status=status)


@require_POST
def switch_organization(request: HttpRequest) -> HttpResponse:
    """Make another of my organizations the active one, and stay on the same `/admin/*` page
    when my role there allows it (else the new one's home)."""
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    reference = request.POST.get("organization", "")[:64]
    membership = membership_in(request.user, organization=reference) if reference else None
    if membership is None:
        raise Http404("Organization not found.")
    organization_switch(user=request.user, organization=membership.organization)
    messages.success(request, f"Switched to {membership.organization.name}.")
    staying = request.POST.get("next", "")[:200]
    if _page_allows(staying, Role(membership.role)):
        return HttpResponseRedirect(staying)
    return redirect("home")


def _page_allows(path: str, role: Role) -> bool:
    """Whether `path` is an `/admin/*` page about the active organization as a whole (not
    one of its rows, which the next organization does not have) that `role` may see."""
    if not path.startswith("/admin/") or not url_has_allowed_host_and_scheme(path, None):
        return False
    try:
        match = resolve(path)
    except Resolver404:
        return False
    view_class = getattr(match.func, "view_class", None)
    return (
        not match.kwargs
        and view_class is not None
        and issubclass(view_class, OrganizationMixin)
        and role >= view_class.required_role
    )
