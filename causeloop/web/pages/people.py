"""People pages: `/admin/members/` and the public invitation page `/invitations/<token>/`
(with its organization's logo and colours)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View

from causeloop.core.errors import DomainError, NotFound, ValidationFailed
from causeloop.core.keyset import KeysetPage
from causeloop.core.shown_once import no_store, show_once, take_shown_once
from causeloop.web.pages import confirm
from causeloop.web.pages.base import (
    OrganizationPage,
    apply_error,
    cursor_of,
    keyset_links,
    organization_stylesheet,
)
from causeloop.web.throttling import invitation_mail
from directory.services.domain_joins import member_add_or_invite
from memberships.forms import INVITATION_SESSION_KEY, InviteCodeForm, InviteForm, RoleForm
from memberships.links import invitation_url, join_url
from memberships.models import Invitation, InviteCode, Membership, User
from memberships.selectors import (
    invite_codes_page,
    members_of,
    pending_invitations_of,
    seats_used,
)
from memberships.services.invitations import (
    invitation_accept,
    invitation_by_token,
    invitation_resend,
    invitation_revoke,
)
from memberships.services.invite_codes import invite_code_create, invite_code_deactivate
from memberships.services.members import membership_change_role, membership_remove
from memberships.signals import welcome
from organizations.roles import Role
from organizations.selectors import owned_row


@dataclass(frozen=True)
class MemberRow:
    """One member as the signed-in person sees them: the roles they may give (each with the
    question a step down asks), the Remove or Leave button's question, or why there is none."""

    membership: Membership
    is_you: bool
    role_choices: list[tuple[Role, confirm.Confirmation | None]]  # empty: not theirs to change
    remove: confirm.Confirmation | None
    note: str = ""


@dataclass(frozen=True)
class CodeRow:
    """An invite code with its rules and state; while people can join with it, its join link
    and the question its Deactivate button asks."""

    code: InviteCode
    join_url: str
    deactivate: confirm.Confirmation | None
    has_expired: bool


def code_rows(codes: list[InviteCode]) -> list[CodeRow]:
    """The codes as the members page lists them."""
    now = timezone.now()
    rows = []
    for code in codes:
        usable = code.state == InviteCode.State.ACTIVE
        rows.append(
            CodeRow(
                code,
                join_url(code.code) if usable else "",
                confirm.deactivate_code(code) if usable else None,
                has_expired=code.expires_at <= now,
            )
        )
    return rows


# Everyone sees the members (SPEC §2); these actions are for admins and owners.
ADMIN_ACTIONS = ("invite", "change_role", "resend", "revoke", "create_code", "deactivate_code")


