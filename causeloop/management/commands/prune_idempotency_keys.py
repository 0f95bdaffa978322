"""`manage.py prune_idempotency_keys`: delete stored Idempotency-Key responses past their 24 h
(run it daily, e.g. from cron; a key reused after expiry is also replaced on the spot)."""

from typing import Any

from django.core.management.base import BaseCommand

from causeloop.web.idempotency import prune_expired


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than 24 hours."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = prune_expired()
        self.stdout.write(f"deleted {deleted} expired idempotency record(s)")
