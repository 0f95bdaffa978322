"""`manage.py prune_runs`: old runs go in bounded batches, usage figures stay."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone
from zeal import zeal_ignore

from organizations.models import Run, UsageDay
from organizations.services.plans import limits_override
from organizations.services.runs import run_finish, run_start, runs_prune
from organizations.usage import usage_of
from tests.app_role import APP_ROLE, _execute
from tests.factories import organization_with_owner


def prune(*args):
    out = io.StringIO()
    with zeal_ignore():  # a command is its own unit of work
        call_command("prune_runs", *args, stdout=out)
    return out.getvalue()


def _started(organization, owner, *, days_ago, finish=True):
    """A run started `days_ago` days ago (counted on that day, as `run_start` counts)."""
    moment = timezone.now() - timedelta(days=days_ago)
    with time_machine.travel(moment, tick=False), zeal_ignore():  # setup, one run at a time
        run = run_start(organization=organization, actor=owner).run
        if finish:
            run_finish(run=run, actor=owner, status="succeeded")
    return run


@pytest.fixture
def acme(db):
    organization, owner = organization_with_owner()
    limits_override(organization=organization, limits={"daily": 100, "concurrent": 100})
    return organization, owner


def _counters():
    return sorted(UsageDay.objects.values_list("organization_id", "day", "runs"))


def test_prune_runs_deletes_old_runs_in_batches_and_keeps_usage(acme):
    organization, owner = acme
    other, other_owner = organization_with_owner()
    for days_ago in (100, 10, 2):
        _started(organization, owner, days_ago=days_ago)
    _started(other, other_owner, days_ago=95)
    today = run_start(organization=organization, actor=owner).run
    usage_before = [usage_of(org).as_dict() for org in (organization, other)]
    counters_before = _counters()

    out = prune()  # 90 days by default

    assert out.startswith("deleted 2 run(s) started before ")
    assert Run.objects.count() == 3
    out = prune("--older-than", "1", "--batch-size", "1")
    assert "deleted 2 run(s)" in out
    assert out.strip().endswith("in 2 batch(es)")
    assert list(Run.objects.values_list("pk", flat=True)) == [today.pk]
    assert [usage_of(org).as_dict() for org in (organization, other)] == usage_before
    assert _counters() == counters_before
    assert usage_before[0]["runs_today"] == 1
    assert sum(day["runs"] for day in usage_before[0]["history"]) == 3  # 10, 2 and 0 days ago


def test_batches_are_bounded(acme):
    organization, owner = acme
    for days_ago in (3, 4, 5, 6, 7):
        _started(organization, owner, days_ago=days_ago)
    pruned = runs_prune(older_than_days=2, batch_size=2)
    assert (pruned.count, pruned.batches) == (5, 3)
    assert not Run.objects.exists()


def test_a_run_still_counting_as_running_is_kept_whatever_its_age(acme, settings):
    organization, owner = acme
    settings.CAUSELOOP_RUN_TIMEOUT = 3 * 24 * 3600
    young = _started(organization, owner, days_ago=2, finish=False)
    timed_out = _started(organization, owner, days_ago=5, finish=False)
    finished = _started(organization, owner, days_ago=2)

    assert "deleted 2 run(s)" in prune("--older-than", "1")

    assert list(Run.objects.values_list("pk", flat=True)) == [young.pk]
    assert not Run.objects.filter(pk__in=[timed_out.pk, finished.pk]).exists()
    assert usage_of(organization).usage.running == 1


def test_a_dry_run_counts_and_deletes_nothing(acme):
    organization, owner = acme
    _started(organization, owner, days_ago=100)
    _started(organization, owner, days_ago=10)
    out = prune("--dry-run")
    assert out.startswith("would delete 1 run(s) started before ")
    assert Run.objects.count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--older-than", "0"], "Days must be a whole number from 1 to 36,500."),
        (["--older-than", "-5"], "Days must be a whole number from 1 to 36,500."),
        (["--batch-size", "0"], "Batch size must be a whole number from 1 to 10,000."),
        (["--batch-size", "100000"], "Batch size must be a whole number from 1 to 10,000."),
    ],
)
def test_bad_arguments_are_refused_and_nothing_is_deleted(acme, args, message):
    organization, owner = acme
    _started(organization, owner, days_ago=200)
    with pytest.raises(CommandError, match=message):
        prune(*args)
    assert Run.objects.count() == 1


def test_a_days_argument_that_is_not_a_number_is_refused(db):
    with pytest.raises(CommandError, match="invalid int value"):
        prune("--older-than", "ninety")


def test_pruning_as_the_application_role_sees_every_tenant(acme):
    """Row-level security applies to the role production connects as: the command works in
    the platform context, or it would find no run of any tenant."""
    organization, owner = acme
    other, other_owner = organization_with_owner()
    _started(organization, owner, days_ago=5)
    _started(other, other_owner, days_ago=5)
    _execute(f"SET ROLE {APP_ROLE}")
    try:
        out = prune("--older-than", "1")
    finally:
        _execute("RESET ROLE")
    assert "deleted 2 run(s)" in out
    assert not Run.objects.exists()
