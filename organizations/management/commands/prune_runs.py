"""`manage.py prune_runs [--older-than DAYS] [--batch-size N] [--dry-run]`: delete old runs in
bounded batches (run it daily, e.g. from cron). Usage figures come from the daily counters,
which stay: pruning never changes what an organization has used."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from causeloop.core.errors import DomainError
from organizations.services.runs import DEFAULT_PRUNE_DAYS, runs_prune


class Command(BaseCommand):
    help = "Delete runs started more than DAYS ago, in batches; usage counters stay."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=DEFAULT_PRUNE_DAYS,
            metavar="DAYS",
            help=f"at least 1; {DEFAULT_PRUNE_DAYS} if omitted",
        )
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="runs per transaction (default 1000)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be deleted, delete nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            pruned = runs_prune(
                older_than_days=options["older_than"],
                batch_size=options["batch_size"],
                dry_run=options["dry_run"],
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        before = pruned.cutoff.isoformat(timespec="seconds")
        if pruned.dry_run:
            self.stdout.write(f"would delete {pruned.count} run(s) started before {before}")
        else:
            self.stdout.write(
                f"deleted {pruned.count} run(s) started before {before} "
                f"in {pruned.batches} batch(es)"
            )
