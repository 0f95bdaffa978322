"""The usage limits of §9 under real concurrency: simultaneous starts and integrations, each on
its own connection as the application role (row-level security on), with committed rows. The
organization's subscription-row lock makes every limit exact, and it is the organization's own:
another organization's starts never wait for it."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import OperationalError, connection, transaction

from causeloop.core.errors import DomainError
from causeloop.core.tenancy import enter_tenant, platform_work
from organizations.models import (
    ApiKey,
    AuditLog,
    Event,
    Integration,
    Organization,
    Run,
    UsageDay,
)
from organizations.roles import Role
from organizations.services.integrations import integration_create
from organizations.services.plans import limits_override
from organizations.services.runs import run_start
from tests.factories import ApiKeyFactory, OrganizationFactory, member_of
from tests.security.test_races import codes, run_concurrently

pytestmark = [
    pytest.mark.usefixtures("as_app", "_no_zeal"),
    pytest.mark.xdist_group("many_connections"),
]

NOON = datetime(2026, 5, 12, 12, 0, tzinfo=UTC)
TODAY = NOON.date()


@pytest.fixture(autouse=True)
def _at_noon() -> Iterator[None]:
    """The clock runs from a fixed noon, so no race straddles midnight (every thread sees it)."""
    with time_machine.travel(NOON, tick=True):
        yield


def as_request(organization: Organization, call: Callable[[], Any]) -> Callable[[], Any]:
    """`call` as a request makes it: one transaction in the tenant's context, committed even
    when the service refuses (the API answers 4xx, and the refusal's event stays)."""

    def run() -> Any:
        refused: DomainError | None = None
        with transaction.atomic():
            enter_tenant(organization)
            try:
                return call()
            except DomainError as error:
                refused = error
        raise refused

    return run


def start(organization: Organization, actor: Any) -> Callable[[], Any]:
    return as_request(organization, lambda: run_start(organization=organization, actor=actor))


def limited(**limits: int) -> tuple[Organization, ApiKey, list[Any]]:
    """A committed organization with these limit overrides, an API key and three members."""
    with platform_work():
        organization = OrganizationFactory(plan_id="growth")
        limits_override(organization=organization, limits=limits)
        key = ApiKeyFactory(organization=organization)
        members = [member_of(organization, role) for role in (Role.MEMBER, Role.ANALYST)]
        members.append(member_of(organization, Role.ADMIN))
    return organization, key, members


def limits_named(outcomes: list[tuple[str, Any]]) -> Counter:
    return Counter(value.fields["limit"] for kind, value in outcomes if kind == "error")


def test_fifty_simultaneous_starts_against_twenty_left_today_give_exactly_twenty_runs():
    organization, key, members = limited(daily=25, monthly=1000, concurrent=1000)
    with platform_work():  # five of today's twenty-five are already used
        UsageDay.objects.create(organization=organization, day=TODAY, runs=5)
    actors = [key, *members]
    outcomes = run_concurrently([start(organization, actors[n % 4]) for n in range(50)])

    assert codes(outcomes) == Counter({"ok": 20, "quota_exceeded": 30}), outcomes
    assert limits_named(outcomes) == Counter({"daily": 30})
    waits = {value.retry_after for kind, value in outcomes if kind == "error"}
    assert 12 * 3600 - 60 < min(waits) <= max(waits) <= 12 * 3600  # to midnight (the clock ticks)
    with platform_work():
        assert Run.objects.filter(organization=organization).count() == 20
        assert UsageDay.objects.get(organization=organization, day=TODAY).runs == 25
        events = Event.objects.filter(organization=organization, type__startswith="run.")
        assert Counter(events.values_list("type", flat=True)) == Counter(
            {"run.started": 20, "run.refused": 30}
        )
        # The only audit row is the override's: starts and refusals are events, not audit rows.
        assert list(AuditLog.objects.filter(organization=organization).values_list("action")) == [
            ("limits.overridden",)
        ]
    started = [value.usage.runs_today for kind, value in outcomes if kind == "ok"]
    assert sorted(started) == list(range(6, 26))  # each start saw every one before it


def test_twenty_simultaneous_starts_against_three_concurrent_slots_give_exactly_three():
    organization, key, members = limited(daily=1000, monthly=1000, concurrent=3)
    actors = [key, *members]
    outcomes = run_concurrently([start(organization, actors[n % 4]) for n in range(20)])

    assert codes(outcomes) == Counter({"ok": 3, "quota_exceeded": 17}), outcomes
    assert limits_named(outcomes) == Counter({"concurrent": 17})
    with platform_work():
        assert Run.objects.filter(organization=organization, status="running").count() == 3
        assert UsageDay.objects.get(organization=organization, day=TODAY).runs == 3


def integration(organization: Organization, actor: Any, name: str) -> Callable[[], Any]:
    return as_request(
        organization,
        lambda: integration_create(
            organization=organization,
            actor=actor,
            name=name,
            kind="openai",
            credential="sk-race-0123456789",
        ),
    )


def test_ten_simultaneous_integrations_against_a_providers_limit_of_two_give_exactly_two():
    organization, key, members = limited(providers=2)
    admins = [key, members[2]]
    outcomes = run_concurrently(
        [integration(organization, admins[n % 2], f"Provider {n}") for n in range(10)]
    )

    assert codes(outcomes) == Counter({"ok": 2, "provider_limit_reached": 8}), outcomes
    with platform_work():
        assert Integration.objects.filter(organization=organization).count() == 2
        created = AuditLog.objects.filter(organization=organization, action="integration.created")
        assert created.count() == 2
        events = Event.objects.filter(organization=organization, type="integration.created")
        assert events.count() == 2


def test_ten_simultaneous_integrations_of_one_name_in_any_case_give_one():
    organization, key, _members = limited(providers=20)
    names = ["Main", "MAIN", "main", " Main "]
    outcomes = run_concurrently([integration(organization, key, names[n % 4]) for n in range(10)])

    assert codes(outcomes) == Counter({"ok": 1, "integration_name_taken": 9}), outcomes
    with platform_work():
        assert Integration.objects.filter(organization=organization).count() == 1


def test_the_lock_is_the_organizations_own_another_organization_starts_while_it_is_held():
    first, first_key, _ = limited(daily=100, monthly=100, concurrent=100)
    second, second_key, _ = limited(daily=100, monthly=100, concurrent=100)
    holding, release = threading.Event(), threading.Event()

    def hold_first() -> None:
        try:
            with transaction.atomic():
                enter_tenant(first)
                run_start(organization=first, actor=first_key)
                holding.set()
                release.wait(timeout=30)  # a start whose transaction has not ended yet
        finally:
            connection.close()

    def attempt(organization: Organization, key: ApiKey) -> str:
        with transaction.atomic():
            enter_tenant(organization)
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '1s'")
            return run_start(organization=organization, actor=key).run.pk

    holder = threading.Thread(target=hold_first)
    holder.start()
    try:
        assert holding.wait(timeout=30)
        assert attempt(second, second_key).startswith("run_")
        with pytest.raises(OperationalError, match="lock timeout"):
            attempt(first, first_key)  # the same organization waits for the open start
    finally:
        release.set()
        holder.join(timeout=30)
    assert attempt(first, first_key).startswith("run_")
    with platform_work():
        assert Run.objects.filter(organization=first).count() == 2
        assert Run.objects.filter(organization=second).count() == 1