class MembersPage(OrganizationPage):
    """Every member sees who belongs and may leave; admins invite, change roles and remove
    (owners only by owners); nobody is offered a button the rules would refuse."""

    def _rows(self, members: list[Membership]) -> list[MemberRow]:
        owners = sum(1 for member in members if member.role == Role.OWNER)
        grantable = [role for role in Role if role <= self.role]
        rows = []
        for member in members:
            is_you = member.user_id == self.person.pk
            if member.role == Role.OWNER and owners == 1:
                note = (
                    "You are the only owner: to leave or step down, transfer ownership first."
                    if is_you
                    else ""
                )
                rows.append(MemberRow(member, is_you, [], None, note))
                continue
            changeable = self.role.manages(member.role)
            choices = (
                [(r, confirm.change_role(member, r, yourself=is_you)) for r in grantable]
                if changeable
                else []
            )
            remove: confirm.Confirmation | None = None
            if is_you:
                remove = confirm.leave(member, self.organization)
            elif changeable:
                remove = confirm.remove_member(member, self.organization)
            rows.append(MemberRow(member, is_you, choices, remove))
        return rows

    def _codes(self) -> tuple[KeysetPage[InviteCode], str]:
        """The page of invite codes the links ask for (the newest first), and what to say
        when a link is broken."""
        after = cursor_of(self.request, "codes_after")
        before = cursor_of(self.request, "codes_before")
        try:
            return invite_codes_page(self.organization, after=after, before=before), ""
        except ValidationFailed as error:
            return invite_codes_page(self.organization), error.message

    def _page(self, status: int = 200, **forms: Any) -> HttpResponse:
        organization = self.organization
        members = list(members_of(organization))
        manages = self.role >= Role.ADMIN
        codes, codes_notice = self._codes() if manages else (None, "")
        return self.page(
            "memberships/members.html",
            status=status,
            rows=self._rows(members),
            manages=manages,
            invitations=[
                (invitation, confirm.revoke_invitation(invitation))
                for invitation in pending_invitations_of(organization)
            ]
            if manages
            else [],
            invite_codes=code_rows(codes.rows) if codes else [],
            codes_links=(
                keyset_links(codes, after="codes_after", before="codes_before") if codes else {}
            ),
            codes_notice=codes_notice,
            seats_used=seats_used(organization),
            invite_form=forms.get("invite_form") or InviteForm(),
            code_form=forms.get("code_form") or InviteCodeForm(up_to=self.role),
            shown_once=take_shown_once(self.request),
        )

    @no_store  # it may show a new invitation's link
    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page()

    @no_store
    def post(self, request: HttpRequest) -> HttpResponse:
        action = request.POST.get("action", "")
        handler = getattr(self, f"_{action}", None) if action.isidentifier() else None
        if handler is None or action not in self.actions:
            messages.error(request, "Unknown action.")
            return redirect(request.path)
        if action in ADMIN_ACTIONS and self.role < Role.ADMIN:
            raise PermissionDenied("Only admins and owners manage members and invitations.")
        return handler(request)

    actions = (*ADMIN_ACTIONS, "remove")

    def _invite(self, request: HttpRequest) -> HttpResponse:
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                with invitation_mail(
                    request, organization=self.organization, email=form.cleaned_data["email"]
                ):
                    outcome = member_add_or_invite(
                        organization=self.organization, actor=self.person, **form.cleaned_data
                    )
                if outcome.membership is not None:  # their verified address is on our domain
                    return self.done(
                        f"{outcome.membership.user.email} added directly, as "
                        f"{outcome.membership.get_role_display().lower()}: their verified address "
                        "is on one of your verified domains."
                    )
                invitation = outcome.invitation
                assert invitation is not None
                show_once(
                    request,
                    f"Invitation link for {invitation.email}",
                    invitation_url(outcome.token),
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
        role = Role(form.cleaned_data["role"])
        is_you = membership.user_id == self.person.pk
        question = confirm.change_role(membership, role, yourself=is_you)
        if question is not None and not confirm.confirmed(request):
            return confirm.confirmation_page(self, question)
        membership_change_role(membership=membership, actor=self.person, role=role)
        if is_you:
            return self.done(f"You are now {role.label.lower()}.", to="/")
        return self.done(f"{membership.user.email} is now {role.label}.")

    def _remove(self, request: HttpRequest) -> HttpResponse:
        membership = self._membership(request)
        leaving = membership.user_id == self.person.pk
        if not leaving and self.role < Role.ADMIN:
            raise PermissionDenied("Only admins and owners remove members.")
        if not confirm.confirmed(request):
            question = (
                confirm.leave(membership, self.organization)
                if leaving
                else confirm.remove_member(membership, self.organization)
            )
            return confirm.confirmation_page(self, question)
        membership_remove(membership=membership, actor=self.person)
        if leaving:
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
            invitation, token = invitation_resend(invitation=invitation, actor=self.person)
        show_once(request, f"Invitation link for {invitation.email}", invitation_url(token))
        return self.done(f"Invitation queued again for {invitation.email}, with a new link.")

    def _revoke(self, request: HttpRequest) -> HttpResponse:
        invitation = self._invitation(request)
        if not confirm.confirmed(request):
            return confirm.confirmation_page(self, confirm.revoke_invitation(invitation))
        invitation = invitation_revoke(invitation=invitation, actor=self.person)
        return self.done(f"Invitation for {invitation.email} revoked.")

    def _create_code(self, request: HttpRequest) -> HttpResponse:
        form = InviteCodeForm(request.POST, up_to=self.role)
        if form.is_valid():
            try:
                code = invite_code_create(
                    organization=self.organization, actor=self.person, **form.cleaned_data
                )
                return self.done(f"Invite code {code.code} created.")
            except DomainError as error:
                apply_error(form, error)
        return self._page(status=400, code_form=form)

    def _deactivate_code(self, request: HttpRequest) -> HttpResponse:
        code = owned_row(InviteCode, organization=self.organization, pk=request.POST.get("code"))
        if not confirm.confirmed(request):
            return confirm.confirmation_page(self, confirm.deactivate_code(code))
        invite_code_deactivate(invite_code=code, actor=self.person)
        return self.done(f"Invite code {code.code} deactivated.")


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
