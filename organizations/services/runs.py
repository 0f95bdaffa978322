"""Runs and their quotas: the hot path of §9.

Starting a run is one short transaction that serialises only the organization's own starts:
it locks the organization's subscription row (its limits, billing state and overrides live
there), reads what is running and what the day and month have used from bounded indexes,
bumps the day's counter and inserts the run. Fifty simultaneous starts against an allowance
of twenty give exactly twenty runs, in any number of app processes, because the row lock is
the database's. The count of queries does not depend on how many runs exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from causeloop.core.db import insert_together
from causeloop.core.errors import Conflict, QuotaExceeded, ValidationFailed
from causeloop.core.metrics import QUOTA_REFUSALS
from causeloop.core.tenancy import platform_work
from organizations.access import require_role
from organizations.events import emit, event_entry
from organizations.models import (
    ApiKey,
    Integration,
    Organization,
    Run,
    UsageDay,
    running_since,
)
from organizations.quotas import (
    CONCURRENT_RETRY_SECONDS,
    Calendar,
    Usage,
    limits_of,
    seconds_until,
    zone_of,
)
from organizations.roles import Role
from organizations.services.organizations import usability_refusal
from organizations.services.plans import subscription_locked
from organizations.usage import usage_now
from organizations.validation import clean_optional_text, clean_whole

if TYPE_CHECKING:
    from memberships.models import User


@dataclass(frozen=True)
class RunStarted:
    run: Run
    usage: Usage


def _integration(organization: Organization, integration_id: str | None) -> Integration | None:
    if integration_id is None:
        return None
    found = Integration.objects.filter(organization=organization, pk=integration_id).first()
    if found is None:
        message = f'No integration "{integration_id}" in this organization.'
        raise ValidationFailed(
            message, code="unknown_integration", fields={"integration": [message]}
        )
    return found


def _refusal(usage: Usage, calendar: Calendar, moment: datetime) -> QuotaExceeded | None:
    """The limit a new start would break, the longest wait first; None when it fits."""
    limits = usage.limits
    if usage.runs_this_month >= limits.monthly:
        return QuotaExceeded(
            f"This organization has used its {limits.monthly} runs for this month.",
            limit="monthly",
            retry_after=seconds_until(moment, calendar.month_ends_at),
        )
    if usage.runs_today >= limits.daily:
        return QuotaExceeded(
            f"This organization has used its {limits.daily} runs for today.",
            limit="daily",
            retry_after=seconds_until(moment, calendar.day_ends_at),
        )
    if usage.running >= limits.concurrent:
        return QuotaExceeded(
            f"This organization already has {usage.running} of {limits.concurrent} runs "
            "running; finish one first.",
            limit="concurrent",
            retry_after=CONCURRENT_RETRY_SECONDS,
        )
    return None


def _one_more(organization: Organization, day: Any) -> tuple[str, list[Any]]:
    """The statement that counts one more run on the organization's `day`, whether or not the
    day's row exists yet."""
    table = connection.ops.quote_name(UsageDay._meta.db_table)
    return (
        f"INSERT INTO {table} (organization_id, day, runs) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT (organization_id, day) DO UPDATE SET runs = {table}.runs + 1",
        [organization.pk, day],
    )


def run_start(
    *,
    organization: Organization,
    actor: User | ApiKey,
    integration: str | None = None,
    name: str = "",
) -> RunStarted:
    """Start a run if the organization's limits allow it; `QuotaExceeded` (429) naming the
    limit and the seconds until it resets otherwise. A refusal is an event, not an audit row."""
    require_role(actor, organization, at_least=Role.MEMBER)
    name = clean_optional_text(name, field="name", max_length=200, label="Name")
    chosen = _integration(organization, integration)
    # No savepoint: nothing in the block raises but the database, so the round trips of one
    # would buy nothing; a refusal is decided inside and raised after.
    with transaction.atomic(savepoint=False):
        subscription = subscription_locked(organization)
        current = subscription.organization
        blocked = usability_refusal(current)
        moment = timezone.now()
        calendar = Calendar.at(moment, zone_of(current))
        usage = usage_now(current, limits_of(current, current.plan, subscription), calendar)
        refusal = _refusal(usage, calendar, moment)
        if blocked is None and refusal is None:
            run = Run(
                organization_id=current.pk,
                integration=chosen,
                name=name,
                day=calendar.today,
                started_at=moment,
                started_by_user=None if isinstance(actor, ApiKey) else actor,
                started_by_api_key=actor if isinstance(actor, ApiKey) else None,
            )
            started = event_entry(current, type="run.started", data={"run": run_data(run)})
            # One round trip: the run, its event and the day's counter.
            insert_together(run, started, then=_one_more(current, calendar.today))
    if blocked is not None:
        raise blocked
    if refusal is not None:
        emit(organization, type="run.refused", data={"limit": refusal.fields["limit"]})
        QUOTA_REFUSALS.labels(refusal.fields["limit"]).inc()
        raise refusal
    counted = replace(
        usage,
        runs_today=usage.runs_today + 1,
        runs_this_month=usage.runs_this_month + 1,
        running=usage.running + 1,
    )
    return RunStarted(run=run, usage=counted)


