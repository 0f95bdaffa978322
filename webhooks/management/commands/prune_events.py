"""`manage.py prune_events [--older-than DAYS] [--batch-size N] [--dry-run]`: delete old events
and their webhook delivery logs in bounded batches (run it daily, e.g. from cron). Audit rows
are not touched: the audit trail keeps its own history."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from causeloop.core.errors import DomainError
from webhooks.services.retention import DEFAULT_KEEP_DAYS, events_prune


class Command(BaseCommand):
    help = "Delete events (and their deliveries) older than DAYS, in batches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=DEFAULT_KEEP_DAYS,
            metavar="DAYS",
            help=f"at least 7; {DEFAULT_KEEP_DAYS} if omitted",
        )
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="events per transaction (default 1000)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be deleted, delete nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            pruned = events_prune(
                older_than_days=options["older_than"],
                batch_size=options["batch_size"],
                dry_run=options["dry_run"],
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        before = pruned.cutoff.isoformat(timespec="seconds")
        verb = "would delete" if pruned.dry_run else "deleted"
        batches = "" if pruned.dry_run else f" in {pruned.batches} batch(es)"
        self.stdout.write(
            f"{verb} {pruned.events} event(s) and {pruned.deliveries} delivery record(s) "
            f"from before {before}{batches}"
        )
