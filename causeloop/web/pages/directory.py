"""`/admin/directory/`: directory sync over SCIM for admins and owners — the base URL an
identity provider is given, its tokens (created and shown once, revoked after a confirmation)
and the people it manages, a page at a time, with when it last spoke."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from causeloop.core.errors import DomainError, ValidationFailed
from causeloop.core.shown_once import no_store, show_once, take_shown_once
from causeloop.web.pages import confirm
from causeloop.web.pages.base import OrganizationPage, apply_error
from directory.forms import ScimTokenForm
from directory.models import DirectoryUser, ScimToken
from directory.scim import ROLE_GROUPS
from directory.selectors.scim import (
    directory_people_page,
    directory_summary,
    recently_revoked_scim_tokens_of,
    usable_scim_tokens_of,
)
from directory.services.scim_tokens import scim_token_create, scim_token_revoke
from organizations.audit_text import ago
from organizations.roles import Role
from organizations.selectors import owned_row

PEOPLE_PER_PAGE = 25


def revoke_token(token: ScimToken) -> confirm.Confirmation:
    return confirm.Confirmation(
        title=f"Revoke the SCIM token “{token.name}”?",
        message=f"Your identity provider's requests with “{token.name}” (…{token.last_four}) "
        "are refused from now on, so nobody is added, changed or deactivated through it. "
        "People already synced stay as they are. This cannot be undone.",
        button="Revoke token",
        fields=(("action", "revoke"), ("token", token.pk)),
    )


@dataclass(frozen=True)
class TokenRow:
    token: ScimToken
    last_used: str
    revoke: confirm.Confirmation | None


@dataclass(frozen=True)
class PersonRow:
    person: DirectoryUser
    role: str
    changed: str


class DirectoryPage(OrganizationPage):
    required_role = Role.ADMIN

    def _page(self, form: ScimTokenForm | None = None, status: int = 200) -> HttpResponse:
        organization = self.organization
        usable = [
            TokenRow(token, ago(token.last_used_at), revoke_token(token))
            for token in usable_scim_tokens_of(organization).select_related("created_by")
        ]
        revoked = [
            TokenRow(token, ago(token.last_used_at), None)
            for token in recently_revoked_scim_tokens_of(organization)
        ]
        # Anything longer than a cursor is not one: the selector says so, without reading it all.
        after = self.request.GET.get("after", "")[:80]
        before = self.request.GET.get("before", "")[:80]
        notice = ""
        try:
            people = directory_people_page(
                organization, after=after, before=before, size=PEOPLE_PER_PAGE
            )
        except ValidationFailed as error:
            status, notice = 400, error.message
            people = directory_people_page(organization, size=PEOPLE_PER_PAGE)
        summary = directory_summary(organization)
        return self.page(
            "directory/directory.html",
            status=status,
            form=form or ScimTokenForm(),
            shown_once=take_shown_once(self.request),
            base_url=self.request.build_absolute_uri(reverse("scim-root")),
            tokens=usable,
            revoked_tokens=revoked,
            summary=summary,
            last_request=ago(summary.last_request_at),
            last_change=ago(summary.last_change_at),
            people=[
                PersonRow(person, ROLE_GROUPS[Role(person.role_now)], ago(person.updated_at))
                for person in people.rows
            ],
            newer=urlencode({"before": people.newer}) if people.newer else "",
            older=urlencode({"after": people.older}) if people.older else "",
            is_first_page=not (after or before) or people.newer is None,
            notice=notice,
        )

    @no_store  # it may show a new token
    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page()

    @no_store
    def post(self, request: HttpRequest) -> HttpResponse:
        if request.POST.get("action") == "revoke":
            token = owned_row(
                ScimToken, organization=self.organization, pk=request.POST.get("token")
            )
            if not confirm.confirmed(request):
                return confirm.confirmation_page(self, revoke_token(token))
            scim_token_revoke(token=token, actor=self.person)
            return self.done(f"Token “{token.name}” revoked; it stopped working at once.")
        form = ScimTokenForm(request.POST)
        if form.is_valid():
            try:
                token, secret = scim_token_create(
                    organization=self.organization,
                    actor=self.person,
                    name=form.cleaned_data["name"],
                )
                show_once(request, f"SCIM token “{token.name}”", secret)
                return self.done("Token created. Copy it now: it is shown only once.")
            except DomainError as error:
                apply_error(form, error)
        return self._page(form, status=400)