@transaction.atomic
def run_finish(*, run: Run, actor: User | ApiKey, status: str) -> Run:
    """Record how a run ended; it stops counting as running. A run finishes once."""
    require_role(actor, run.organization, at_least=Role.MEMBER)
    if status not in Run.FINISHED:
        message = '"status" must be "succeeded", "failed" or "canceled".'
        raise ValidationFailed(message, fields={"status": [message]})
    moment = timezone.now()
    finished = Run.objects.filter(pk=run.pk, status=Run.Status.RUNNING).update(
        status=status, finished_at=moment
    )
    if not finished:
        raise Conflict("This run has already finished.", code="run_already_finished")
    run.status, run.finished_at = status, moment
    emit(run.organization_id, type="run.finished", data={"run": run_data(run)})
    return run


def run_data(run: Run) -> dict[str, Any]:
    """A run as events carry it."""
    return {
        "id": run.pk,
        "name": run.name,
        "status": run.status,
        "integration_id": run.integration_id,
        "day": run.day.isoformat() if hasattr(run.day, "isoformat") else str(run.day),
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "started_by": run.started_by_api_key_id or run.started_by_user_id,
    }


DEFAULT_PRUNE_DAYS = 90
MAX_PRUNE_BATCH = 10_000
# Organizations are walked in slices (by ID), so each query names a bounded set of them and
# reads runs through the (organization, started_at) index.
PRUNE_ORGANIZATIONS_PER_SLICE = 500


@dataclass(frozen=True)
class RunsPruned:
    """What `runs_prune` did: the runs started before `cutoff` it deleted (or, on a dry run,
    would have), in how many transactions."""

    cutoff: datetime
    count: int
    batches: int
    dry_run: bool


def _organization_slices() -> Iterator[list[str]]:
    after = ""
    while True:
        with platform_work():
            ids = list(
                Organization.objects.filter(pk__gt=after)
                .order_by("pk")
                .values_list("pk", flat=True)[:PRUNE_ORGANIZATIONS_PER_SLICE]
            )
        if not ids:
            return
        yield ids
        after = ids[-1]


def _prune_slice(
    organization_ids: list[str], cutoff: datetime, batch_size: int, *, dry_run: bool
) -> tuple[int, int]:
    """Prune one slice of organizations: how many runs, in how many batches."""
    count = batches = 0
    while True:
        with platform_work():
            old = Run.objects.filter(
                organization_id__in=organization_ids, started_at__lt=cutoff
            ).exclude(status=Run.Status.RUNNING, started_at__gt=running_since())
            if dry_run:
                return old.count(), 0
            ids = list(old.values_list("pk", flat=True)[:batch_size])
            if ids:
                Run.objects.filter(pk__in=ids).delete()
                count, batches = count + len(ids), batches + 1
        if len(ids) < batch_size:
            return count, batches


def runs_prune(
    *, older_than_days: int = DEFAULT_PRUNE_DAYS, batch_size: int = 1000, dry_run: bool = False
) -> RunsPruned:
    """Platform: delete the runs started more than `older_than_days` ago, `batch_size` at a time,
    each batch its own short transaction. A run still counting as running (within
    `CAUSELOOP_RUN_TIMEOUT`) is kept whatever its age; the daily counters are kept, so usage
    figures do not change."""
    days = clean_whole(older_than_days, field="older_than", label="Days", low=1, high=36_500)
    batch_size = clean_whole(
        batch_size, field="batch_size", label="Batch size", low=1, high=MAX_PRUNE_BATCH
    )
    cutoff = timezone.now() - timedelta(days=days)
    count = batches = 0
    for organization_ids in _organization_slices():
        pruned, transactions = _prune_slice(organization_ids, cutoff, batch_size, dry_run=dry_run)
        count, batches = count + pruned, batches + transactions
    return RunsPruned(cutoff=cutoff, count=count, batches=batches, dry_run=dry_run)
