"""`/admin/api-keys/`: the active organization's API keys, the working ones first, a page at a
time — create (shown once), rotate (the old key stopping at once or after a grace period) and
revoke, the last two confirmed first (`web.pages.confirm`). A key in its grace shows how long it
still works; `countdown.js` keeps that right while the page stays open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone

from causeloop.core.errors import DomainError
from causeloop.core.shown_once import no_store, show_once, take_shown_once
from causeloop.web.pages import confirm
from causeloop.web.pages.base import OrganizationPage, apply_error
from causeloop.web.pages.paging import numbered_list
from organizations.forms import GRACE_CHOICES, GRACE_MESSAGE, ApiKeyForm, RotateKeyForm
from organizations.models import ApiKey
from organizations.roles import Role
from organizations.selectors import api_keys_for, owned_row
from organizations.services.api_keys import api_key_create, api_key_revoke, api_key_rotate


def time_left(until: datetime) -> str:
    """How long until `until`, in the countdown's words: "6 days 23 h", "23 h 59 min",
    "59 min", "less than a minute" (`countdown.js` says the same as the time passes)."""
    minutes = int((until - timezone.now()).total_seconds() // 60)
    if minutes < 1:
        return "less than a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{minutes} min"


@dataclass(frozen=True)
class RotateChoice:
    """One grace period the Rotate button offers, and the question it asks."""

    hours: int
    label: str
    question: confirm.Confirmation


@dataclass(frozen=True)
class KeyRow:
    """A key; while it works, the grace periods its Rotate button offers and the question
    its Revoke button asks; while it is expiring, how long it still works."""

    key: ApiKey
    rotate: list[RotateChoice]
    revoke: confirm.Confirmation | None
    stops_in: str = ""

    @property
    def stops_at(self) -> str:
        """The moment it stops, for the countdown's `datetime` (whole seconds, as every
        browser reads it)."""
        return self.key.expires_at.isoformat(timespec="seconds") if self.key.expires_at else ""


def key_row(key: ApiKey) -> KeyRow:
    """The key as the keys page lists it."""
    if key.state not in (ApiKey.State.ACTIVE, ApiKey.State.EXPIRING):
        return KeyRow(key, [], None)
    rotate = [
        RotateChoice(hours, label, confirm.rotate_key(key, grace_period_hours=hours))
        for hours, label in GRACE_CHOICES
    ]
    stops_in = ""
    if key.state == ApiKey.State.EXPIRING and key.expires_at is not None:
        stops_in = time_left(key.expires_at)
    return KeyRow(key, rotate, confirm.revoke_key(key), stops_in)


class ApiKeysPage(OrganizationPage):
    required_role = Role.ADMIN

    def _list(self, form: ApiKeyForm | None = None, status: int = 200) -> HttpResponse:
        keys, pager = numbered_list(
            self.request,
            api_keys_for(self.organization)
            .select_related("created_by")
            .order_by(F("revoked_at").asc(nulls_first=True), "-created_at", "-id"),
        )
        return self.page(
            "organizations/api_keys.html",
            status=400 if pager.notice else status,
            rows=[key_row(key) for key in keys],
            pager=pager,
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
            return self._rotate(request, api_key)
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

    def _rotate(self, request: HttpRequest, api_key: ApiKey) -> HttpResponse:
        form = RotateKeyForm(request.POST)
        if not form.is_valid():
            messages.error(request, GRACE_MESSAGE)
            return HttpResponseRedirect(request.path)
        hours = form.cleaned_data["grace_period_hours"] or 0
        if not confirm.confirmed(request):
            question = confirm.rotate_key(api_key, grace_period_hours=hours)
            return confirm.confirmation_page(self, question)
        new_key, secret = api_key_rotate(
            api_key=api_key, actor=self.person, grace_period_hours=hours
        )
        show_once(request, f"New key for “{new_key.name}”", secret)
        if hours:
            api_key.refresh_from_db(fields=["expires_at"])
            assert api_key.expires_at is not None  # the grace's end
            return self.done(
                f"Key rotated: the old key keeps working for {time_left(api_key.expires_at)}, "
                "then stops. Copy the new one now."
            )
        return self.done("Key rotated: the old key stopped working. Copy the new one now.")
