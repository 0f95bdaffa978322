"""`/admin/members/`: the organization's members, its pending invitations and its invite codes,
each a page at a time; the members searched by name or email and filtered by role. (The public
invitation page is `web.pages.invitations`.)"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from causeloop.core.errors import DomainError
from causeloop.core.shown_once import no_store, show_once, take_shown_once
from causeloop.web.pages import confirm
from causeloop.web.pages.base import OrganizationPage, apply_error
from causeloop.web.pages.paging import Pager, kept_parameters, keyset_list
from causeloop.web.throttling import invitation_mail
from directory.services.domain_joins import member_add_or_invite
from memberships.forms import (
    InviteCodeForm,
    InviteForm,
    MemberFilterForm,
    RoleForm,
)
from memberships.links import invitation_url, join_url
from memberships.models import Invitation, InviteCode, Membership
from memberships.selectors import (
    invite_codes_page,
    members_page,
    owner_count,
    pending_invitations_page,
    seats_used,
)
from memberships.services.invitations import (
    invitation_resend,
    invitation_revoke,
)
from memberships.services.invite_codes import invite_code_create, invite_code_deactivate
from memberships.services.members import membership_change_role, membership_remove
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
MEMBERS_PER_PAGE = 25
INVITATIONS_PER_PAGE = 10
CODES_PER_PAGE = 10
# The members' filters and each list's position: every list's links keep the others'.
MEMBER_FILTERS = ("q", "role")
POSITIONS = (
    "after",
    "before",
    "invitations_after",
    "invitations_before",
    "codes_after",
    "codes_before",
)


class MembersPage(OrganizationPage):
    """Every member sees who belongs and may leave; admins invite, change roles and remove
    (owners only by owners); nobody is offered a button the rules would refuse. The members,
    the pending invitations and the invite codes each come a page at a time, by keyset, so the
    page costs the same with 10 members or 20,000."""

    def _rows(self, members: list[Membership], owners: int) -> list[MemberRow]:
        """The page's members as the signed-in person sees them; `owners` is how many the
        whole organization has (the last one may not leave or step down)."""
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

    def _members(
        self, filters: MemberFilterForm, kept: dict[str, str]
    ) -> tuple[list[Membership], Pager]:
        """The page of members the links and the filters ask for (the filters only when
        valid: otherwise their errors show beside everyone)."""
        role, search = None, ""
        if filters.is_bound and filters.is_valid():
            role = filters.cleaned_data["role"] or None
            search = filters.cleaned_data["q"]
        return keyset_list(
            self.request,
            partial(
                members_page,
                self.organization,
                role=role,
                person_contains=search,
                size=MEMBERS_PER_PAGE,
            ),
            kept=kept,
        )

    def _page(self, status: int = 200, **forms: Any) -> HttpResponse:
        organization = self.organization
        request = self.request
        filters = MemberFilterForm(kept_parameters(request, MEMBER_FILTERS) or None)
        # The links keep the filters only when they are valid (a bad one is said once).
        valid = filters.is_bound and filters.is_valid()
        kept = kept_parameters(request, (*(MEMBER_FILTERS if valid else ()), *POSITIONS))
        members, members_pager = self._members(filters, kept)
        manages = self.role >= Role.ADMIN
        invitations: list[Invitation] = []
        invitations_pager = codes_pager = Pager()
        codes: list[InviteCode] = []
        if manages:
            invitations, invitations_pager = keyset_list(
                request,
                partial(pending_invitations_page, organization, size=INVITATIONS_PER_PAGE),
                after="invitations_after",
                before="invitations_before",
                kept=kept,
            )
            codes, codes_pager = keyset_list(
                request,
                partial(invite_codes_page, organization, size=CODES_PER_PAGE),
                after="codes_after",
                before="codes_before",
                kept=kept,
            )
        pagers = (members_pager, invitations_pager, codes_pager)
        if status == 200 and (filters.errors or any(pager.notice for pager in pagers)):
            status = 400
        return self.page(
            "memberships/members.html",
            status=status,
            rows=self._rows(members, owner_count(organization)),
            filters=filters,
            is_filtered=bool(filters.is_bound and not filters.errors),
            members_pager=members_pager,
            manages=manages,
            invitations=[
                (invitation, confirm.revoke_invitation(invitation)) for invitation in invitations
            ],
            invitations_pager=invitations_pager,
            invite_codes=code_rows(codes),
            codes_pager=codes_pager,
            seats_used=seats_used(organization),
            invite_form=forms.get("invite_form") or InviteForm(),
            code_form=forms.get("code_form") or InviteCodeForm(up_to=self.role),
            shown_once=take_shown_once(request),
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
