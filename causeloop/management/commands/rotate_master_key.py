"""`manage.py rotate_master_key [--batch-size N]`: seal every stored secret again under the
current `CAUSELOOP_MASTER_KEY` (the old keys in `CAUSELOOP_OLD_MASTER_KEYS` still open them).
Safe to run again; see README, "Rotating the master key"."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from causeloop.core.sealed import reseal_column
from causeloop.models import IdempotencyRecord
from organizations.models import Integration
from webhooks.models import WebhookEndpoint

# Every column holding a value sealed with `causeloop.core.crypto.encrypt`. (Keyed hashes are
# not here: they cannot be recomputed without the secret, and are hashed again when used.)
SEALED_COLUMNS = (
    (Integration, "credential"),
    (IdempotencyRecord, "response_body"),
    (WebhookEndpoint, "secret"),
    (WebhookEndpoint, "previous_secret"),
)
MAX_BATCH = 10_000


class Command(BaseCommand):
    help = "Seal every stored secret again under the current master key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=500, help="rows per transaction (default 500)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = options["batch_size"]
        if not 1 <= batch_size <= MAX_BATCH:
            raise CommandError(f"Batch size must be a whole number from 1 to {MAX_BATCH:,}.")
        unreadable = 0
        for model, field in SEALED_COLUMNS:
            counts = reseal_column(model, field, batch_size=batch_size)
            unreadable += counts.unreadable
            self.stdout.write(
                f"{counts.column}: {counts.resealed} sealed again, {counts.current} already "
                f"under the current key, {counts.unreadable} unreadable"
            )
        if unreadable:
            raise CommandError(
                f"{unreadable} stored secret(s) open with no configured key: add the key they "
                "were sealed with to CAUSELOOP_OLD_MASTER_KEYS and run this again."
            )
