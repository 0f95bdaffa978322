"""The wizard's state: the organization it is setting up, kept in the session.

Every step asks `wizard_organization()` whether that organization exists — and is still the
person's own — and acts on it: the organization step corrects it rather than making another,
the plan and success steps show it. Creating it at all goes through `create_once()`, keyed by
the form's `attempt`, so that two submits of one form (a double click, the back button to a
cached page) make one organization even when they race: the session is read before either has
written it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import cast

from django.http import HttpRequest

from causeloop.core.db import transaction_lock
from causeloop.models import IdempotencyRecord
from causeloop.web.pages.base import enter_membership
from memberships.models import User
from memberships.selectors import membership_in
from organizations.models import Organization
from organizations.roles import Role

SESSION_KEY = "causeloop.wizard"


def person(request: HttpRequest) -> User:
    """The signed-in person (every step requires one)."""
    return cast(User, request.user)


def wizard_organization(request: HttpRequest) -> Organization | None:
    """The organization this wizard is setting up (entered for row-level security), if the
    person still owns it; otherwise the state is forgotten and None."""
    state = request.session.get(SESSION_KEY) or {}
    reference = state.get("organization")
    if not isinstance(reference, str) or not reference:
        return None
    membership = membership_in(person(request), organization=reference)
    if membership is None or membership.role != Role.OWNER:
        forget(request)  # left, removed, handed over or deleted: not theirs to set up any more
        return None
    return enter_membership(membership)


def is_finished(request: HttpRequest) -> bool:
    """Whether the person has seen the success step of the organization being set up."""
    return bool((request.session.get(SESSION_KEY) or {}).get("finished"))


def remember(request: HttpRequest, organization: Organization, *, finished: bool = False) -> None:
    request.session[SESSION_KEY] = {"organization": organization.pk, "finished": finished}


def forget(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def new_attempt() -> str:
    """The key of one blank create form."""
    return secrets.token_urlsafe(16)


def create_once(
    request: HttpRequest, attempt: str, create: Callable[[], Organization]
) -> Organization:
    """`create()` once per `attempt`: a twin submit of the same form waits for the first to
    finish and gets the organization it made (if the person still owns it)."""
    scope, key = f"wizard:{person(request).pk}", f"create:{attempt}"
    _wait_for_twin(scope, key)
    record = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if record is not None:
        made = membership_in(
            person(request), organization=bytes(record.response_body or b"").decode()
        )
        if made is not None and made.role == Role.OWNER:
            return enter_membership(made)
    organization = create()
    IdempotencyRecord.objects.update_or_create(
        scope=scope,
        key=key,
        defaults={
            "method": "POST",
            "path": request.path[:512],
            "request_hash": "",
            "state": IdempotencyRecord.State.COMPLETED,
            "response_status": 302,
            "response_body": organization.pk.encode(),
        },
    )
    return organization


def _wait_for_twin(scope: str, key: str) -> None:
    """Hold the attempt's lock until this request's transaction ends (every page request is
    one transaction); a twin blocks here until then and finds the record."""
    transaction_lock(f"{scope}\n{key}")
