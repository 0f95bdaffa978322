"""`manage.py prune_runs [--older-than DAYS] [--batch-size N] [--dry-run]`: delete old runs in
bounded batches (run it daily, e.g. from cron). Usage figures come from the daily counters,
which stay: pruning never changes what an organization has used."""

from organizations.management.prune import PruneCommand
from organizations.services.runs import DEFAULT_PRUNE_DAYS, runs_prune


class Command(PruneCommand):
    help = "Delete runs started more than DAYS ago, in batches; usage counters stay."
    default_days = DEFAULT_PRUNE_DAYS
    rows = "runs"

    def prune(self, *, older_than_days: int, batch_size: int, dry_run: bool) -> str:
        pruned = runs_prune(older_than_days=older_than_days, batch_size=batch_size, dry_run=dry_run)
        before = pruned.cutoff.isoformat(timespec="seconds")
        if pruned.dry_run:
            return f"would delete {pruned.count} run(s) started before {before}"
        return (
            f"deleted {pruned.count} run(s) started before {before} in {pruned.batches} batch(es)"
        )
