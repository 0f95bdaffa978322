"""`manage.py prune_events [--older-than DAYS] [--batch-size N] [--dry-run]`: delete old events
and their webhook delivery logs in bounded batches (run it daily, e.g. from cron). Audit rows
are not touched: the audit trail keeps its own history."""

from organizations.management.prune import PruneCommand
from webhooks.services.retention import DEFAULT_KEEP_DAYS, MIN_KEEP_DAYS, events_prune


class Command(PruneCommand):
    help = "Delete events (and their deliveries) older than DAYS, in batches."
    default_days = DEFAULT_KEEP_DAYS
    least_days = MIN_KEEP_DAYS
    rows = "events"

    def prune(self, *, older_than_days: int, batch_size: int, dry_run: bool) -> str:
        pruned = events_prune(
            older_than_days=older_than_days, batch_size=batch_size, dry_run=dry_run
        )
        before = pruned.cutoff.isoformat(timespec="seconds")
        verb = "would delete" if pruned.dry_run else "deleted"
        batches = "" if pruned.dry_run else f" in {pruned.batches} batch(es)"
        return (
            f"{verb} {pruned.events} event(s) and {pruned.deliveries} delivery record(s) "
            f"from before {before}{batches}"
        )
