"""The one place that says which tenant a unit of work is about.

Every request that acts on an organization (API and pages alike) resolves it through the
caller's memberships and then calls `enter_tenant(organization)`; operators' code (commands,
the platform API, the Django admin) calls `enter_platform()`. On PostgreSQL these set the
transaction-local settings that row-level security keys on (see `causeloop.core.dbsecurity` and
docs/security.md); on SQLite they do nothing and the application layer is the only wall.

Contexts, from narrowest to widest:

- none: a query sees no tenant row at all (the database's answer to forgotten scoping);
- `enter_user(user)`: the person's own memberships, the organizations they belong to and
  their personal tokens (set for every signed-in request by `start_request`);
- `enter_tenant(organization)`: that organization's rows (after membership was checked, after
  an API key was found, or after an invitation token / invite code proved the right to it);
- `with platform_lookup():` every row, for one lookup only and then back to what it was —
  finding a credential by its hash before any tenant is known, or checking that a slug is free;
- `enter_platform()`: every row, for the rest of the unit of work (operators only).

Entering a tenant also names it (`organization`) in every later log line of the unit of work
(the request's own line included: causeloop.web.requestlog).

Settings are transaction-local (`set_config(…, true)`), so they are safe under transaction
pooling and never leak from one request to the next. `request_transaction` makes each request
one transaction on PostgreSQL (`causeloop.web.middleware.TenancyMiddleware` wraps every request
in it). Outside a transaction and outside a request (a management command)
the setting is made for the session instead, which a command owns for its whole run — unless
the connection goes through a transaction pooler (`DATABASE_POOL_MODE=transaction`), where the
next statement may run on another server connection and this one passes to another client with
the setting still on: there it is refused, and commands connect to PostgreSQL directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import structlog
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Model

from causeloop.core.dbsecurity import CURRENT_ORG, CURRENT_USER, PLATFORM

_in_request: ContextVar[bool] = ContextVar("causeloop_in_request", default=False)


class TenancyContextError(RuntimeError):
    """A tenant context was set where it would not last (outside the request's transaction)."""


def _connection(using: str = DEFAULT_DB_ALIAS) -> Any:
    connection = connections[using]
    return connection if connection.vendor == "postgresql" else None


def _is_local(connection: Any) -> bool:
    if connection.in_atomic_block:
        return True
    if _in_request.get():
        raise TenancyContextError(
            "a tenant context set outside the request's transaction would not apply"
        )
    if connection.settings_dict.get("POOL_MODE") == "transaction":
        raise TenancyContextError(
            "a tenant context set outside a transaction would hold for the database session, "
            "which a transaction pooler (DATABASE_POOL_MODE=transaction) shares with other "
            "clients: run management commands and migrations against PostgreSQL directly "
            "(DATABASE_URL without the pooler, DATABASE_POOL_MODE unset)"
        )
    return False


def _set(values: dict[str, str], using: str = DEFAULT_DB_ALIAS) -> list[Any]:
    """Set the settings in one round trip; returns their previous values."""
    if CURRENT_ORG in values:
        # Every log line of the unit of work names the organization it is about from here on
        # (on SQLite too, where there is no setting to make).
        structlog.contextvars.bind_contextvars(organization=values[CURRENT_ORG] or None)
    connection = _connection(using)
    if connection is None:
        return []
    local = _is_local(connection)
    columns, params = [], []
    for name, value in values.items():
        columns.append("current_setting(%s, true), set_config(%s, %s, %s)")
        params += [name, name, value, local]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(columns), params)
        row = cursor.fetchone()
    return [row[i] or "" for i in range(0, len(row), 2)]


def row_security_applies() -> bool:
    """Whether the database enforces the tenant contexts (PostgreSQL; SQLite has no RLS)."""
    return _connection() is not None


@contextmanager
def request_transaction() -> Iterator[None]:
    """One request: one transaction, inside which every context is transaction-local (setting
    one outside it would not apply, so it is refused)."""
    token = _in_request.set(True)
    try:
        with transaction.atomic():
            yield
    finally:
        _in_request.reset(token)


def start_request(*, user: Any, platform: bool) -> None:
    """A request's clean start: the signed-in person's own rows (`user`, or None), plus every
    tenant's for an operator in the Django admin. Every setting is set, so a session-level
    value (a command's) can never show through."""
    _set(
        {
            CURRENT_ORG: "",
            CURRENT_USER: str(user.pk) if user is not None else "",
            PLATFORM: "on" if platform else "",
        }
    )


def enter_tenant(organization: Model | str) -> None:
    """Scope the rest of this unit of work to `organization` (an instance or its ID)."""
    org_id = organization if isinstance(organization, str) else organization.pk
    _set({CURRENT_ORG: str(org_id)})


def enter_user(user: Any) -> None:
    """Let the rest of this unit of work see the person's own memberships, organizations and
    personal tokens (in every organization), and nothing else of any tenant."""
    _set({CURRENT_USER: str(user.pk)})


def enter_platform() -> None:
    """Mark this unit of work as the platform operator's: it may see every tenant."""
    _set({PLATFORM: "on"})


def leave_all() -> None:
    """Back to no context at all: queries see no tenant row."""
    _set({CURRENT_ORG: "", CURRENT_USER: "", PLATFORM: ""})


class Lookup:
    """What a `platform_lookup` found the right to: the context to enter as it ends, set in
    the same round trip as leaving the platform context."""

    def __init__(self) -> None:
        self.settings: dict[str, str] = {}

    def then_enter_user(self, user: Any) -> None:
        self.settings[CURRENT_USER] = str(user.pk)

    def then_enter_tenant(self, organization: Model | str) -> None:
        org_id = organization if isinstance(organization, str) else organization.pk
        self.settings[CURRENT_ORG] = str(org_id)


@contextmanager
def platform_lookup() -> Iterator[Lookup]:
    """Every tenant's rows for the duration of the block only, then back to the context before
    it (plus whatever the block asked to enter next). For lookups that must happen before any
    tenant is known (a credential by its hash, an invitation by its token, an invite code) or
    across tenants by design (is a slug free?)."""
    previous = _set({PLATFORM: "on"})
    lookup = Lookup()
    failed = False
    try:
        yield lookup
    except BaseException:
        failed = True
        raise
    finally:
        if previous:
            after = {} if failed else lookup.settings
            _set({PLATFORM: previous[0], **after})
        elif not failed and lookup.settings:
            _set(lookup.settings)


@contextmanager
def acting_for(user: Any) -> Iterator[None]:
    """The rows of `user` (their memberships in every organization, their tokens) for the
    duration of the block, then back: for services that change another person's place across
    organizations (activating their next membership, adding them to one more)."""
    user_id = user if isinstance(user, str) else user.pk
    previous = _set({CURRENT_USER: str(user_id)})
    try:
        yield
    finally:
        if previous:
            _set({CURRENT_USER: previous[0]})


@contextmanager
def platform_work() -> Iterator[None]:
    """One transaction in the platform context: background tasks and other system work."""
    with transaction.atomic():
        enter_platform()
        yield


def current_context() -> dict[str, str]:
    """The settings in effect now (for diagnostics and tests)."""
    connection = _connection()
    if connection is None:
        return {}
    names = [CURRENT_ORG, CURRENT_USER, PLATFORM]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join("current_setting(%s, true)" for _ in names), names)
        row = cursor.fetchone()
    return {name: value or "" for name, value in zip(names, row, strict=True)}
