"""People pages: `/admin/members/` and the invitation page `/invitations/<token>/`."""

from __future__ import annotations

from typing import Any, cast

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views import View

from causeloop.core.errors import DomainError, NotFound
from causeloop.web.pages.base import OrganizationPage, apply_error
from causeloop.web.throttling import invitation_mail
from memberships.forms import INVITATION_SESSION_KEY, InviteCodeForm, InviteForm, RoleForm
from memberships.models import Invitation, InviteCode, Membership, User
from memberships.selectors import (
    active_invite_codes_of,
    members_of,
    pending_invitations_of,
    seats_used,
)
from memberships.services.invitations import (
    invitation_accept,
    invitation_by_token,
    invitation_create,
    invitation_resend,
    invitation_revoke,
)
from memberships.services.invite_codes import invite_code_create, invite_code_deactivate
from memberships.services.members import membership_change_role, membership_remove
from organizations.roles import Role
from organizations.selectors import owned_row


class MembersPage(OrganizationPage):
    required_role = Role.ADMIN

    def _page(self, status: int = 200, **forms: Any) -> HttpResponse:
        organization = self.organization
        members = list(members_of(organization))
        # Admins manage everyone but owners; owners manage everyone.
        manageable = {
            member.pk for member in members if self.role >= Role.OWNER or member.role != Role.OWNER
        }
        grantable = [role for role in Role if role <= self.role]
        return self.page(
            "memberships/members.html",
            status=status,
            members=members,
            manageable=manageable,
            grantable_roles=grantable,
            invitations=pending_invitations_of(organization),
            invite_codes=active_invite_codes_of(organization),
            seats_used=seats_used(organization),
            invite_form=forms.get("invite_form") or InviteForm(),
            code_form=forms.get("code_form") or InviteCodeForm(),
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page()

    def post(self, request: HttpRequest) -> HttpResponse:
        action = request.POST.get("action", "")
        handler = getattr(self, f"_{action}", None) if action.isidentifier() else None
        if handler is None or action not in self.actions:
            messages.error(request, "Unknown action.")
            return redirect(request.path)
        return handler(request)

    actions = (
        "invite",
        "change_role",
        "remove",
        "resend",
        "revoke",
        "create_code",
        "deactivate_code",
    )

    def _invite(self, request: HttpRequest) -> HttpResponse:
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                with invitation_mail(
                    request, organization=self.organization, email=form.cleaned_data["email"]
                ):
                    invitation, _token = invitation_create(
                        organization=self.organization, actor=self.person, **form.cleaned_data
                    )
                return self.done(f"Invitation queued for {invitation.email}.")
            except DomainError as error:
                apply_error(form, error)
        return self._page(status=400, invite_form=form)

    def _membership(self, request: HttpRequest) -> Membership:
        return owned_row(
            Membership, organization=self.organization, pk=request.POST.get("membership")
        )

    def _change_role(self, request: HttpRequest) -> HttpResponse:
        membership = self._membership(request)
        form = RoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a role.")
            return redirect(request.path)
        membership_change_role(
            membership=membership, actor=self.person, role=form.cleaned_data["role"]
        )
        return self.done(f"{membership.user.email} is now {Role(form.cleaned_data['role']).label}.")

    def _remove(self, request: HttpRequest) -> HttpResponse:
        membership = self._membership(request)
        membership_remove(membership=membership, actor=self.person)
        if membership.user_id == request.user.pk:
            return self.done(f"You left {self.organization.name}.", to="/")
        return self.done(f"{membership.user.email} was removed.")

    def _invitation(self, request: HttpRequest) -> Invitation:
        return owned_row(
            Invitation, organization=self.organization, pk=request.POST.get("invitation")
        )

    def _resend(self, request: HttpRequest) -> HttpResponse:
        invitation = self._invitation(request)
        with invitation_mail(
            request, organization=self.organization, email=invitation.email, invitation=invitation
        ):
            invitation, _token = invitation_resend(invitation=invitation, actor=self.person)
        return self.done(f"Invitation queued again for {invitation.email}, with a new link.")

    def _revoke(self, request: HttpRequest) -> HttpResponse:
        invitation = invitation_revoke(invitation=self._invitation(request), actor=self.person)
        return self.done(f"Invitation for {invitation.email} revoked.")

    def _create_code(self, request: HttpRequest) -> HttpResponse:
        form = InviteCodeForm(request.POST)
        if form.is_valid():
            try:
                code = invite_code_create(
                    organization=self.organization,
                    actor=self.person,
                    expires_in_days=form.cleaned_data["expires_in_days"],
                )
                return self.done(f"Invite code {code.code} created.")
            except DomainError as error:
                apply_error(form, error)
        return self._page(status=400, code_form=form)

    def _deactivate_code(self, request: HttpRequest) -> HttpResponse:
        code = owned_row(InviteCode, organization=self.organization, pk=request.POST.get("code"))
        invite_code_deactivate(invite_code=code, actor=self.person)
        return self.done(f"Invite code {code.code} deactivated.")


class InvitationPage(View):
    """Anyone with the link sees the invitation; the invited person accepts it."""

    def _invitation(self, token: str) -> Invitation:
        try:
            return invitation_by_token(token)
        except NotFound:
            return None  # type: ignore[return-value]

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        invitation = self._invitation(token)
        if invitation is None:
            return render(request, "memberships/invitation_invalid.html", status=404)
        signed_in = request.user.is_authenticated
        context = {
            "invitation": invitation,
            "token": token,
            "matches": signed_in
            and cast(User, request.user).email.lower() == invitation.email.lower(),
            "login_url": reverse("account_login") + "?" + urlencode({"next": request.path}),
        }
        return render(request, "memberships/invitation.html", context)

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
            return render(
                request,
                "memberships/invitation.html",
                {"invitation": invitation, "token": token, "error": error.message},
                status=error.status_code,
            )
        messages.success(request, f"Welcome to {invitation.organization.name}.")
        return redirect("home")
