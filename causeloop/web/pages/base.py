"""The pages' shared machinery — which organization a page is about, the role it needs, how a
service's error reaches a form — and the pages that belong to no app: home, the brand stylesheet
and the error pages (the organization switcher is `web.pages.switcher`).

`OrganizationPage` is to the pages what `web.api.base.OrganizationEndpoint` is to the API: the
active organization is resolved through the signed-in person's membership and entered for
row-level security; a member below the page's role gets the 403 page; a suspended or pending
organization shows its own page instead. Views never look a tenant up themselves.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.views import View

from causeloop.core.errors import DomainError, Forbidden, NotFound
from causeloop.core.keyset import KeysetPage
from causeloop.core.tenancy import enter_tenant
from causeloop.web.context_processors import organization_header
from causeloop.web.pages.usage import run_meters, usage_chart
from memberships.models import Membership, User
from memberships.selectors import members_of, seat_usage, switcher_of
from memberships.services.active import active_membership_for
from onboarding.services.wizard import personal_organization_ensure
from organizations.audit_text import describe_all
from organizations.colors import Palette
from organizations.models import Organization
from organizations.roles import Role
from organizations.selectors import audit_log_page
from organizations.usage import usage_of


def apply_error(form: forms.Form, error: DomainError) -> None:
    """Put a service's error next to the field it names (or at the top of the form). A refusal
    (403) or an absence (404) is no form error, unless it names one of the form's fields (an
    invite code that is not valid, or whose organization is suspended): it goes on to the
    error pages."""
    names_a_field = any(field in form.fields for field in error.fields)
    if isinstance(error, (Forbidden, NotFound)) and not names_a_field:
        raise error
    placed = False
    for field, field_messages in error.fields.items():
        if field in form.fields:
            for message in field_messages:
                form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def cursor_of(request: HttpRequest, name: str) -> str:
    """A page link's cursor (`after`, `before` …) from the query string. Anything longer than
    a cursor is not one: the selector says so, without reading it all."""
    return request.GET.get(name, "")[:80]


def keyset_links(
    page: KeysetPage[Any],
    *,
    after: str = "after",
    before: str = "before",
    kept: dict[str, str] | None = None,
) -> dict[str, str]:
    """The query strings of a keyset page's neighbours (`newer`, `older`), under the cursor
    parameters `after` and `before`, with the `kept` parameters (filters) too."""
    kept = kept or {}
    links = {}
    if page.newer:
        links["newer"] = urlencode({**kept, before: page.newer})
    if page.older:
        links["older"] = urlencode({**kept, after: page.older})
    return links


def enter_membership(membership: Membership) -> Organization:
    """The organization of one of the signed-in person's own memberships, entered for
    row-level security: the one way a page enters a tenant."""
    enter_tenant(membership.organization)
    return membership.organization


class OrganizationMixin(LoginRequiredMixin):
    """Gives a view `self.organization` (the signed-in person's active one, entered),
    `self.membership` and `self.role` (theirs in it), as `OrganizationEndpoint` does for the
    API. `required_role` to see the page; a suspended or pending organization shows its own
    page; a service's 404 or 403 becomes the error page, any other error a message."""

    required_role: Role = Role.MEMBER
    request: HttpRequest
    organization: Organization
    membership: Membership
    role: Role

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        membership = active_membership_for(request.user)
        if membership is None:
            return redirect("onboarding:start")
        self.membership = membership
        self.organization = enter_membership(membership)
        self.role = Role(membership.role)
        if self.organization.status == Organization.Status.SUSPENDED:
            return render(request, "pages/suspended.html", self.base_context(), status=403)
        if self.organization.status == Organization.Status.PENDING:
            return render(request, "pages/pending.html", self.base_context())
        if self.role < self.required_role:
            raise PermissionDenied(
                f"This page needs the {self.required_role.label.lower()} role or higher."
            )
        try:
            return super().dispatch(request, *args, **kwargs)
        except NotFound as error:
            raise Http404(error.message) from None
        except Forbidden as error:
            raise PermissionDenied(error.message) from None
        except DomainError as error:
            # A rule the form could not place (a race, a stale page): say it and go back.
            messages.error(request, error.message)
            return HttpResponseRedirect(request.path)

    @property
    def person(self) -> User:
        """The signed-in person (the page requires one)."""
        return cast(User, self.request.user)

    def base_context(self, **extra: Any) -> dict[str, Any]:
        return {
            "organization": self.organization,
            "membership": self.membership,
            "role": self.role,
            "is_admin": self.role >= Role.ADMIN,
            "is_owner": self.role >= Role.OWNER,
            "can_edit_templates": self.role >= Role.ANALYST,
            "my_organizations": switcher_of(self.person),
            **extra,
        }


class OrganizationPage(OrganizationMixin, View):
    """A page about the signed-in person's active organization."""

    def page(self, template_name: str, status: int = 200, **extra: Any) -> HttpResponse:
        return render(self.request, template_name, self.base_context(**extra), status=status)

    def done(self, message: str, to: str | None = None) -> HttpResponseRedirect:
        """After a successful POST: a message, then back to the page (post/redirect/get)."""
        messages.success(self.request, message)
        return HttpResponseRedirect(to or self.request.path)


class HomePage(OrganizationPage):
    """The active organization's dashboard."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            # Personal organizations: the first sign-in makes one instead of the setup step.
            personal_organization_ensure(user=request.user)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        organization = self.organization
        members = list(members_of(organization)[:8])
        seats = seat_usage(organization)
        is_admin = self.role >= Role.ADMIN
        activity = describe_all(audit_log_page(organization, size=8).rows) if is_admin else []
        usage = usage_of(organization)
        return self.page(
            "pages/home.html",
            limits=usage.usage.limits,
            run_meters=run_meters(usage, organization),
            chart=usage_chart(usage),
            members=members,
            member_count=seats.members,
            pending_invitations=seats.pending_invitations,
            seats_used=seats.total,
            activity=activity,
            plan=organization.plan,
        )


def brand_stylesheet(request: HttpRequest) -> HttpResponse:
    """The active organization's colours as CSS variables (a stylesheet, since the content
    security policy allows no inline styles), with the text colour and shades that read on
    them."""
    membership = active_membership_for(request.user) if request.user.is_authenticated else None
    return organization_stylesheet(membership.organization if membership else None)


def organization_stylesheet(organization: Organization | None) -> HttpResponse:
    """`organization`'s colours as the brand stylesheet; without one it is empty, and app.css
    keeps its neutral defaults."""
    css = ""
    if organization is not None:
        palette = Palette(organization.primary_color, organization.secondary_color)
        variables = " ".join(f"{name}: {value};" for name, value in palette.css_variables().items())
        css = f":root {{ {variables} }}\n"
    response = HttpResponse(css, content_type="text/css")
    patch_cache_control(response, private=True, max_age=0, must_revalidate=True)
    return response


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"message": message, **_header(request)}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", _header(request), status=404)


def _header(request: HttpRequest) -> dict[str, Any]:
    """The signed-in person's own organization's header on an error page (never the one the
    refused or missing page was about)."""
    user = getattr(request, "user", None)
    return organization_header(user) if user is not None and user.is_authenticated else {}


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
