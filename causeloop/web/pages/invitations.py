"""The public invitation page `/invitations/<token>/`, in its organization's logo and colours:
anyone with the link sees the invitation; the invited person accepts it, or signs up with the
invited address and lands in the organization."""

from __future__ import annotations

from typing import Any, cast

from allauth.account.adapter import get_adapter
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views import View

from causeloop.core.errors import DomainError, NotFound
from causeloop.web.pages.base import organization_stylesheet
from memberships.forms import INVITATION_SESSION_KEY
from memberships.models import Invitation, User
from memberships.services.invitations import invitation_accept, invitation_by_token
from memberships.signals import welcome


class InvitationPage(View):
    """Anyone with the link sees the invitation, in its organization's logo and colours; the
    invited person accepts it."""

    def _invitation(self, token: str) -> Invitation | None:
        try:
            return invitation_by_token(token)
        except NotFound:
            return None

    def _page(
        self, request: HttpRequest, invitation: Invitation, token: str, **extra: Any
    ) -> HttpResponse:
        signed_in = request.user.is_authenticated
        context = {
            "invitation": invitation,
            "inviting": invitation.organization,
            "token": token,
            "matches": signed_in
            and cast(User, request.user).email.lower() == invitation.email.lower(),
            "login_url": reverse("account_login") + "?" + urlencode({"next": request.path}),
            **extra,
        }
        status = extra.pop("status", 200)
        return render(request, "memberships/invitation.html", context, status=status)

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        invitation = self._invitation(token)
        if invitation is None:
            return render(request, "memberships/invitation_invalid.html", status=404)
        return self._page(request, invitation, token)

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        invitation = self._invitation(token)
        if invitation is None:
            return render(request, "memberships/invitation_invalid.html", status=404)
        if request.POST.get("action") == "signup":
            # Sign up with the invited address; the invitation is accepted once signed up.
            request.session[INVITATION_SESSION_KEY] = token
            if invitation.state == "pending":
                # The link was mailed to that address: following it proves the address, so
                # signing up with it needs no verification mail of its own.
                get_adapter(request).stash_verified_email(request, invitation.email)
            return redirect("account_signup")
        if not request.user.is_authenticated:
            return redirect(reverse("account_login") + "?" + urlencode({"next": request.path}))
        try:
            invitation_accept(invitation=invitation, user=request.user)
        except DomainError as error:
            return self._page(
                request, invitation, token, error=error.message, status=error.status_code
            )
        welcome(request, invitation.organization)
        return redirect("home")


def invitation_stylesheet(request: HttpRequest, token: str) -> HttpResponse:
    """The inviting organization's colours, for its public invitation page."""
    try:
        invitation = invitation_by_token(token)
    except NotFound:
        raise Http404("Invitation not found.") from None
    return organization_stylesheet(invitation.organization)
