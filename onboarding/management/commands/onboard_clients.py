"""`manage.py onboard_clients clients.csv [--dry-run] [--batch-size N] [--one-by-one]`: onboard
every row of a CSV."""

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from onboarding.bulk import OnboardingStopped, RowOutcome, onboard_rows, read_rows
from onboarding.management.commands._base import ProvisioningCommand, terminal_safe
from onboarding.services.batch import BATCH_SIZE
from organizations.validation import clean_whole


class Command(ProvisioningCommand):
    help = (
        "Onboard every row of a CSV with header name,slug,email,plan (optional columns: "
        "owner_name,workspace_name,timezone,seats,send_welcome_email). The file is checked "
        "first, then written in batches (one transaction each); a failing row never stops the "
        "others, and re-running a file is safe. Each new owner is mailed a welcome unless "
        "--no-email."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv_path", help="path of the CSV file, or - for standard input")
        parser.add_argument("--dry-run", action="store_true", help="validate without writing")
        parser.add_argument(
            "--no-email", action="store_true", help="send the new owners no welcome email"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"rows written per transaction (default {BATCH_SIZE})",
        )
        parser.add_argument(
            "--one-by-one",
            action="store_true",
            help="write each row in its own transaction (slower; the batches' reference)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path, dry_run = options["csv_path"], options["dry_run"]
        self.send_welcome_email = not options["no_email"]
        self.one_by_one = options["one_by_one"]
        self.batch_size = clean_whole(
            options["batch_size"], field="batch_size", label="--batch-size", low=1, high=100_000
        )
        self.outcomes: list[RowOutcome] = []
        stopped = None
        try:
            if path == "-":
                self._run(sys.stdin, dry_run)
            else:
                csv_file = Path(path)
                if not csv_file.is_file():
                    raise CommandError(f'no such file "{path}"')
                with csv_file.open(newline="", encoding="utf-8-sig") as stream:
                    self._run(stream, dry_run)
        except OnboardingStopped as error:
            stopped = error
        outcomes = self.outcomes
        counts: dict[str, int] = {}
        for outcome in outcomes:
            counts[outcome.outcome] = counts.get(outcome.outcome, 0) + 1
        summary = ", ".join(f"{count} {name}" for name, count in sorted(counts.items()))
        prefix = "dry run: " if dry_run else ""
        self.stdout.write(f"{prefix}{len(outcomes)} row(s): {summary or 'nothing to do'}")
        if stopped is not None:
            raise CommandError(terminal_safe(stopped), returncode=1)
        failed = counts.get("failed", 0)
        if failed:
            raise CommandError(f"{failed} row(s) failed", returncode=1)

    def _run(self, stream: Any, dry_run: bool) -> None:
        try:
            _header, rows = read_rows(stream)
        except UnicodeDecodeError:
            raise CommandError("the file is not UTF-8 text") from None
        # The bar goes to stderr and only on a terminal, so piped reports stay clean.
        progress = tqdm(
            desc="onboarding" if not dry_run else "validating",
            unit=" rows",
            file=sys.stderr,
            disable=None,
            leave=False,
        )

        def report(outcomes: Sequence[RowOutcome]) -> None:
            self.outcomes.extend(outcomes)
            # The bar's own writer, past the guarded stdout: each value is made safe here.
            lines = []
            for outcome in outcomes:
                slug = terminal_safe(outcome.slug) or "-"
                detail = f"  {terminal_safe(outcome.detail)}" if outcome.detail else ""
                lines.append(f"row {outcome.line}  {slug}  {outcome.outcome}{detail}")
            progress.write("\n".join(lines), file=self.stdout._out)
            progress.update(len(outcomes))

        try:
            onboard_rows(
                rows,
                dry_run=dry_run,
                one_by_one=self.one_by_one,
                batch_size=self.batch_size,
                on_rows=report,
                send_welcome_email=self.send_welcome_email,
            )
        except UnicodeDecodeError:
            raise CommandError("the file is not UTF-8 text") from None
        finally:
            progress.close()
