"""What every `prune_*` command shares: its options (`--older-than DAYS`, `--batch-size N`,
`--dry-run`), and turning a refused value into a one-line error."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from causeloop.core.errors import DomainError


class PruneCommand(BaseCommand):
    default_days: int
    least_days = 1
    rows = "rows"  # what one transaction deletes `--batch-size` of

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=self.default_days,
            metavar="DAYS",
            help=f"at least {self.least_days}; {self.default_days} if omitted",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=1000,
            help=f"{self.rows} per transaction (default 1000)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be deleted, delete nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            line = self.prune(
                older_than_days=options["older_than"],
                batch_size=options["batch_size"],
                dry_run=options["dry_run"],
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(line)

    def prune(self, *, older_than_days: int, batch_size: int, dry_run: bool) -> str:
        """Delete (or count, on a dry run) and say what was done, in one line."""
        raise NotImplementedError
