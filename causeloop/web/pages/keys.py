"""`/admin/api-keys/`: the active organization's API keys — create (shown once), rotate and
revoke, the last two confirmed first (`web.pages.confirm`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

from causeloop.core.errors import DomainError
from causeloop.core.shown_once import no_store, show_once, take_shown_once
from causeloop.web.pages import confirm
from causeloop.web.pages.base import OrganizationPage, apply_error
from organizations.forms import ApiKeyForm
from organizations.models import ApiKey
from organizations.roles import Role
from organizations.selectors import api_keys_for, owned_row
from organizations.services.api_keys import api_key_create, api_key_revoke, api_key_rotate


@dataclass(frozen=True)
class KeyRow:
    """A key and, while it works, the questions its Rotate and Revoke buttons ask."""

    key: ApiKey
    rotate: confirm.Confirmation | None
    revoke: confirm.Confirmation | None


class ApiKeysPage(OrganizationPage):
    required_role = Role.ADMIN

    def _list(self, form: ApiKeyForm | None = None, status: int = 200) -> HttpResponse:
        keys = (
            api_keys_for(self.organization)
            .select_related("created_by")
            .order_by("revoked_at", "-created_at", "-id")
        )
        rows = [
            KeyRow(key, None, None)
            if key.revoked_at
            else KeyRow(key, confirm.rotate_key(key), confirm.revoke_key(key))
            for key in keys
        ]
        return self.page(
            "organizations/api_keys.html",
            status=status,
            rows=rows,
            form=form or ApiKeyForm(),
            shown_once=take_shown_once(self.request),
        )

    @no_store  # it may show a new key
    def get(self, request: HttpRequest) -> HttpResponse:
        return self._list()

    @no_store
    def post(self, request: HttpRequest) -> HttpResponse:
        action = request.POST.get("action", "create")
        if action in ("rotate", "revoke"):
            api_key = owned_row(ApiKey, organization=self.organization, pk=request.POST.get("key"))
            if action == "revoke":
                if not confirm.confirmed(request):
                    return confirm.confirmation_page(self, confirm.revoke_key(api_key))
                api_key_revoke(api_key=api_key, actor=self.person)
                return self.done(f"Key “{api_key.name}” revoked; it stopped working at once.")
            if not confirm.confirmed(request):
                return confirm.confirmation_page(self, confirm.rotate_key(api_key))
            new_key, secret = api_key_rotate(api_key=api_key, actor=self.person)
            show_once(request, f"New key for “{new_key.name}”", secret)
            return self.done("Key rotated: the old key stopped working. Copy the new one now.")
        form = ApiKeyForm(request.POST)
        if form.is_valid():
            try:
                api_key, secret = api_key_create(
                    organization=self.organization,
                    actor=self.person,
                    name=form.cleaned_data["name"],
                )
                show_once(request, f"Key “{api_key.name}”", secret)
                return self.done("Key created. Copy it now: it is shown only once.")
            except DomainError as error:
                apply_error(form, error)
        return self._list(form, status=400)
